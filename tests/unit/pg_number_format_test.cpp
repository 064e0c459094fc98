// to_char(number, template) as PostgreSQL formats it.

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/error.hpp"
#include "common/pg_number_format.hpp"

namespace mallard {
namespace {

std::string fmt(const char *value, const char *tmpl, bool binary = false) {
  return format_number(parse_number_template(tmpl), value, binary);
}

TEST(PgNumberFormat, DigitPositionsAndPadding) {
  EXPECT_EQ(fmt("0", "999"), "   0");
  EXPECT_EQ(fmt("0.5", "9.9"), "  .5");
  EXPECT_EQ(fmt("0", "9.99"), "  .00");
  EXPECT_EQ(fmt("0", "FM9.99"), "0.");
  EXPECT_EQ(fmt("1", "FM9.99"), "1.");
  EXPECT_EQ(fmt("5", "0099"), " 0005");
  EXPECT_EQ(fmt("5", "9909"), "   05");
  EXPECT_EQ(fmt("12", "9,999"), "    12");
  EXPECT_EQ(fmt("1234567.891", "FM9,999,999.00"), "1,234,567.89");
  EXPECT_EQ(fmt("12", "$999"), "$  12");
  EXPECT_EQ(fmt("-5", "FM0099"), "-0005");  // fill mode without a fraction
  EXPECT_EQ(fmt("0", "FM999"), "0");
}

TEST(PgNumberFormat, SignsRoundingAndOverflow) {
  EXPECT_EQ(fmt("-0.5", "9.9"), " -.5");
  EXPECT_EQ(fmt("-0.0001", "9.99"), "  .00");  // rounds to zero: no sign
  EXPECT_EQ(fmt("12", "S999"), " +12");
  EXPECT_EQ(fmt("12", "999S"), " 12+");
  EXPECT_EQ(fmt("-12", "999MI"), " 12-");
  EXPECT_EQ(fmt("12", "999MI"), " 12 ");
  EXPECT_EQ(fmt("-12", "999PR"), " <12>");
  EXPECT_EQ(fmt("2.5", "9"), " 3");
  EXPECT_EQ(fmt("-2.5", "9"), "-3");
  EXPECT_EQ(fmt("0.125", "0.99"), " 0.13");
  EXPECT_EQ(fmt("0.125", "0.99", true), " 0.12");  // float8: the binary value, as printf rounds
  EXPECT_EQ(fmt("9.96", "9.9"), " #.#");
  EXPECT_EQ(fmt("-1234.5", "99.9"), "-##.#");
  EXPECT_EQ(fmt("1e+20", "999", true), " ###");
  EXPECT_EQ(fmt("1.5e-3", "0.999"), " 0.002");
}

TEST(PgNumberFormat, UnsupportedPatternsAre0A000) {
  for (const char *tmpl : {"9V9", "9.99EEEE", "RN", "L999", "999TH", "9S99", "PL999"}) {
    try {
      parse_number_template(tmpl);
      ADD_FAILURE() << tmpl;
    } catch (const Error &e) {
      EXPECT_EQ(std::string(e.sqlstate()), "0A000") << tmpl;
    }
  }
}

// Any template the parser accepts formats any number text DuckDB writes without failing (run
// under the sanitizers in CI): random templates and values from a fixed seed.
TEST(PgNumberFormat, RandomTemplatesAndValuesNeverFail) {
  std::mt19937 rng(12345);
  const std::string tmpl_chars = "9900.,DGSMIPRFM$ \"x";
  const std::string num_chars = "0123456789.-e+";
  int formatted = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string tmpl, num;
    for (int k = rng() % 12; k > 0; --k) tmpl += tmpl_chars[rng() % tmpl_chars.size()];
    for (int k = rng() % 10; k > 0; --k) num += num_chars[rng() % num_chars.size()];
    try {
      NumberTemplate t = parse_number_template(tmpl);
      std::string out = format_number(t, num, n % 2 == 0);
      formatted += out.size() < 1000 ? 1 : 0;
    } catch (const Error &) {
    }
  }
  EXPECT_GT(formatted, 1000);
}

}  // namespace
}  // namespace mallard
