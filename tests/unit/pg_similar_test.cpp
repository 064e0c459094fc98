// SIMILAR TO patterns translated to the regular expressions DuckDB matches with.

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "common/pg_similar.hpp"

namespace mallard {
namespace {

std::string sqlstate_of(std::string_view pattern, std::string_view escape) {
  try {
    similar_to_regex(pattern, escape);
  } catch (const Error &e) {
    return e.sqlstate();
  }
  return "";
}

TEST(PgSimilar, WildcardsAndLiterals) {
  EXPECT_EQ(similar_to_regex("a%b_c", "\\"), "(?s)a.*b.c");
  EXPECT_EQ(similar_to_regex("a.b^c$d\\\\", ""), "(?s)a\\.b\\^c\\$d\\\\\\\\");
  EXPECT_EQ(similar_to_regex("é%", "\\"), "(?s)é.*");
}

TEST(PgSimilar, RegularExpressionOperatorsStay) {
  EXPECT_EQ(similar_to_regex("(a|b)*c+d?e{2,3}", "\\"), "(?s)(a|b)*c+d?e{2,3}");
  EXPECT_EQ(similar_to_regex("[a-c%_]x", "\\"), "(?s)[a-c%_]x");
  EXPECT_EQ(similar_to_regex("[]a]", "\\"), "(?s)[\\]a]");
  EXPECT_EQ(similar_to_regex("[^]a]", "\\"), "(?s)[^\\]a]");
}

TEST(PgSimilar, EscapeMakesTheNextCharacterLiteral) {
  EXPECT_EQ(similar_to_regex("a\\%\\_\\.", "\\"), "(?s)a%_\\.");
  EXPECT_EQ(similar_to_regex("#%#(x", "#"), "(?s)%\\(x");
  EXPECT_EQ(similar_to_regex("a\\%", "#"), "(?s)a\\\\.*");  // backslash is then a plain character
  EXPECT_EQ(similar_to_regex("ä%", "ä"), "(?s)%");
}

TEST(PgSimilar, BadPatternsAndEscapes) {
  EXPECT_EQ(sqlstate_of("a", "ab"), "22025");
  EXPECT_EQ(sqlstate_of("a\\", "\\"), "2201B");
  EXPECT_EQ(sqlstate_of("[ab", "\\"), "2201B");
}

}  // namespace
}  // namespace mallard
