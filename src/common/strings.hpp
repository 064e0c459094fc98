#pragma once
// Small string helpers shared by the layers.

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

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

// The parts of a possibly qualified name as text ('"public"."T".x'): a quoted part as written
// (its doubled quotes single), an unquoted one folded to lower case, as PostgreSQL reads them.
inline std::vector<std::string> split_qualified_name(std::string_view name) {
  std::vector<std::string> parts(1);
  bool quoted = false;
  for (size_t i = 0; i < name.size(); ++i) {
    char ch = name[i];
    if (ch == '"' && quoted && i + 1 < name.size() && name[i + 1] == '"') parts.back() += name[++i];
    else if (ch == '"') quoted = !quoted;
    else if (ch == '.' && !quoted) parts.emplace_back();
    else parts.back() += quoted ? ch : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return parts;
}

// PostgreSQL reads a string typed bytea that starts with \x as hex digits ('\x00ff' is two bytes);
// DuckDB's cast from text would read "\x00" as one byte and "ff" as two characters. Given a SQL
// string literal (with its quotes, surrounding spaces allowed), the DuckDB expression for the bytes
// it means as bytea, or nullopt when it is not in hex form. Malformed hex throws 22023.
inline std::optional<std::string> bytea_hex_literal(std::string_view lit) {
  while (!lit.empty() && std::isspace(static_cast<unsigned char>(lit.front()))) lit.remove_prefix(1);
  while (!lit.empty() && std::isspace(static_cast<unsigned char>(lit.back()))) lit.remove_suffix(1);
  if (lit.size() < 4 || lit.front() != '\'' || lit.back() != '\'' || lit.substr(1, 2) != "\\x") return std::nullopt;
  std::string_view hex = lit.substr(3, lit.size() - 4);
  auto bad = std::find_if(hex.begin(), hex.end(), [](char ch) { return !std::isxdigit(static_cast<unsigned char>(ch)); });
  if (bad != hex.end())  // PostgreSQL's SQLSTATE and wording for both
    throw Error(sqlstate::kInvalidParameterValue, "invalid hexadecimal digit: \"" + std::string(1, *bad) + "\"");
  if (hex.size() % 2 != 0) throw Error(sqlstate::kInvalidParameterValue, "invalid hexadecimal data: odd number of digits");
  return "unhex('" + std::string(hex) + "')";
}

}  // namespace mallard
