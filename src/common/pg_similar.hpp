#pragma once
// SQL regular expressions (`x SIMILAR TO pattern [ESCAPE e]`) as the regular expressions DuckDB
// matches with (RE2 syntax): '%' and '_' as in LIKE, '|', '*', '+', '?', '{m,n}', parentheses and
// bracket expressions as in POSIX, every other character literal ('.' too), the escape character
// making the next one literal. The match is of the whole text, which DuckDB's SIMILAR TO anchors.

#include <string>
#include <string_view>

namespace mallard {

// `escape` is one character, or empty for none. Throws Error 22025 when it is longer, and
// 2201B when the pattern ends in the escape character.
std::string similar_to_regex(std::string_view pattern, std::string_view escape);

}  // namespace mallard
