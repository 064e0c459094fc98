#include "statement.hpp"

#include <cctype>

#include "sql/statement.hpp"

namespace mallard::faultproxy {

namespace {

bool word_start(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool word_char(unsigned char c) { return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The name inside a quoted identifier ("a""b" is a"b).
std::string unquote(std::string_view lexeme) {
  std::string out;
  for (size_t i = 1; i + 1 < lexeme.size(); ++i) {
    out += lexeme[i];
    if (lexeme[i] == '"' && lexeme[i + 1] == '"') ++i;
  }
  return out;
}

}  // namespace

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (std::isspace(c)) {
      ++i;
    } else if (word_start(c)) {
      size_t j = i;
      while (j < s.size() && word_char(static_cast<unsigned char>(s[j]))) ++j;
      // E'..', B'..', X'..', N'..': a one-letter prefix of a string literal, not a word. The
      // shared lexer looks back at it to apply backslash escapes.
      bool prefix = j - i == 1 && j < s.size() && s[j] == '\'' && std::string_view("eEbBxXnN").find(s[i]) != std::string_view::npos;
      if (!prefix) out.push_back({Token::kWord, lower(s.substr(i, j - i))});
      i = j;
    } else if (std::isdigit(c)) {
      size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '.' || s[j] == '_')) ++j;
      out.push_back({Token::kOther, std::string(s.substr(i, j - i))});
      i = j;
    } else {
      size_t j = sql::skip_lexeme(s, i);
      std::string_view lexeme = s.substr(i, j - i);
      bool comment = lexeme.size() >= 2 && (lexeme.substr(0, 2) == "--" || lexeme.substr(0, 2) == "/*");
      if (c == '"') {
        out.push_back({Token::kQuotedIdentifier, unquote(lexeme)});
      } else if (c == '\'' || (c == '$' && lexeme.size() > 1)) {
        out.push_back({Token::kString, std::string(lexeme)});
      } else if (!comment) {
        out.push_back({Token::kOther, std::string(lexeme)});
      }
      i = j;
    }
  }
  return out;
}

Role role_of(std::string_view statement) {
  auto c = sql::classify(statement);
  switch (c.kind) {
    case sql::Kind::kBegin:
      return Role::kBegin;
    case sql::Kind::kCommit:
      return Role::kCommit;
    case sql::Kind::kRollback: {
      // ROLLBACK PREPARED ends another session's prepared transaction, not this one.
      auto w = sql::leading_keywords(statement, 2);
      return w.size() > 1 && w[1] == "PREPARED" ? Role::kControl : Role::kRollback;
    }
    case sql::Kind::kSet:
    case sql::Kind::kShow:
    case sql::Kind::kDeallocate:
      return Role::kControl;
    default:
      break;
  }
  static const char *const kControlWords[] = {"SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT",  "PREPARE",
                                              "DISCARD",   "LISTEN",  "UNLISTEN", "RESET"};
  auto w = sql::leading_keywords(statement, 1);
  if (w.empty()) return Role::kControl;  // nothing to execute
  for (const char *word : kControlWords)
    if (w[0] == word) return Role::kControl;
  return Role::kData;
}

}  // namespace mallard::faultproxy
