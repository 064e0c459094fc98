// PostgreSQL interval input that DuckDB does not read, rewritten into text it reads.

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/pg_interval.hpp"

namespace mallard {
namespace {

std::string converted(const char *in) { return interval_for_duckdb(in).value_or("<unchanged>"); }

TEST(PgInterval, Iso8601WithDesignators) {
  EXPECT_EQ(converted("P1Y2M3DT4H5M6S"), "14 months 3 days 14706000000 microseconds");
  EXPECT_EQ(converted("PT0.5S"), "0 months 0 days 500000 microseconds");
  EXPECT_EQ(converted(" P2W "), "0 months 14 days 0 microseconds");
  // Fractions spread downward as PostgreSQL spreads them: a month is 30 days, a day 24 hours.
  EXPECT_EQ(converted("P1.5Y"), "18 months 0 days 0 microseconds");
  EXPECT_EQ(converted("P1.5M"), "1 months 15 days 0 microseconds");
  EXPECT_EQ(converted("P0.5D"), "0 months 0 days 43200000000 microseconds");
  EXPECT_EQ(converted("P-1DT-2H"), "0 months -1 days -7200000000 microseconds");
  for (const char *bad : {"P", "PT", "P1", "P1X", "PT1D", "P1H"}) EXPECT_EQ(converted(bad), "<unchanged>") << bad;
}

TEST(PgInterval, SqlStandardFields) {
  EXPECT_EQ(converted("1-2"), "14 months 0 days 0 microseconds");
  EXPECT_EQ(converted("-1-2"), "-14 months 0 days 0 microseconds");
  EXPECT_EQ(converted("1 2:03:04"), "0 months 1 days 7384000000 microseconds");
  EXPECT_EQ(converted("-1 2:03"), "0 months -1 days 7380000000 microseconds");  // each field its sign
  EXPECT_EQ(converted("1-2 3 4:05:06.5"), "14 months 3 days 14706500000 microseconds");
  // What DuckDB reads already is left alone.
  for (const char *as_is : {"02:03:04", "1 day 02:00:00", "3 mons", "1 week", "@ 1 day ago", "1.5 hours"})
    EXPECT_EQ(converted(as_is), "<unchanged>") << as_is;
}

TEST(PgInterval, ExplicitPlusSigns) {
  EXPECT_EQ(converted("-1 days +02:03:00"), "-1 days 02:03:00");
  EXPECT_EQ(converted("+3 mons -1 days"), "3 mons -1 days");
}

TEST(PgInterval, OutOfRangeAndRandomTextNeverFail) {
  EXPECT_EQ(converted(("P" + std::string(400, '9') + "D").c_str()), "<unchanged>");
  EXPECT_EQ(converted("99999999999-1"), "<unchanged>");
  std::mt19937 rng(7);
  const std::string chars = "P0123456789YMWDTHS.-+: e";
  for (int n = 0; n < 20000; ++n) {
    std::string text;
    for (int k = rng() % 14; k > 0; --k) text += chars[rng() % chars.size()];
    auto out = interval_for_duckdb(text);
    if (out) EXPECT_LT(out->size(), 200u) << text;
  }
}

}  // namespace
}  // namespace mallard
