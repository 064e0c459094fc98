// sql::rewrite_for_duckdb: the division check wraps exactly the divisor, and statements with
// nothing to translate come back unchanged.
#include <gtest/gtest.h>

#include "sql/rewrite.hpp"

using mallard::sql::rewrite_for_duckdb;

namespace {

const std::string D = "pg_compat.main.divisor(";

TEST(RewriteDivision, WrapsTheDivisorOnly) {
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / b"), "SELECT a / " + D + "b)");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a % 3"), "SELECT a % " + D + "3)");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a // b"), "SELECT a // " + D + "b)");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / b + c"), "SELECT a / " + D + "b) + c");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / b * c"), "SELECT a / " + D + "b) * c");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / -b"), "SELECT a / " + D + "-b)");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a /-b"), "SELECT a /" + D + "-b)");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / b ^ 2"), "SELECT a / " + D + "b ^ 2)");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / t.b::numeric(10, 2)[1]"), "SELECT a / " + D + "t.b::numeric(10, 2)[1])");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / b::double precision"), "SELECT a / " + D + "b::double precision)");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / (b - 1)"), "SELECT a / " + D + "(b - 1))");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / $1"), "SELECT a / " + D + "$1)");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / sum(b) OVER (PARTITION BY c)"),
            "SELECT a / " + D + "sum(b) OVER (PARTITION BY c))");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / count(*) FILTER (WHERE b)"), "SELECT a / " + D + "count(*) FILTER (WHERE b))");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / CASE WHEN b THEN 1 ELSE CASE WHEN c THEN 2 END END FROM t"),
            "SELECT a / " + D + "CASE WHEN b THEN 1 ELSE CASE WHEN c THEN 2 END END) FROM t");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / (SELECT count(*) FROM t)"), "SELECT a / " + D + "(SELECT count(*) FROM t))");
  EXPECT_EQ(rewrite_for_duckdb("SELECT x / interval '1 day'"), "SELECT x / " + D + "interval '1 day')");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / (b / c)"), "SELECT a / " + D + "(b / " + D + "c)))");
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / b / c"), "SELECT a / " + D + "b) / " + D + "c)");
}

TEST(RewriteDivision, LeavesOtherSlashesAlone) {
  for (const char *s : {"SELECT '1/0', 'a%'", "SELECT 1 /* 1/0 */", "SELECT 1 -- 1/0", "SELECT $$1/0$$",
                        "SELECT \"a/b\" FROM t", "CREATE VIEW v AS SELECT a / b FROM t",
                        "ALTER TABLE t ADD CHECK (a / b > 0)"})
    EXPECT_EQ(rewrite_for_duckdb(s), s) << s;
  // Forms whose extent is not certain are left as they are rather than guessed.
  EXPECT_EQ(rewrite_for_duckdb("SELECT a / b AT TIME ZONE 'UTC'"), "SELECT a / b AT TIME ZONE 'UTC'");
}

TEST(RewriteDivision, StatementsWithoutTriggersAreUntouched) {
  std::string s = "SELECT a, b + c * 2 FROM t WHERE d = $1";
  EXPECT_EQ(rewrite_for_duckdb(s), s);
}

}  // namespace
