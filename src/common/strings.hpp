#pragma once
// Small string helpers shared by the layers.

#include <cctype>
#include <string>
#include <string_view>

namespace mallard {

inline std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// 'text' with embedded quotes doubled: a SQL string literal.
inline std::string sql_literal(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

// "name" with embedded quotes doubled: a SQL identifier.
inline std::string sql_ident(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace mallard
