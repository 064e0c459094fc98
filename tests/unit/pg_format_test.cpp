// format() and the quoting it shares with quote_ident and quote_literal, as PostgreSQL writes them.

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/error.hpp"
#include "common/pg_format.hpp"

namespace mallard {
namespace {

using Args = std::vector<std::optional<std::string>>;

TEST(PgFormat, Conversions) {
  EXPECT_EQ(pg_format("%s=%L", {"a", "it's"}), "a='it''s'");
  EXPECT_EQ(pg_format("%I.%I", {"public", "Mixed Case"}), "public.\"Mixed Case\"");
  EXPECT_EQ(pg_format("[%s][%L]", {std::nullopt, std::nullopt}), "[][NULL]");
  EXPECT_EQ(pg_format("%3$s %1$s %s", {"a", "b", "c"}), "c a b");
  EXPECT_EQ(pg_format("|%4s|%-4s|%*s|%-*s|%*3$s|", {"ab", "cd", "3", "x", "-3", "y", "z"}), "|  ab|cd  |  x|y  |  x|");
  EXPECT_EQ(pg_format("|%3s|", {"\xc3\xa9"}), "|  \xc3\xa9|");  // width counts characters
  EXPECT_EQ(pg_format("100%%", {}), "100%");
  EXPECT_EQ(pg_quote_literal("a\\b'"), "E'a\\\\b'''");
  EXPECT_EQ(pg_quote_ident("order"), "\"order\"");
  EXPECT_EQ(pg_quote_ident("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(pg_quote_ident("x_1"), "x_1");
  EXPECT_EQ(pg_quote_ident("1x"), "\"1x\"");
  EXPECT_EQ(pg_quote_ident(""), "\"\"");
}

TEST(PgFormat, Errors) {
  auto state = [](std::string_view f, const Args &a) {
    try {
      pg_format(f, a);
    } catch (const Error &e) {
      return e.sqlstate();
    }
    return std::string("none");
  };
  EXPECT_EQ(state("%d", {"1"}), "22023");
  EXPECT_EQ(state("%s %s", {"1"}), "22023");
  EXPECT_EQ(state("%", {}), "22023");
  EXPECT_EQ(state("%0$s", {"1"}), "22023");
  EXPECT_EQ(state("%I", {std::nullopt}), "22004");
  EXPECT_EQ(state("%*s", {"x", "y"}), "22P02");
}

TEST(PgFormat, RandomFormatsNeverFail) {
  std::mt19937 rng(4242);
  const std::string chars = "%%%sIL-*$0123456789 x";
  int formatted = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string f;
    for (int k = rng() % 14; k > 0; --k) f += chars[rng() % chars.size()];
    Args args;
    for (int k = rng() % 4; k > 0; --k) {
      if (rng() % 5 == 0) args.emplace_back(std::nullopt);
      else args.emplace_back(std::to_string(static_cast<int>(rng() % 2000) - 1000));
    }
    try {
      formatted += pg_format(f, args).size() < (1u << 21) ? 1 : 0;
    } catch (const Error &) {
    }
  }
  EXPECT_GT(formatted, 1000);
}

}  // namespace
}  // namespace mallard
