#pragma once
// PostgreSQL representation of DuckDB values: type OIDs, text and binary output encoders for result
// columns, and decoders for Bind parameters and binary COPY input. The mapping is documented in
// docs/types.md.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "duck/duck.hpp"
#include "pgwire/timezone.hpp"
#include "pgwire/wire.hpp"

namespace mallard::pgwire {

enum class Format : int16_t { kText = 0, kBinary = 1 };

// Well-known PostgreSQL type OIDs (pg_type.oid), stable across PostgreSQL versions.
namespace oid {
inline constexpr uint32_t kUnknown = 705, kBool = 16, kBytea = 17, kChar = 18, kName = 19, kInt8 = 20,
                          kInt2 = 21, kInt4 = 23, kText = 25, kOid = 26, kOidVector = 30, kJson = 114, kFloat4 = 700,
                          kFloat8 = 701, kVarchar = 1043, kBpchar = 1042, kDate = 1082, kTime = 1083,
                          kTimestamp = 1114, kTimestamptz = 1184, kInterval = 1186, kTimetz = 1266,
                          kBit = 1560, kVarbit = 1562, kNumeric = 1700, kUuid = 2950, kJsonb = 3802,
                          kBoolArray = 1000, kByteaArray = 1001, kInt2Array = 1005, kInt4Array = 1007,
                          kTextArray = 1009, kVarcharArray = 1015, kInt8Array = 1016, kFloat4Array = 1021,
                          kFloat8Array = 1022, kTimestampArray = 1115, kDateArray = 1182, kTimeArray = 1183,
                          kTimestamptzArray = 1185, kIntervalArray = 1187, kNumericArray = 1231,
                          kUuidArray = 2951, kJsonArray = 199, kJsonbArray = 3807, kTimetzArray = 1270,
                          kBitArray = 1561, kVarbitArray = 1563;
}  // namespace oid

// What RowDescription / ParameterDescription say about a column or parameter.
struct PgType {
  uint32_t oid = oid::kText;
  int16_t typlen = -1;  // pg_type.typlen: fixed width in bytes, or -1 for varlena
  int32_t typmod = -1;  // e.g. numeric precision/scale as PostgreSQL encodes it
};

// Session settings that change how values are written as text.
struct TextOptions {
  // Offset east of UTC, in seconds, used for timestamptz/timetz text output (TimeZone setting).
  int32_t utc_offset_seconds = 0;
  // When set and not fixed, the offset of each timestamptz value is looked up here instead.
  std::shared_ptr<const ZoneOffsets> zone;
  // IntervalStyle iso_8601 ("P1Y2M3DT4H5M6.5S") rather than postgres ("1 year 2 mons ...").
  bool iso_8601_intervals = false;
};

// PostgreSQL type for a DuckDB logical type (result columns and parameters).
PgType pg_type_of(duckdb_logical_type type);

// PostgreSQL's numeric without precision holds any value; DuckDB's DECIMAL has a fixed scale. The
// rewrite gives a bare `numeric` the type DECIMAL(38,10), and arithmetic on such values widens
// the scale at width 38: a DECIMAL of width 38 and scale of at least 10 is sent as numeric without
// a type modifier, and its values without trailing fraction zeros.
inline bool unconstrained_numeric(int width, int scale) { return width == 38 && scale >= 10; }

// DuckDB type name for a PostgreSQL type OID, for casting parameters DuckDB cannot type itself.
// Unknown or 0 (unspecified) OIDs map to VARCHAR, as PostgreSQL treats unknown parameters as text.
std::string duckdb_type_name_for_oid(uint32_t pg_oid);

// Encodes one result column. Row-major use: set_vector() once per data chunk, then for each row
// either is_null(row) or append_text/append_binary(row, out) (or write_text/write_binary), which
// append only the value bytes (the caller writes the field length).
class ColumnEncoder {
 public:
  virtual ~ColumnEncoder() = default;
  static std::unique_ptr<ColumnEncoder> make(duckdb_logical_type type, const TextOptions &options);

  const PgType &pg_type() const { return pg_type_; }
  void set_vector(duckdb_vector v);
  bool is_null(uint64_t row) const { return validity_ && !((validity_[row >> 6] >> (row & 63)) & 1); }
  virtual void append_text(uint64_t row, std::string &out) = 0;
  virtual void append_binary(uint64_t row, std::string &out) = 0;
  // The same bytes through a writer (Session::send_rows). The defaults copy what append_text and
  // append_binary produce; the encoders of the common scalar types write in place.
  virtual void write_text(uint64_t row, ByteWriter &w);
  virtual void write_binary(uint64_t row, ByteWriter &w);

 protected:
  virtual void on_vector(duckdb_vector v) = 0;
  PgType pg_type_;
  const uint64_t *validity_ = nullptr;
  const void *data_ = nullptr;

 private:
  std::string value_;  // for the default write_text/write_binary
};

// A parameter or COPY field decoded to a DuckDB value. `pg_oid` is the type the client declared
// (or the one Mallard reported in ParameterDescription); `target` is the DuckDB type expected, when
// known (may be null). Text input is passed to DuckDB as VARCHAR and cast there, except where
// PostgreSQL's text syntax differs from DuckDB's (bytea hex/escape, bool 't'/'f', arrays '{...}').
// Malformed input throws Error 22P02 (text) or 22P03 (binary).
duck::Value decode_value(std::string_view bytes, Format format, uint32_t pg_oid, duckdb_logical_type target);

namespace detail {
// PostgreSQL's float8out/float4out text (extra_float_digits 1) by the general path, which the
// encoders skip where a cheaper one gives the same bytes. For tests that compare the two.
std::string float_text_general(double v);
std::string float_text_general(float v);
}  // namespace detail

}  // namespace mallard::pgwire
