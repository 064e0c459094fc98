// Value encodings: for each supported type, the type OID, the text form, and the exact binary bytes
// PostgreSQL 15 sends; binary and text parameters decode to the same values.

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "support/server.hpp"
#include "support/wire.hpp"

namespace mallard::it {
namespace {

std::string hex(const std::string &s) {
  static const char *d = "0123456789abcdef";
  std::string out;
  for (unsigned char ch : s) {
    out += d[ch >> 4];
    out += d[ch & 15];
    out += ' ';
  }
  return out;
}

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s += static_cast<char>(v);
  return s;
}

std::string f32(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return be32(static_cast<int32_t>(u));
}
std::string f64(double d) {
  uint64_t u;
  memcpy(&u, &d, 8);
  return be64(static_cast<int64_t>(u));
}

constexpr int64_t kDay = 86400000000LL;
// PostgreSQL dates count days from 2000-01-01.
constexpr int32_t kLeapDay2024 = 8825;

struct Fetched {
  Oid type = 0;
  std::string text, binary;
  bool text_null = false, binary_null = false;
};

// The first column of `sql` fetched once in text and once in binary result format.
Fetched fetch(PGconn *c, const std::string &sql) {
  Fetched f;
  for (int format : {0, 1}) {
    Result r(PQexecParams(c, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, format));
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1) {
      ADD_FAILURE() << sql << " (format " << format << "): " << PQresultErrorMessage(r.get());
      return f;
    }
    f.type = PQftype(r.get(), 0);
    EXPECT_EQ(PQfformat(r.get(), 0), format);
    (format ? f.binary : f.text) = value_bytes(r.get(), 0, 0);
    (format ? f.binary_null : f.text_null) = PQgetisnull(r.get(), 0, 0);
  }
  return f;
}

#define EXPECT_VALUE(conn, sql, oid, text_form, binary_form)                         \
  do {                                                                               \
    SCOPED_TRACE(sql);                                                               \
    Fetched got_ = fetch(conn, sql);                                                 \
    EXPECT_EQ(got_.type, static_cast<Oid>(oid));                                     \
    EXPECT_EQ(got_.text, text_form);                                                 \
    EXPECT_EQ(hex(got_.binary), hex(binary_form));                                   \
  } while (0)

// Sends one parameter in binary with a declared type and reads it back in binary: the server must
// decode and re-encode it without change.
std::string binary_roundtrip(PGconn *c, const std::string &sql, Oid type, const std::string &value) {
  const char *vals[] = {value.data()};
  int lens[] = {static_cast<int>(value.size())};
  int fmts[] = {1};
  Oid types[] = {type};
  Result r(PQexecParams(c, sql.c_str(), 1, types, vals, lens, fmts, 1));
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1) {
    ADD_FAILURE() << sql << ": " << PQresultErrorMessage(r.get());
    return {};
  }
  return value_bytes(r.get(), 0, 0);
}

class Types : public ServerSuite<Types> {
 protected:
  void SetUp() override {
    ServerSuite<Types>::SetUp();
    c_ = conn();
    ASSERT_TRUE(c_);
    exec_ok(c_.get(), "SET TimeZone = 'UTC'");
  }
  PGconn *c() { return c_.get(); }
  Conn c_;
};

TEST_F(Types, Bool) {
  EXPECT_VALUE(c(), "SELECT true", 16, "t", bytes({1}));
  EXPECT_VALUE(c(), "SELECT false", 16, "f", bytes({0}));
  EXPECT_EQ(binary_roundtrip(c(), "SELECT $1::boolean", 16, bytes({1})), bytes({1}));
}

TEST_F(Types, Int2) {
  EXPECT_VALUE(c(), "SELECT 12345::smallint", 21, "12345", bytes({0x30, 0x39}));
  EXPECT_VALUE(c(), "SELECT (-2)::smallint", 21, "-2", bytes({0xff, 0xfe}));
  EXPECT_EQ(binary_roundtrip(c(), "SELECT $1::smallint", 21, be16(-32768)), be16(-32768));
}

TEST_F(Types, Int4) {
  EXPECT_VALUE(c(), "SELECT (-2)::integer", 23, "-2", bytes({0xff, 0xff, 0xff, 0xfe}));
  EXPECT_VALUE(c(), "SELECT 2147483647::integer", 23, "2147483647", be32(2147483647));
  EXPECT_EQ(binary_roundtrip(c(), "SELECT $1::integer", 23, be32(-123456)), be32(-123456));
}

TEST_F(Types, Int8) {
  EXPECT_VALUE(c(), "SELECT 9007199254740993::bigint", 20, "9007199254740993", be64(9007199254740993LL));
  EXPECT_VALUE(c(), "SELECT (-9223372036854775807)::bigint", 20, "-9223372036854775807", be64(-9223372036854775807LL));
  EXPECT_EQ(binary_roundtrip(c(), "SELECT $1::bigint", 20, be64(-5)), be64(-5));
}

TEST_F(Types, Float4) {
  EXPECT_VALUE(c(), "SELECT 1.5::real", 700, "1.5", f32(1.5f));
  EXPECT_VALUE(c(), "SELECT (-0.25)::real", 700, "-0.25", f32(-0.25f));
  EXPECT_EQ(binary_roundtrip(c(), "SELECT $1::real", 700, f32(3.25f)), f32(3.25f));
}

TEST_F(Types, Float8) {
  EXPECT_VALUE(c(), "SELECT 0.1::double precision", 701, "0.1", f64(0.1));
  EXPECT_VALUE(c(), "SELECT 1e100::double precision", 701, "1e+100", f64(1e100));
  EXPECT_VALUE(c(), "SELECT 'Infinity'::double precision", 701, "Infinity", f64(__builtin_inf()));
  EXPECT_VALUE(c(), "SELECT '-Infinity'::double precision", 701, "-Infinity", f64(-__builtin_inf()));
  EXPECT_EQ(fetch(c(), "SELECT 'NaN'::double precision").text, "NaN");
  EXPECT_EQ(binary_roundtrip(c(), "SELECT $1::double precision", 701, f64(-1.0 / 3)), f64(-1.0 / 3));
}

TEST_F(Types, Numeric) {
  // Binary numeric: ndigits, weight, sign, dscale, then base-10000 digits.
  EXPECT_VALUE(c(), "SELECT 123.45::numeric(10,4)", 1700, "123.4500",
               be16(2) + be16(0) + be16(0) + be16(4) + be16(123) + be16(4500));
  EXPECT_VALUE(c(), "SELECT (-0.0012)::numeric(10,4)", 1700, "-0.0012",
               be16(1) + be16(-1) + be16(0x4000) + be16(4) + be16(12));
  EXPECT_VALUE(c(), "SELECT 0::numeric(10,2)", 1700, "0.00", be16(0) + be16(0) + be16(0) + be16(2));
  EXPECT_VALUE(c(), "SELECT 12345678901234.56::numeric(18,2)", 1700, "12345678901234.56",
               be16(5) + be16(3) + be16(0) + be16(2) + be16(12) + be16(3456) + be16(7890) + be16(1234) + be16(5600));
  EXPECT_VALUE(c(), "SELECT 10000::numeric(10,0)", 1700, "10000", be16(1) + be16(1) + be16(0) + be16(0) + be16(1));
  std::string v = be16(2) + be16(0) + be16(0x4000) + be16(2) + be16(7) + be16(2500);  // -7.25
  EXPECT_EQ(hex(binary_roundtrip(c(), "SELECT $1::numeric(10,2)", 1700, v)), hex(v));
}

TEST_F(Types, TextAndVarchar) {
  const std::string s = "h\xC3\xA9llo, w\xC3\xB6rld";
  Fetched t = fetch(c(), "SELECT '" + s + "'::text");
  EXPECT_TRUE(t.type == 25u || t.type == 1043u) << t.type;
  EXPECT_EQ(t.text, s);
  EXPECT_EQ(t.binary, s);
  Fetched v = fetch(c(), "SELECT 'abc'::varchar");
  EXPECT_TRUE(v.type == 25u || v.type == 1043u) << v.type;
  EXPECT_EQ(v.text, "abc");
  EXPECT_EQ(v.binary, "abc");
  EXPECT_EQ(binary_roundtrip(c(), "SELECT $1::text", 25, s), s);
  EXPECT_EQ(binary_roundtrip(c(), "SELECT $1::varchar", 1043, "xyz"), "xyz");
}

TEST_F(Types, Bytea) {
  std::string raw = bytes({0xde, 0xad, 0xbe, 0xef, 0x00, 0x01});
  // Binary parameter in, both result formats out.
  const char *vals[] = {raw.data()};
  int lens[] = {static_cast<int>(raw.size())};
  int fmts[] = {1};
  Oid types[] = {17};
  for (int format : {0, 1}) {
    Result r(PQexecParams(c(), "SELECT $1::bytea", 1, types, vals, lens, fmts, format));
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
    EXPECT_EQ(PQftype(r.get(), 0), 17u);
    EXPECT_EQ(value_bytes(r.get(), 0, 0), format ? raw : std::string("\\xdeadbeef0001"));
  }
  // Text parameter in the hex format PostgreSQL writes.
  const char *text_vals[] = {"\\x00ff10"};
  Result r(PQexecParams(c(), "SELECT $1::bytea", 1, types, text_vals, nullptr, nullptr, 1));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_EQ(hex(value_bytes(r.get(), 0, 0)), hex(bytes({0x00, 0xff, 0x10})));
  // Every byte value survives.
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_EQ(hex(binary_roundtrip(c(), "SELECT $1::bytea", 17, all)), hex(all));
}

TEST_F(Types, Date) {
  EXPECT_VALUE(c(), "SELECT '2024-02-29'::date", 1082, "2024-02-29", be32(kLeapDay2024));
  EXPECT_VALUE(c(), "SELECT '1999-12-31'::date", 1082, "1999-12-31", be32(-1));
  EXPECT_EQ(binary_roundtrip(c(), "SELECT $1::date", 1082, be32(0)), be32(0));
  const char *vals[] = {"2000-01-02"};
  Result r(PQexecParams(c(), "SELECT $1::date", 1, nullptr, vals, nullptr, nullptr, 1));
  EXPECT_EQ(value_bytes(r.get(), 0, 0), be32(1));
}

TEST_F(Types, Time) {
  int64_t us = (13 * 3600 + 45 * 60 + 30) * 1000000LL + 123456;
  EXPECT_VALUE(c(), "SELECT '13:45:30.123456'::time", 1083, "13:45:30.123456", be64(us));
  EXPECT_VALUE(c(), "SELECT '00:00:01'::time", 1083, "00:00:01", be64(1000000));
  EXPECT_EQ(binary_roundtrip(c(), "SELECT $1::time", 1083, be64(us)), be64(us));
}

TEST_F(Types, Timestamp) {
  int64_t us = kLeapDay2024 * kDay + (13 * 3600 + 45 * 60 + 30) * 1000000LL + 500000;
  EXPECT_VALUE(c(), "SELECT '2024-02-29 13:45:30.5'::timestamp", 1114, "2024-02-29 13:45:30.5", be64(us));
  EXPECT_VALUE(c(), "SELECT '2000-01-01 00:00:00'::timestamp", 1114, "2000-01-01 00:00:00", be64(0));
  EXPECT_VALUE(c(), "SELECT '1970-01-01 00:00:00'::timestamp", 1114, "1970-01-01 00:00:00", be64(-946684800000000LL));
  EXPECT_EQ(binary_roundtrip(c(), "SELECT $1::timestamp", 1114, be64(us)), be64(us));
}

TEST_F(Types, TimestamptzInUtc) {
  int64_t us = kLeapDay2024 * kDay + (13 * 3600 + 45 * 60 + 30) * 1000000LL;
  EXPECT_VALUE(c(), "SELECT '2024-02-29 13:45:30+00'::timestamptz", 1184, "2024-02-29 13:45:30+00", be64(us));
  // Input in another offset is the same instant.
  EXPECT_VALUE(c(), "SELECT '2024-02-29 15:45:30.25+02'::timestamptz", 1184, "2024-02-29 13:45:30.25+00",
               be64(us + 250000));
  EXPECT_EQ(binary_roundtrip(c(), "SELECT $1::timestamptz", 1184, be64(us)), be64(us));
}

TEST_F(Types, Interval) {
  int64_t us = (4 * 3600 + 5 * 60 + 6) * 1000000LL + 789000;
  EXPECT_VALUE(c(), "SELECT INTERVAL '1 year 2 months 3 days 04:05:06.789'", 1186, "1 year 2 mons 3 days 04:05:06.789",
               be64(us) + be32(3) + be32(14));
  EXPECT_VALUE(c(), "SELECT INTERVAL '1 day'", 1186, "1 day", be64(0) + be32(1) + be32(0));
  EXPECT_VALUE(c(), "SELECT INTERVAL '-90 minutes'", 1186, "-01:30:00", be64(-5400000000LL) + be32(0) + be32(0));
  std::string v = be64(1) + be32(-2) + be32(3);
  EXPECT_EQ(hex(binary_roundtrip(c(), "SELECT $1::interval", 1186, v)), hex(v));
}

TEST_F(Types, Uuid) {
  std::string raw = bytes({0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11});
  EXPECT_VALUE(c(), "SELECT 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid", 2950, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
               raw);
  // UUIDs whose first bit is set must not come out sign-flipped.
  std::string high = bytes({0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  EXPECT_EQ(hex(binary_roundtrip(c(), "SELECT $1::uuid", 2950, high)), hex(high));
  std::string low = bytes({0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff});
  EXPECT_EQ(hex(binary_roundtrip(c(), "SELECT $1::uuid", 2950, low)), hex(low));
}

TEST_F(Types, Json) {
  // json (not jsonb) is sent as its text in both formats.
  EXPECT_VALUE(c(), "SELECT '{\"a\":1,\"b\":[true,null]}'::json", 114, "{\"a\":1,\"b\":[true,null]}",
               std::string("{\"a\":1,\"b\":[true,null]}"));
}

TEST_F(Types, IntegerArray) {
  std::string bin = be32(1) + be32(1) + be32(23) + be32(4) + be32(1) + be32(4) + be32(1) + be32(4) + be32(2) + be32(-1) +
                    be32(4) + be32(4);
  EXPECT_VALUE(c(), "SELECT ARRAY[1, 2, NULL, 4]::integer[]", 1007, "{1,2,NULL,4}", bin);
  EXPECT_VALUE(c(), "SELECT ARRAY[]::integer[]", 1007, "{}", be32(0) + be32(0) + be32(23));
  EXPECT_VALUE(c(), "SELECT ARRAY[10000000000, -1]::bigint[]", 1016, "{10000000000,-1}",
               be32(1) + be32(0) + be32(20) + be32(2) + be32(1) + be32(8) + be64(10000000000LL) + be32(8) + be64(-1));
  std::string no_nulls = be32(1) + be32(0) + be32(23) + be32(2) + be32(1) + be32(4) + be32(7) + be32(4) + be32(8);
  EXPECT_EQ(hex(binary_roundtrip(c(), "SELECT $1::integer[]", 1007, no_nulls)), hex(no_nulls));
}

TEST_F(Types, TextAndOtherArrays) {
  Fetched t = fetch(c(), "SELECT ARRAY['a', 'b c', 'q\"x', NULL, '', 'NULL', 'x,y']::text[]");
  EXPECT_TRUE(t.type == 1009u || t.type == 1015u) << t.type;
  EXPECT_EQ(t.text, "{a,\"b c\",\"q\\\"x\",NULL,\"\",\"NULL\",\"x,y\"}");
  EXPECT_VALUE(c(), "SELECT ARRAY[true, false]", 1000, "{t,f}",
               be32(1) + be32(0) + be32(16) + be32(2) + be32(1) + be32(1) + bytes({1}) + be32(1) + bytes({0}));
  EXPECT_VALUE(c(), "SELECT ARRAY[1.5, 2.25]::double precision[]", 1022, "{1.5,2.25}",
               be32(1) + be32(0) + be32(701) + be32(2) + be32(1) + be32(8) + f64(1.5) + be32(8) + f64(2.25));
  Fetched d = fetch(c(), "SELECT ARRAY['2024-02-29'::date]");
  EXPECT_EQ(d.type, 1182u);
  EXPECT_EQ(d.text, "{2024-02-29}");
}

TEST_F(Types, NullsInBothFormats) {
  for (const char *sql : {"SELECT NULL::integer", "SELECT NULL::text", "SELECT NULL::timestamp", "SELECT NULL::bytea"}) {
    Fetched f = fetch(c(), sql);
    EXPECT_TRUE(f.text_null) << sql;
    EXPECT_TRUE(f.binary_null) << sql;
  }
}

TEST_F(Types, TextParametersReturnedInBinary) {
  struct Case {
    const char *sql;
    Oid oid;
    const char *text;
    std::string binary;
  };
  std::vector<Case> cases = {
      {"SELECT $1::integer", 23, "-17", be32(-17)},
      {"SELECT $1::bigint", 20, "123456789012", be64(123456789012LL)},
      {"SELECT $1::boolean", 16, "true", bytes({1})},
      {"SELECT $1::date", 1082, "2024-02-29", be32(kLeapDay2024)},
      {"SELECT $1::timestamp", 1114, "2000-01-01 00:00:01", be64(1000000)},
      {"SELECT $1::double precision", 701, "2.5", f64(2.5)},
      {"SELECT $1::uuid", 2950, "00000000-0000-0000-0000-000000000001",
       bytes({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})},
  };
  for (const auto &k : cases) {
    SCOPED_TRACE(k.sql);
    const char *vals[] = {k.text};
    Oid types[] = {k.oid};
    Result r(PQexecParams(c(), k.sql, 1, types, vals, nullptr, nullptr, 1));
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
    EXPECT_EQ(hex(value_bytes(r.get(), 0, 0)), hex(k.binary));
  }
}

TEST_F(Types, TableColumnsKeepTheirTypes) {
  exec_ok(c(), "CREATE TABLE ty_cols (a smallint, b integer, c bigint, d real, e double precision, f numeric(12,3), "
               "g text, h bytea, i date, j timestamp, k timestamptz, l boolean, m uuid, n interval, o time)");
  exec_ok(c(), "INSERT INTO ty_cols VALUES (1, 2, 3, 4.5, 6.25, 7.125, 'eight', NULL, '2024-01-02', "
               "'2024-01-02 03:04:05', '2024-01-02 03:04:05+00', true, "
               "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', INTERVAL '2 days', '10:11:12')");
  Result r = exec(c(), "SELECT * FROM ty_cols");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  std::vector<Oid> want = {21, 23, 20, 700, 701, 1700, 25, 17, 1082, 1114, 1184, 16, 2950, 1186, 1083};
  ASSERT_EQ(PQnfields(r.get()), static_cast<int>(want.size()));
  for (int i = 0; i < PQnfields(r.get()); ++i) {
    if (want[i] == 25) {
      EXPECT_TRUE(PQftype(r.get(), i) == 25u || PQftype(r.get(), i) == 1043u) << "column " << PQfname(r.get(), i);
      continue;
    }
    EXPECT_EQ(PQftype(r.get(), i), want[i]) << "column " << PQfname(r.get(), i);
  }
  std::vector<std::string> text = {"1", "2", "3", "4.5", "6.25", "7.125", "eight", "", "2024-01-02",
                                   "2024-01-02 03:04:05", "2024-01-02 03:04:05+00", "t",
                                   "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "2 days", "10:11:12"};
  for (int i = 0; i < PQnfields(r.get()); ++i) {
    if (i == 7) {
      EXPECT_TRUE(PQgetisnull(r.get(), 0, i));
      continue;
    }
    EXPECT_EQ(value_bytes(r.get(), 0, i), text[i]) << "column " << PQfname(r.get(), i);
  }
  // Numeric typmod (precision 12, scale 3) is reported as PostgreSQL encodes it.
  EXPECT_EQ(PQfmod(r.get(), 5), ((12 << 16) | 3) + 4);
  exec_ok(c(), "DROP TABLE ty_cols");
}

}  // namespace
}  // namespace mallard::it
