#pragma once
// PostgreSQL's format(formatstr, arg, ...) and quote_ident: %s (the argument's text, empty for
// NULL), %I (an identifier, quoted when it must be), %L (a literal, NULL unquoted) and %%, each with
// an optional argument position (n$), the flag '-' (left-justify) and a width (digits, * for the
// next argument, or *n$).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mallard {

// Throws Error 22023 for a malformed specifier or too few arguments, 22004 for %I of NULL.
std::string pg_format(std::string_view format, const std::vector<std::optional<std::string>> &args);

// The identifier as PostgreSQL's quote_ident writes it: as it is when it is lower-case letters,
// digits (not first) and '_' and no reserved word; else double-quoted.
std::string pg_quote_ident(std::string_view name);

// The text as a SQL literal, as quote_literal writes it ('it''s'; E'a\\b' when it has backslashes).
std::string pg_quote_literal(std::string_view text);

}  // namespace mallard
