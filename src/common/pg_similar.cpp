#include "common/pg_similar.hpp"

#include "common/error.hpp"

namespace mallard {

namespace {

// Length of the UTF-8 character starting with byte c (1 for stray continuation bytes).
size_t char_length(unsigned char c) { return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1; }

bool re2_special(char c) {
  switch (c) {
    case '.': case '^': case '$': case '\\': case '[': case ']': case '(': case ')':
    case '{': case '}': case '*': case '+': case '?': case '|':
      return true;
    default:
      return false;
  }
}

void literal(std::string &out, std::string_view ch) {
  if (ch.size() == 1 && re2_special(ch[0])) out += '\\';
  out += ch;
}

}  // namespace

std::string similar_to_regex(std::string_view pattern, std::string_view escape) {
  if (!escape.empty() && char_length(static_cast<unsigned char>(escape[0])) != escape.size())
    throw Error("22025", "invalid escape string", 0, {}, "Escape string must be empty or one character.");
  std::string out = "(?s)";  // '.' (from '_' and '%') matches newlines too
  size_t i = 0;
  auto next_char = [&]() {
    size_t n = std::min(char_length(static_cast<unsigned char>(pattern[i])), pattern.size() - i);
    std::string_view ch = pattern.substr(i, n);
    i += n;
    return ch;
  };
  while (i < pattern.size()) {
    if (!escape.empty() && pattern.substr(i, escape.size()) == escape) {
      i += escape.size();
      if (i >= pattern.size())
        throw Error("2201B", "invalid regular expression: SIMILAR TO pattern ends with the escape character");
      literal(out, next_char());
      continue;
    }
    std::string_view ch = next_char();
    if (ch == "%") {
      out += ".*";
    } else if (ch == "_") {
      out += '.';
    } else if (ch == "[") {
      // A bracket expression is copied as it is, up to its closing ']' (which may come first,
      // after an optional '^', as a member).
      out += '[';
      if (i < pattern.size() && pattern[i] == '^') out += pattern[i++];
      if (i < pattern.size() && pattern[i] == ']') out += "\\]", ++i;
      bool closed = false;
      while (i < pattern.size()) {
        std::string_view m = next_char();
        if (m == "]") {
          closed = true;
          break;
        }
        if (m == "\\" && escape != "\\") out += '\\';  // a backslash member
        out += m;
        if (m == "\\" && escape == "\\" && i < pattern.size()) out += next_char();
      }
      if (!closed) throw Error("2201B", "invalid regular expression: brackets [] not balanced");
      out += ']';
    } else if (ch == "|" || ch == "*" || ch == "+" || ch == "?" || ch == "{" || ch == "}" || ch == "(" ||
               ch == ")") {
      out += ch;
    } else {
      literal(out, ch);
    }
  }
  return out;
}

}  // namespace mallard
