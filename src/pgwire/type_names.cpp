#include <map>

#include "pgwire/types.hpp"

namespace mallard::pgwire {

std::string duckdb_type_name_for_oid(uint32_t pg_oid) {
  static const std::map<uint32_t, const char *> kNames = {
      {oid::kBool, "BOOLEAN"},          {oid::kBytea, "BLOB"},
      {oid::kInt2, "SMALLINT"},         {oid::kInt4, "INTEGER"},
      {oid::kInt8, "BIGINT"},           {oid::kOid, "UINTEGER"},
      {oid::kFloat4, "FLOAT"},          {oid::kFloat8, "DOUBLE"},
      {oid::kDate, "DATE"},             {oid::kTime, "TIME"},
      {oid::kTimestamp, "TIMESTAMP"},   {oid::kTimestamptz, "TIMESTAMPTZ"},
      {oid::kInterval, "INTERVAL"},     {oid::kUuid, "UUID"},
      {oid::kJson, "JSON"},             {oid::kJsonb, "JSON"},
      {oid::kTimetz, "TIMETZ"},         {oid::kBoolArray, "BOOLEAN[]"},
      {oid::kInt2Array, "SMALLINT[]"},  {oid::kInt4Array, "INTEGER[]"},
      {oid::kInt8Array, "BIGINT[]"},    {oid::kFloat4Array, "FLOAT[]"},
      {oid::kFloat8Array, "DOUBLE[]"},  {oid::kTextArray, "VARCHAR[]"},
      {oid::kVarcharArray, "VARCHAR[]"}, {oid::kDateArray, "DATE[]"},
      {oid::kTimestampArray, "TIMESTAMP[]"}, {oid::kTimestamptzArray, "TIMESTAMPTZ[]"},
      {oid::kUuidArray, "UUID[]"},
      // numeric without precision (see unconstrained_numeric)
      {oid::kNumeric, "DECIMAL(38,10)"}, {oid::kNumericArray, "DECIMAL(38,10)[]"},
  };
  auto it = kNames.find(pg_oid);
  return it == kNames.end() ? "VARCHAR" : it->second;
}

}  // namespace mallard::pgwire
