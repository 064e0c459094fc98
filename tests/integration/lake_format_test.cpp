// Lake tables on disk: the embedded metadata store holds exactly the DuckLake 1.0 catalog (28
// tables, the spec's columns and types, a fresh catalog's snapshot 0, the spec's vocabulary in
// ducklake_snapshot_changes, relative paths), data files carry DuckLake column ids as Parquet field
// ids, delete files are positional Parquet files; and a catalog built the way the specification
// tells a writer to build it opens in Mallard. The metadata file is read in-process with DuckDB
// while the server is stopped.

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "integration/lake_util.hpp"
#include "support/server.hpp"

namespace mallard::it {
namespace {

namespace fs = std::filesystem;
using lake::Duck;

int64_t num(const std::optional<std::string> &v) { return v ? std::stoll(*v) : -1; }

// Each test stops its server to read the metadata file, so each owns one.
class LakeFormat : public ::testing::Test {
 protected:
  void SetUp() override { SKIP_IN_REFERENCE("reads Mallard's metadata store"); }
};

void run_all(Server &s, const std::vector<std::string> &statements) {
  Conn c = connect(s);
  ASSERT_TRUE(c);
  for (auto &sql : statements) exec_ok(c.get(), sql);
}

TEST_F(LakeFormat, MetadataStoreHasExactlyTheSpecTables) {
  Server s;
  ASSERT_TRUE(s.start()) << s.failure();
  run_all(s, {"CREATE TABLE fmt_t (a integer)", "INSERT INTO fmt_t VALUES (1)"});
  ASSERT_EQ(s.stop(), 0) << s.log();

  Duck md(lake::metadata_file(s));
  // Besides the 28, only the inlined-data tables the catalog lists (checked in InlinedInserts...).
  std::set<std::string> inlined;
  for (auto &r : md.rows("SELECT table_name FROM ducklake_inlined_data_tables")) inlined.insert(*r[0]);
  EXPECT_EQ(inlined.size(), 1u) << "the one-row insert is inlined";
  std::map<std::string, std::vector<std::string>> actual;
  for (auto &r : md.rows("SELECT table_name, column_name, data_type, CAST(is_nullable AS VARCHAR) FROM duckdb_columns() "
                         "WHERE database_name = current_database() ORDER BY table_name, column_index")) {
    if (inlined.count(*r[0])) continue;
    actual[*r[0]].push_back(*r[1] + " " + *r[2] + (*r[3] == "false" ? " NOT NULL" : ""));
  }
  std::map<std::string, std::vector<std::string>> expected;
  std::set<std::string> expected_pks;
  for (auto &t : lake::spec_tables())
    for (auto &c : t.columns) {
      expected[t.name].push_back(c.name + " " + c.type + (c.not_null || c.primary_key ? " NOT NULL" : ""));
      if (c.primary_key) expected_pks.insert(t.name + "(" + c.name + ")");
    }
  ASSERT_EQ(expected.size(), 28u) << "the spec's script defines 28 tables";
  EXPECT_EQ(actual.size(), 28u);
  for (auto &[name, cols] : expected) {
    auto it = actual.find(name);
    if (it == actual.end()) {
      ADD_FAILURE() << "missing metadata table " << name;
      continue;
    }
    EXPECT_EQ(it->second, cols) << "columns of " << name;
  }
  for (auto &[name, cols] : actual) EXPECT_TRUE(expected.count(name)) << "table not in the spec: " << name;

  std::set<std::string> pks;
  for (auto &r : md.rows("SELECT table_name, CAST(constraint_column_names AS VARCHAR) FROM duckdb_constraints() "
                         "WHERE database_name = current_database() AND constraint_type = 'PRIMARY KEY'")) {
    std::string cols = *r[1];
    pks.insert(*r[0] + "(" + cols.substr(1, cols.size() - 2) + ")");
  }
  EXPECT_EQ(pks, expected_pks);
}

TEST_F(LakeFormat, FreshCatalogIsSnapshotZeroWithSchemaMain) {
  Server s;
  ASSERT_TRUE(s.start()) << s.failure();
  {
    Conn c = connect(s);
    ASSERT_TRUE(c);
    EXPECT_EQ(query_value(c.get(), "SELECT 1"), "1");  // activates the warehouse, writes nothing
  }
  ASSERT_EQ(s.stop(), 0) << s.log();

  Duck md(lake::metadata_file(s));
  std::map<std::string, std::string> meta;
  for (auto &r : md.rows("SELECT \"key\", \"value\" FROM ducklake_metadata WHERE \"scope\" IS NULL AND scope_id IS NULL"))
    meta[*r[0]] = *r[1];
  EXPECT_EQ(meta["version"], "1.0");
  EXPECT_EQ(meta["data_path"], lake::lake_dir(s));
  EXPECT_TRUE(!meta["data_path"].empty() && meta["data_path"].back() == '/');
  EXPECT_FALSE(meta["created_by"].empty());
  EXPECT_EQ(meta["encrypted"], "false");
  EXPECT_EQ(md.value("SELECT CAST(count(*) AS BIGINT) FROM ducklake_metadata WHERE \"scope\" IS NOT NULL"), "0");

  auto snaps = md.rows("SELECT snapshot_id, CAST(snapshot_time IS NOT NULL AS BOOLEAN), schema_version, next_catalog_id, "
                       "next_file_id FROM ducklake_snapshot");
  ASSERT_EQ(snaps.size(), 1u);
  EXPECT_EQ(snaps[0], (duck::TextRow{"0", "true", "0", "1", "0"}));
  auto changes = md.rows("SELECT snapshot_id, changes_made, author, commit_message, commit_extra_info "
                         "FROM ducklake_snapshot_changes");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0], (duck::TextRow{"0", "created_schema:\"main\"", std::nullopt, std::nullopt, std::nullopt}));
  auto schemas = md.rows("SELECT schema_id, CAST(schema_uuid IS NOT NULL AS BOOLEAN), begin_snapshot, end_snapshot, "
                         "schema_name, path, path_is_relative FROM ducklake_schema");
  ASSERT_EQ(schemas.size(), 1u);
  EXPECT_EQ(schemas[0], (duck::TextRow{"0", "true", "0", std::nullopt, "main", "main/", "true"}));
  for (const char *t : {"ducklake_table", "ducklake_column", "ducklake_view", "ducklake_data_file",
                        "ducklake_delete_file", "ducklake_table_stats", "ducklake_tag", "ducklake_schema_versions"})
    EXPECT_EQ(md.value(std::string("SELECT CAST(count(*) AS BIGINT) FROM ") + t), "0") << t;
}

// Data files: relative paths under schema/table, sizes and footers as on disk, row ids contiguous,
// Parquet field ids = the DuckLake column ids of the columns as they were when the file was written.
TEST_F(LakeFormat, DataFilesUseColumnIdsAsFieldIdsAndRelativePaths) {
  Server s;
  ASSERT_TRUE(s.start()) << s.failure();
  run_all(s, {
                 // Every insert to Parquet: none is inlined.
                 "CALL set_option('data_inlining_row_limit', 0)",
                 "CREATE TABLE ff (id integer NOT NULL, name text, amount numeric(10,2), flag boolean, ts timestamp, "
                 "big bigint, f double precision, d date, tiny smallint, r real, tz timestamptz)",
                 "INSERT INTO ff VALUES (1, 'a', 1.50, true, '2024-01-02 03:04:05', 10, 0.5, '2024-01-01', 1, 1.5, "
                 "'2024-01-01 00:00:00+00'), (2, NULL, NULL, NULL, NULL, NULL, 'NaN', NULL, NULL, NULL, NULL), "
                 "(3, 'c', 3.25, false, '2024-03-04 05:06:07', 30, 2.5, '2024-03-03', 3, 3.5, NULL)",
                 "ALTER TABLE ff RENAME COLUMN name TO label",
                 "INSERT INTO ff (id, label) VALUES (4, 'd'), (5, 'e')",
                 "ALTER TABLE ff ADD COLUMN extra integer DEFAULT 9",
                 "INSERT INTO ff (id, extra) VALUES (6, 60)",
                 "ALTER TABLE ff DROP COLUMN flag",
                 "INSERT INTO ff (id) VALUES (7)",
                 "CREATE SCHEMA other",
                 "CREATE TABLE other.g (x integer)",
                 "INSERT INTO other.g VALUES (1), (2)",
             });
  ASSERT_EQ(s.stop(), 0) << s.log();

  Duck md(lake::metadata_file(s));
  Duck pq;
  std::string data_path = md.value("SELECT \"value\" FROM ducklake_metadata WHERE \"key\" = 'data_path'");
  for (auto &r : md.rows("SELECT schema_name, path, CAST(path_is_relative AS VARCHAR) FROM ducklake_schema WHERE "
                         "end_snapshot IS NULL ORDER BY schema_id"))
    EXPECT_EQ(r, (duck::TextRow{r[0], *r[0] + "/", "true"}));
  for (auto &r : md.rows("SELECT table_name, path, CAST(path_is_relative AS VARCHAR) FROM ducklake_table WHERE "
                         "end_snapshot IS NULL ORDER BY table_id"))
    EXPECT_EQ(r, (duck::TextRow{r[0], *r[0] + "/", "true"}));

  std::string ff_id = md.value("SELECT table_id FROM ducklake_table WHERE table_name = 'ff' AND end_snapshot IS NULL");
  // Current column types are the spec's type names.
  auto cols = md.rows("SELECT column_name, column_type, CAST(nulls_allowed AS VARCHAR), initial_default, default_value "
                      "FROM ducklake_column WHERE table_id = CAST($1 AS BIGINT) AND end_snapshot IS NULL AND "
                      "parent_column IS NULL ORDER BY column_order",
                      {ff_id});
  std::vector<duck::TextRow> expected_cols = {
      {"id", "int32", "false", std::nullopt, std::nullopt},
      {"label", "varchar", "true", std::nullopt, std::nullopt},
      {"amount", "decimal(10,2)", "true", std::nullopt, std::nullopt},
      {"ts", "timestamp", "true", std::nullopt, std::nullopt},
      {"big", "int64", "true", std::nullopt, std::nullopt},
      {"f", "float64", "true", std::nullopt, std::nullopt},
      {"d", "date", "true", std::nullopt, std::nullopt},
      {"tiny", "int16", "true", std::nullopt, std::nullopt},
      {"r", "float32", "true", std::nullopt, std::nullopt},
      {"tz", "timestamptz", "true", std::nullopt, std::nullopt},
      {"extra", "int32", "true", "9", "9"},
  };
  EXPECT_EQ(cols, expected_cols);

  auto files = md.rows(
      "SELECT f.data_file_id, f.table_id, f.begin_snapshot, s.path || t.path || f.path, CAST(f.path_is_relative AS "
      "VARCHAR), f.file_format, f.record_count, f.file_size_bytes, f.footer_size, f.row_id_start, f.path "
      "FROM ducklake_data_file f JOIN ducklake_table t ON t.table_id = f.table_id AND t.end_snapshot IS NULL "
      "JOIN ducklake_schema s ON s.schema_id = t.schema_id AND s.end_snapshot IS NULL "
      "WHERE f.end_snapshot IS NULL ORDER BY f.table_id, f.data_file_id");
  ASSERT_EQ(files.size(), 5u);  // four inserts into ff, one into other.g
  std::map<int64_t, int64_t> next_row;
  for (auto &f : files) {
    std::string path = data_path + *f[3];
    SCOPED_TRACE(path);
    EXPECT_EQ(f[4], "true");
    EXPECT_EQ(f[5], "parquet");
    EXPECT_EQ(f[10]->find('/'), std::string::npos) << "a data file's path is relative to its table's";
    ASSERT_TRUE(fs::exists(path));
    EXPECT_EQ(num(f[7]), static_cast<int64_t>(fs::file_size(path)));
    EXPECT_EQ(num(f[8]), lake::parquet_footer_size(path));
    EXPECT_EQ(pq.value("SELECT CAST(count(*) AS BIGINT) FROM read_parquet($1)", {path}), *f[6]);
    int64_t table = num(f[1]);
    EXPECT_EQ(num(f[9]), next_row[table]) << "row ids continue from the previous file";
    next_row[table] += num(f[6]);

    // Field ids and names in the file = column ids and names valid at the file's snapshot.
    std::set<std::pair<std::string, std::string>> in_file, in_catalog;
    for (auto &r : pq.rows("SELECT name, CAST(field_id AS VARCHAR) FROM parquet_schema($1) WHERE num_children IS NULL",
                           {path}))
      in_file.insert({*r[0], r[1].value_or("<no field id>")});
    for (auto &r : md.rows("SELECT column_name, CAST(column_id AS VARCHAR) FROM ducklake_column WHERE table_id = "
                           "CAST($1 AS BIGINT) AND parent_column IS NULL AND begin_snapshot <= CAST($2 AS BIGINT) AND "
                           "(end_snapshot IS NULL OR end_snapshot > CAST($2 AS BIGINT))",
                           {f[1], f[2]}))
      in_catalog.insert({*r[0], *r[1]});
    EXPECT_EQ(in_file, in_catalog);
    // Statistics: one row per column, value counts = the file's rows.
    EXPECT_EQ(md.value("SELECT CAST(count(*) AS BIGINT) FROM ducklake_file_column_stats WHERE data_file_id = "
                       "CAST($1 AS BIGINT) AND value_count = CAST($2 AS BIGINT)",
                       {f[0], f[6]}),
              std::to_string(in_catalog.size()));
  }
  for (auto &[table, next] : next_row) {
    auto st = md.rows("SELECT record_count, next_row_id FROM ducklake_table_stats WHERE table_id = CAST($1 AS BIGINT)",
                      {std::to_string(table)});
    ASSERT_EQ(st.size(), 1u);
    EXPECT_EQ(num(st[0][0]), next);
    EXPECT_EQ(num(st[0][1]), next);
  }
  // The first file's statistics: id 1..3, one NULL label, NaN seen in f.
  auto stats = md.rows(
      "SELECT c.column_name, s.null_count, s.min_value, s.max_value, CAST(s.contains_nan AS VARCHAR) "
      "FROM ducklake_file_column_stats s JOIN ducklake_column c ON c.table_id = s.table_id AND c.column_id = "
      "s.column_id AND c.begin_snapshot <= (SELECT begin_snapshot FROM ducklake_data_file WHERE data_file_id = "
      "s.data_file_id) WHERE s.data_file_id = CAST($1 AS BIGINT) AND c.column_name IN ('id', 'name', 'f') "
      "ORDER BY c.column_name",
      {files[0][0]});
  ASSERT_EQ(stats.size(), 3u);
  EXPECT_EQ(stats[0], (duck::TextRow{"f", "0", stats[0][2], stats[0][3], "true"}));
  EXPECT_EQ(stats[1], (duck::TextRow{"id", "0", "1", "3", std::nullopt}));
  EXPECT_EQ(stats[2], (duck::TextRow{"name", "1", "a", "c", std::nullopt}));
}

// Nested columns (the specification's "Nested Types"): a list, struct or map column is a row of
// ducklake_column whose children point to it by parent_column (a list's child is "element", a
// struct's are its fields, a map's "key" and "value"); every column, nested or not, is a Parquet
// field id. The rows read back the same from files and from inlined rows, before and after a
// restart (which rebuilds the types from the catalog alone).
TEST_F(LakeFormat, NestedColumnsAreChildColumnsWithFieldIds) {
  Server s;
  ASSERT_TRUE(s.start()) << s.failure();
  const std::string columns =
      "(id integer, tags text[], pt STRUCT(x integer, \"y z\" varchar), attrs MAP(varchar, integer), "
      "deep STRUCT(l integer[], m MAP(integer, STRUCT(a boolean))))";
  const std::string rows =
      "(1, ['a', 'b'], {'x': 1, 'y z': 'one'}, MAP {'k': 10, 'j': 11}, {'l': [1, 2], 'm': MAP {7: {'a': true}}}), "
      "(2, [], {'x': NULL, 'y z': 'two'}, MAP {}, {'l': NULL, 'm': MAP {8: {'a': false}}}), "
      "(3, NULL, NULL, NULL, NULL)";
  run_all(s, {
                 "CREATE TABLE nf " + columns,
                 "CREATE TABLE ni " + columns,
                 "CALL set_option('data_inlining_row_limit', 0)",
                 "INSERT INTO nf VALUES " + rows,
                 "CALL set_option('data_inlining_row_limit', 10)",
                 "INSERT INTO ni VALUES " + rows,
             });
  const std::string read =
      " SELECT id, tags[2], pt.x, pt.\"y z\", attrs['k'], attrs['j'], cardinality(attrs), deep.l[2], deep.m[7].a, "
      "deep.m[8].a FROM ";
  const duck::TextRows want = {{"1", "b", "1", "one", "10", "11", "2", "2", "t", std::nullopt},
                               {"2", std::nullopt, std::nullopt, "two", std::nullopt, std::nullopt, "0", std::nullopt,
                                std::nullopt, "f"},
                               {"3", std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                                std::nullopt, std::nullopt, std::nullopt, std::nullopt}};
  auto check_reads = [&](const char *when) {
    SCOPED_TRACE(when);
    Conn c = connect(s);
    ASSERT_TRUE(c);
    EXPECT_EQ(query_rows(c.get(), read + "nf ORDER BY id"), want);
    EXPECT_EQ(query_rows(c.get(), read + "ni ORDER BY id"), want);
    if (std::string(when) != "before a restart")
      EXPECT_EQ(query_rows(c.get(), "SELECT sum(s2.a[2]), sum(s2.b['q']), count(*) FROM nr"),
                (std::vector<Row>{{"190", "190", "20"}}));
  };
  check_reads("before a restart");
  {
    Conn c = connect(s);
    ASSERT_TRUE(c);
    EXPECT_EQ(exec_ok(c.get(), "UPDATE nf SET pt = {'x': 5, 'y z': 'five'} WHERE id = 3"), "UPDATE 1");
    EXPECT_EQ(exec_ok(c.get(), "UPDATE nf SET pt = NULL WHERE id = 3"), "UPDATE 1");
    EXPECT_EQ(exec_ok(c.get(), "DELETE FROM ni WHERE attrs['k'] = 10"), "DELETE 1");
    EXPECT_EQ(exec_ok(c.get(), "INSERT INTO ni SELECT * FROM nf WHERE id = 1"), "INSERT 0 1");
    // Schema changes: a renamed nested column keeps its nested columns; a dropped one ends them.
    exec_ok(c.get(), "CREATE TABLE nr (id integer, s STRUCT(a integer[], b MAP(varchar, integer)), gone STRUCT(z integer))");
    exec_ok(c.get(), "INSERT INTO nr SELECT i, {'a': [i, i], 'b': MAP {'q': i}}, {'z': i} FROM range(20) t(i)");
    exec_ok(c.get(), "ALTER TABLE nr RENAME COLUMN s TO s2");
    exec_ok(c.get(), "ALTER TABLE nr DROP COLUMN gone");
    SqlError e = exec_error(c.get(), "ALTER TABLE nr ALTER COLUMN s2 TYPE STRUCT(a bigint[], b MAP(varchar, integer))");
    EXPECT_EQ(e.sqlstate, "0A000") << e;
    EXPECT_NE(e.message.find("nested"), std::string::npos) << e;
  }
  ASSERT_EQ(s.stop(), 0) << s.log();
  ASSERT_TRUE(s.start()) << s.failure();
  check_reads("after a restart");
  ASSERT_EQ(s.stop(), 0) << s.log();

  Duck md(lake::metadata_file(s));
  std::string nf = md.value("SELECT table_id FROM ducklake_table WHERE table_name = 'nf' AND end_snapshot IS NULL");
  auto tree = md.rows(
      "SELECT c.column_name, c.column_type, p.column_name, CAST(c.column_order AS VARCHAR) FROM ducklake_column c "
      "LEFT JOIN ducklake_column p ON p.table_id = c.table_id AND p.column_id = c.parent_column "
      "WHERE c.table_id = CAST($1 AS BIGINT) AND c.end_snapshot IS NULL ORDER BY c.column_id",
      {nf});
  const duck::TextRows want_tree = {
      {"id", "int32", std::nullopt, "1"},   {"tags", "list", std::nullopt, "2"},  {"element", "varchar", "tags", "1"},
      {"pt", "struct", std::nullopt, "3"},  {"x", "int32", "pt", "1"},            {"y z", "varchar", "pt", "2"},
      {"attrs", "map", std::nullopt, "4"},  {"key", "varchar", "attrs", "1"},     {"value", "int32", "attrs", "2"},
      {"deep", "struct", std::nullopt, "5"}, {"l", "list", "deep", "1"},          {"element", "int32", "l", "1"},
      {"m", "map", "deep", "2"},            {"key", "int32", "m", "1"},           {"value", "struct", "m", "2"},
      {"a", "boolean", "value", "1"}};
  EXPECT_EQ(tree, want_tree);
  std::string nr = md.value("SELECT table_id FROM ducklake_table WHERE table_name = 'nr' AND end_snapshot IS NULL");
  EXPECT_EQ(md.rows("SELECT c.column_name, p.column_name FROM ducklake_column c LEFT JOIN ducklake_column p ON "
                    "p.table_id = c.table_id AND p.column_id = c.parent_column AND p.end_snapshot IS NULL "
                    "WHERE c.table_id = CAST($1 AS BIGINT) AND c.end_snapshot IS NULL ORDER BY c.column_id",
                    {nr}),
            (duck::TextRows{{"id", std::nullopt}, {"s2", std::nullopt}, {"a", "s2"}, {"element", "a"},
                            {"b", "s2"}, {"key", "b"}, {"value", "b"}}));
  std::set<std::string> ids;
  for (auto &r : md.rows("SELECT CAST(column_id AS VARCHAR) FROM ducklake_column WHERE table_id = CAST($1 AS BIGINT) "
                         "AND end_snapshot IS NULL",
                         {nf}))
    ids.insert(*r[0]);
  std::string data_path = md.value("SELECT \"value\" FROM ducklake_metadata WHERE \"key\" = 'data_path'");
  auto files = md.rows("SELECT s.path || t.path || f.path FROM ducklake_data_file f JOIN ducklake_table t ON "
                       "t.table_id = f.table_id AND t.end_snapshot IS NULL JOIN ducklake_schema s ON s.schema_id = "
                       "t.schema_id AND s.end_snapshot IS NULL WHERE f.table_id = CAST($1 AS BIGINT)",
                       {nf});
  ASSERT_FALSE(files.empty());
  Duck pq;
  for (auto &f : files) {
    std::set<std::string> in_file;
    for (auto &r : pq.rows("SELECT CAST(field_id AS VARCHAR) FROM parquet_schema($1) WHERE field_id IS NOT NULL",
                           {data_path + *f[0]}))
      in_file.insert(*r[0]);
    EXPECT_EQ(in_file, ids) << *f[0];
  }
}

// Deletes: a positional delete file (file_path, pos) per data file, replaced as more rows go.
TEST_F(LakeFormat, DeleteFilesArePositionalParquet) {
  Server s;
  ASSERT_TRUE(s.start()) << s.failure();
  run_all(s, {"CALL set_option('data_inlining_row_limit', 0)", "CREATE TABLE del (id integer)",
              "INSERT INTO del SELECT * FROM range(1, 11)",
              "DELETE FROM del WHERE id IN (3, 7)"});
  ASSERT_EQ(s.stop(), 0) << s.log();

  std::string data_file, first_delete;
  {
    Duck md(lake::metadata_file(s));
    Duck pq;
    std::string table_dir = lake::lake_dir(s) + "main/del/";
    auto data = md.rows("SELECT data_file_id, path FROM ducklake_data_file WHERE end_snapshot IS NULL");
    ASSERT_EQ(data.size(), 1u);
    data_file = table_dir + *data[0][1];
    auto dels = md.rows("SELECT data_file_id, path, CAST(path_is_relative AS VARCHAR), format, delete_count, "
                        "file_size_bytes, footer_size FROM ducklake_delete_file WHERE end_snapshot IS NULL");
    ASSERT_EQ(dels.size(), 1u);
    EXPECT_EQ(dels[0][0], data[0][0]);
    EXPECT_EQ(dels[0][2], "true");
    EXPECT_EQ(dels[0][3], "parquet");
    EXPECT_EQ(dels[0][4], "2");
    first_delete = table_dir + *dels[0][1];
    ASSERT_TRUE(fs::exists(first_delete));
    EXPECT_EQ(num(dels[0][5]), static_cast<int64_t>(fs::file_size(first_delete)));
    EXPECT_EQ(num(dels[0][6]), lake::parquet_footer_size(first_delete));
    auto schema = pq.rows("SELECT name, type FROM parquet_schema($1) WHERE num_children IS NULL", {first_delete});
    EXPECT_EQ(schema, (duck::TextRows{{"file_path", "BYTE_ARRAY"}, {"pos", "INT64"}}));
    auto expected = pq.rows("SELECT $2, CAST(file_row_number AS BIGINT) FROM read_parquet($1, file_row_number => true) "
                            "WHERE id IN (3, 7) ORDER BY file_row_number",
                            {data_file, data_file});
    EXPECT_EQ(pq.rows("SELECT file_path, CAST(pos AS BIGINT) FROM read_parquet($1) ORDER BY pos", {first_delete}),
              expected);
  }

  ASSERT_TRUE(s.start()) << s.failure();
  run_all(s, {"DELETE FROM del WHERE id = 5"});
  {
    Conn c = connect(s);
    ASSERT_TRUE(c);
    EXPECT_EQ(query_value(c.get(), "SELECT string_agg(CAST(id AS text), ',' ORDER BY id) FROM del"), "1,2,4,6,8,9,10");
  }
  ASSERT_EQ(s.stop(), 0) << s.log();
  {
    Duck md(lake::metadata_file(s));
    Duck pq;
    // One live delete file per data file: the new one holds all three positions.
    auto dels = md.rows("SELECT path, delete_count FROM ducklake_delete_file WHERE end_snapshot IS NULL");
    ASSERT_EQ(dels.size(), 1u);
    EXPECT_EQ(dels[0][1], "3");
    std::string second = lake::lake_dir(s) + "main/del/" + *dels[0][0];
    EXPECT_NE(second, first_delete);
    EXPECT_EQ(pq.value("SELECT CAST(count(*) AS BIGINT) FROM read_parquet($1) WHERE file_path = $2", {second, data_file}),
              "3");
    EXPECT_EQ(md.value("SELECT CAST(count(*) AS BIGINT) FROM ducklake_delete_file WHERE end_snapshot IS NOT NULL"), "1");
    EXPECT_EQ(md.value("SELECT record_count FROM ducklake_table_stats"), "7");
  }
}

// Every kind of change a snapshot can make, in the spec's words.
TEST_F(LakeFormat, SnapshotChangesUseTheSpecVocabulary) {
  Server s;
  ASSERT_TRUE(s.start()) << s.failure();
  run_all(s, {
                 "CREATE SCHEMA sc",                                    // 1
                 "CREATE TABLE sc.t (a integer)",                       // 2
                 "INSERT INTO sc.t VALUES (1), (2), (3)",               // 3
                 "DELETE FROM sc.t WHERE a = 2",                        // 4
                 "ALTER TABLE sc.t ADD COLUMN b text",                  // 5
                 "CREATE VIEW sc.v AS SELECT a FROM sc.t",              // 6
                 "DROP VIEW sc.v",                                      // 7
                 "UPDATE sc.t SET b = 'x' WHERE a = 1",                 // 8
                 "DROP TABLE sc.t",                                     // 9
                 "DROP SCHEMA sc",                                      // 10
                 "CREATE TABLE \"we\"\"ird, name\" (a integer)",        // 11
                 "BEGIN",
                 "CREATE TABLE two (a integer)",
                 "INSERT INTO two VALUES (1)",
                 "COMMIT",                                              // 12
             });
  ASSERT_EQ(s.stop(), 0) << s.log();

  Duck md(lake::metadata_file(s));
  std::string schema_id = md.value("SELECT schema_id FROM ducklake_schema WHERE schema_name = 'sc'");
  std::string table_id = md.value("SELECT DISTINCT table_id FROM ducklake_table WHERE table_name = 't'");
  std::string view_id = md.value("SELECT view_id FROM ducklake_view WHERE view_name = 'v'");
  std::string two_id = md.value("SELECT table_id FROM ducklake_table WHERE table_name = 'two'");
  std::vector<std::string> expected = {
      "created_schema:\"main\"",
      "created_schema:\"sc\"",
      "created_table:\"sc\".\"t\"",
      "inserted_into_table:" + table_id,
      "deleted_from_table:" + table_id,
      "altered_table:" + table_id,
      "created_view:\"sc\".\"v\"",
      "dropped_view:" + view_id,
      "inserted_into_table:" + table_id + ",deleted_from_table:" + table_id,
      "dropped_table:" + table_id,
      "dropped_schema:" + schema_id,
      "created_table:\"main\".\"we\"\"ird, name\"",
      "created_table:\"main\".\"two\",inserted_into_table:" + two_id,
  };
  std::vector<std::string> actual;
  int64_t expect_id = 0;
  for (auto &r : md.rows("SELECT snapshot_id, changes_made FROM ducklake_snapshot_changes ORDER BY snapshot_id")) {
    EXPECT_EQ(num(r[0]), expect_id++) << "snapshot ids have no gaps";
    actual.push_back(r[1].value_or("<NULL>"));
  }
  EXPECT_EQ(actual, expected);

  // schema_version moves with DDL only; next_catalog_id with new schemas, tables and views.
  auto snaps = md.rows("SELECT snapshot_id, schema_version, next_catalog_id FROM ducklake_snapshot ORDER BY snapshot_id");
  ASSERT_EQ(snaps.size(), expected.size());
  std::vector<std::string> versions, catalog_ids;
  for (auto &r : snaps) {
    versions.push_back(*r[1]);
    catalog_ids.push_back(*r[2]);
  }
  EXPECT_EQ(versions, (std::vector<std::string>{"0", "1", "2", "2", "2", "3", "4", "5", "5", "6", "7", "8", "9"}));
  EXPECT_EQ(catalog_ids, (std::vector<std::string>{"1", "2", "3", "3", "3", "3", "4", "4", "4", "4", "4", "5", "6"}));
  // The view as the spec stores it, ended by its drop.
  auto view = md.rows("SELECT schema_id, view_name, dialect, CAST(view_uuid IS NOT NULL AS BOOLEAN), begin_snapshot, "
                      "end_snapshot FROM ducklake_view");
  ASSERT_EQ(view.size(), 1u);
  EXPECT_EQ(view[0], (duck::TextRow{schema_id, "v", "duckdb", "true", "6", "7"}));
  // Dropped schema and table end at their snapshots; the table's columns end with it.
  EXPECT_EQ(md.value("SELECT end_snapshot FROM ducklake_schema WHERE schema_name = 'sc'"), "10");
  EXPECT_EQ(md.value("SELECT CAST(count(*) AS BIGINT) FROM ducklake_column WHERE table_id = CAST($1 AS BIGINT) AND "
                     "end_snapshot IS NULL",
                     {table_id}),
            "0");
  EXPECT_EQ(md.value("SELECT CAST(count(*) AS BIGINT) FROM ducklake_data_file WHERE table_id = CAST($1 AS BIGINT) AND "
                     "end_snapshot IS NULL",
                     {table_id}),
            "0");
}

// Small inserts go to ducklake_inlined_data_<table>_<schema version> (row_id, begin_snapshot,
// end_snapshot, then the table's columns), one table per schema version, listed in
// ducklake_inlined_data_tables; deleted inlined rows get their end_snapshot; row ids continue
// across inlined rows and files.
TEST_F(LakeFormat, InlinedInsertsFollowTheSpec) {
  Server s;
  ASSERT_TRUE(s.start()) << s.failure();
  {
    Conn c = connect(s);
    ASSERT_TRUE(c);
    for (const char *sql : {"CREATE TABLE inl (a integer, b text)",                // 1, schema version 1
                            "INSERT INTO inl VALUES (1, 'x'), (2, 'y'), (3, 'z')",  // 2
                            "DELETE FROM inl WHERE a = 2",                          // 3
                            "ALTER TABLE inl ADD COLUMN c integer DEFAULT 5",       // 4, schema version 2
                            "INSERT INTO inl VALUES (4, 'w', 40)",                  // 5
                            "INSERT INTO inl SELECT x, 'big', x FROM range(100, 120) AS r(x)"})  // 6: a file
      exec_ok(c.get(), sql);
    EXPECT_EQ(query_rows(c.get(), "SELECT a, b, c FROM inl WHERE a < 100 ORDER BY a"),
              (std::vector<Row>{{"1", "x", "5"}, {"3", "z", "5"}, {"4", "w", "40"}}));
    EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM inl"), "23");
  }
  ASSERT_EQ(s.stop(), 0) << s.log();
  Duck md(lake::metadata_file(s));
  std::string tid = md.value("SELECT table_id FROM ducklake_table WHERE table_name = 'inl'");
  std::string v1 = "ducklake_inlined_data_" + tid + "_1", v2 = "ducklake_inlined_data_" + tid + "_2";
  EXPECT_EQ(md.rows("SELECT table_id, table_name, schema_version FROM ducklake_inlined_data_tables ORDER BY "
                    "schema_version"),
            (duck::TextRows{{tid, v1, "1"}, {tid, v2, "2"}}));
  auto columns = [&](const std::string &t) {
    std::vector<std::string> out;
    for (auto &r : md.rows("SELECT column_name || ' ' || data_type FROM duckdb_columns() WHERE table_name = $1 "
                           "ORDER BY column_index",
                           {t}))
      out.push_back(*r[0]);
    return out;
  };
  EXPECT_EQ(columns(v1), (std::vector<std::string>{"row_id BIGINT", "begin_snapshot BIGINT", "end_snapshot BIGINT",
                                                   "a INTEGER", "b VARCHAR"}));
  EXPECT_EQ(columns(v2), (std::vector<std::string>{"row_id BIGINT", "begin_snapshot BIGINT", "end_snapshot BIGINT",
                                                   "a INTEGER", "b VARCHAR", "c INTEGER"}));
  EXPECT_EQ(md.rows("SELECT row_id, begin_snapshot, end_snapshot, a, b FROM \"" + v1 + "\" ORDER BY row_id"),
            (duck::TextRows{{"0", "2", std::nullopt, "1", "x"}, {"1", "2", "3", "2", "y"}, {"2", "2", std::nullopt, "3", "z"}}));
  EXPECT_EQ(md.rows("SELECT row_id, begin_snapshot, end_snapshot, a, b, c FROM \"" + v2 + "\""),
            (duck::TextRows{{"3", "5", std::nullopt, "4", "w", "40"}}));
  EXPECT_EQ(md.rows("SELECT row_id_start, record_count FROM ducklake_data_file"), (duck::TextRows{{"4", "20"}}));
  EXPECT_EQ(md.rows("SELECT record_count, next_row_id FROM ducklake_table_stats"), (duck::TextRows{{"23", "24"}}));
  EXPECT_EQ(lake::files_under(lake::lake_dir(s)).size(), 1u);
  EXPECT_EQ(md.rows("SELECT changes_made FROM ducklake_snapshot_changes WHERE snapshot_id IN (2, 3, 5) ORDER BY "
                    "snapshot_id"),
            (duck::TextRows{{"inserted_into_table:" + tid}, {"deleted_from_table:" + tid}, {"inserted_into_table:" + tid}}));
}

// The lake's parquet_* options shape the files written after them (data and delete files);
// values DuckDB cannot honour are refused when set, naming the accepted ones.
TEST_F(LakeFormat, ParquetOptionsShapeTheFilesWritten) {
  Server s;
  ASSERT_TRUE(s.start()) << s.failure();
  {
    Conn c = connect(s);
    ASSERT_TRUE(c);
    for (const char *bad : {"CALL set_option('parquet_compression', 'fast')", "CALL set_option('parquet_version', 3)",
                            "CALL set_option('parquet_row_group_size', 0)",
                            "CALL set_option('parquet_compression_level', 'x; DROP TABLE t')"}) {
      SqlError e = exec_error(c.get(), bad);
      EXPECT_EQ(e.sqlstate, "22023") << bad;
      EXPECT_NE(e.message.find("accepted values are"), std::string::npos) << e;
    }
  }
  run_all(s, {"CREATE TABLE plain AS SELECT i FROM range(5000) r(i)", "CALL set_option('parquet_compression', 'ZSTD')",
              "CALL set_option('parquet_row_group_size', 2048)", "CALL set_option('parquet_version', 2)",
              "CREATE TABLE shaped AS SELECT i, 'v' || i AS v FROM range(5000) r(i)",
              "DELETE FROM shaped WHERE i % 100 = 0"});
  Duck d;
  auto file_of = [&](const std::string &table, const std::string &suffix) {
    auto files = lake::files_under(lake::lake_dir(s) + "main/" + table + "/", suffix);
    return files.size() == 1 ? files[0] : "(" + std::to_string(files.size()) + " files)";
  };
  auto compressions = [&](const std::string &file) {
    return d.value("SELECT string_agg(DISTINCT compression, ',') FROM parquet_metadata('" + file + "')");
  };
  auto row_groups = [&](const std::string &file) {
    return d.value("SELECT count(DISTINCT row_group_id) FROM parquet_metadata('" + file + "')");
  };
  EXPECT_EQ(compressions(file_of("plain", ".parquet")), "SNAPPY");
  EXPECT_EQ(row_groups(file_of("plain", ".parquet")), "1");
  std::string data, deletes;
  for (auto &f : lake::files_under(lake::lake_dir(s) + "main/shaped/"))
    (f.ends_with("-delete.parquet") ? deletes : data) = f;
  ASSERT_FALSE(data.empty());
  ASSERT_FALSE(deletes.empty());
  EXPECT_EQ(compressions(data), "ZSTD");
  EXPECT_EQ(row_groups(data), "3");  // 5,000 rows in groups of 2,048
  EXPECT_EQ(compressions(deletes), "ZSTD");
  EXPECT_EQ(d.value("SELECT format_version FROM parquet_file_metadata('" + data + "')"), "2");
  Conn c = connect(s);
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) || '/' || sum(i) FROM shaped"), "4950/12375000");
}

// ducklake_table_column_stats: per table and column, NULLs seen and bounds of every value written.
TEST_F(LakeFormat, TableColumnStatsAreKept) {
  Server s;
  ASSERT_TRUE(s.start()) << s.failure();
  // Bounds compare by type: 10 > 9 although "10" < "9"; a file-sized insert counts as an inlined one.
  run_all(s, {"CREATE TABLE tcs (a integer, b text)", "INSERT INTO tcs VALUES (5, 'm'), (9, NULL)",
              "INSERT INTO tcs VALUES (1, 'z')", "INSERT INTO tcs SELECT 10, 'n' FROM generate_series(1, 20)",
              "DELETE FROM tcs WHERE a = 10"});
  ASSERT_EQ(s.stop(), 0) << s.log();
  Duck md(lake::metadata_file(s));
  auto rows = md.rows("SELECT c.column_name, CAST(s.contains_null AS VARCHAR), s.min_value, s.max_value FROM "
                      "ducklake_table_column_stats s JOIN ducklake_column c ON c.table_id = s.table_id AND "
                      "c.column_id = s.column_id AND c.end_snapshot IS NULL ORDER BY c.column_order");
  EXPECT_EQ(rows, (duck::TextRows{{"a", "false", "1", "10"}, {"b", "true", "m", "z"}}));
}

// ---- A catalog written the way the DuckLake specification describes, opened by Mallard ----

// The rows and files a DuckLake writer produces for: CREATE TABLE t (id INTEGER, old_name VARCHAR);
// INSERT 3 rows; RENAME old_name TO name; ADD COLUMN score BIGINT DEFAULT 7; INSERT 1 row;
// DELETE the row with id 2. One snapshot per step, ids and paths as the spec assigns them.
void write_spec_catalog(const std::string &metadata_path, const std::string &data_path) {
  std::string table_dir = data_path + "main/t/";
  fs::create_directories(table_dir);
  fs::create_directories(fs::path(metadata_path).parent_path());
  Duck md(metadata_path);
  std::istringstream script(lake::spec_creation_script());
  for (std::string line; std::getline(script, line);)
    if (!line.empty()) md.exec(line);

  // Parquet files, field id = column id.
  std::string f1 = "ducklake-0195a0a0-0000-7000-8000-000000000001.parquet";
  std::string f2 = "ducklake-0195a0a0-0000-7000-8000-000000000002.parquet";
  std::string d1 = "ducklake-0195a0a0-0000-7000-8000-000000000003-delete.parquet";
  md.exec("COPY (SELECT * FROM (VALUES (1, 'one'), (2, 'two'), (3, 'three')) AS v(id, old_name)) TO '" + table_dir + f1 +
          "' (FORMAT parquet, FIELD_IDS {id: 1, old_name: 2})");
  md.exec("COPY (SELECT 4 AS id, 'four' AS name, CAST(40 AS BIGINT) AS score) TO '" + table_dir + f2 +
          "' (FORMAT parquet, FIELD_IDS {id: 1, name: 2, score: 3})");
  md.exec("COPY (SELECT '" + table_dir + f1 + "' AS file_path, CAST(1 AS BIGINT) AS pos) TO '" + table_dir + d1 +
          "' (FORMAT parquet)");
  auto size = [&](const std::string &f) { return std::to_string(fs::file_size(table_dir + f)); };
  auto footer = [&](const std::string &f) { return std::to_string(lake::parquet_footer_size(table_dir + f)); };

  md.exec("BEGIN");
  md.exec("INSERT INTO ducklake_metadata VALUES ('version', '1.0', NULL, NULL), ('created_by', 'DuckDB v1.5.2', NULL, "
          "NULL), ('data_path', '" + data_path + "', NULL, NULL), ('encrypted', 'false', NULL, NULL)");
  // Snapshot 0: a fresh catalog.
  md.exec("INSERT INTO ducklake_snapshot VALUES (0, now(), 0, 1, 0)");
  md.exec("INSERT INTO ducklake_snapshot_changes VALUES (0, 'created_schema:\"main\"', NULL, NULL, NULL)");
  md.exec("INSERT INTO ducklake_schema VALUES (0, uuid(), 0, NULL, 'main', 'main/', true)");
  // 1: CREATE TABLE t (id INTEGER, old_name VARCHAR); table id 1 from next_catalog_id.
  md.exec("INSERT INTO ducklake_snapshot VALUES (1, now(), 1, 2, 0)");
  md.exec("INSERT INTO ducklake_snapshot_changes VALUES (1, 'created_table:\"main\".\"t\"', NULL, NULL, NULL)");
  md.exec("INSERT INTO ducklake_table VALUES (1, uuid(), 1, NULL, 0, 't', 't/', true)");
  md.exec("INSERT INTO ducklake_column VALUES (1, 1, NULL, 1, 1, 'id', 'int32', NULL, NULL, true, NULL, NULL, NULL), "
          "(2, 1, 3, 1, 2, 'old_name', 'varchar', NULL, NULL, true, NULL, NULL, NULL)");
  md.exec("INSERT INTO ducklake_schema_versions VALUES (1, 1, 1)");
  // 2: INSERT 3 rows; data file id 0 from next_file_id.
  md.exec("INSERT INTO ducklake_snapshot VALUES (2, now(), 1, 2, 1)");
  md.exec("INSERT INTO ducklake_snapshot_changes VALUES (2, 'inserted_into_table:1', NULL, NULL, NULL)");
  md.exec("INSERT INTO ducklake_data_file VALUES (0, 1, 2, NULL, 0, '" + f1 + "', true, 'parquet', 3, " + size(f1) +
          ", " + footer(f1) + ", 0, NULL, NULL, NULL, NULL)");
  md.exec("INSERT INTO ducklake_file_column_stats VALUES (0, 1, 1, NULL, 3, 0, '1', '3', NULL, NULL), "
          "(0, 1, 2, NULL, 3, 0, 'one', 'two', NULL, NULL)");
  // 3: ALTER TABLE t RENAME old_name TO name: column 2's first version ends (end_snapshot 3, above)
  // and a new version begins.
  md.exec("INSERT INTO ducklake_snapshot VALUES (3, now(), 2, 2, 1)");
  md.exec("INSERT INTO ducklake_snapshot_changes VALUES (3, 'altered_table:1', NULL, NULL, NULL)");
  md.exec("INSERT INTO ducklake_column VALUES (2, 3, NULL, 1, 2, 'name', 'varchar', NULL, NULL, true, NULL, NULL, NULL)");
  md.exec("INSERT INTO ducklake_schema_versions VALUES (3, 2, 1)");
  // 4: ALTER TABLE t ADD COLUMN score BIGINT DEFAULT 7: old files read the initial default.
  md.exec("INSERT INTO ducklake_snapshot VALUES (4, now(), 3, 2, 1)");
  md.exec("INSERT INTO ducklake_snapshot_changes VALUES (4, 'altered_table:1', NULL, NULL, NULL)");
  md.exec("INSERT INTO ducklake_column VALUES (3, 4, NULL, 1, 3, 'score', 'int64', '7', '7', true, NULL, 'literal', "
          "'duckdb')");
  md.exec("INSERT INTO ducklake_schema_versions VALUES (4, 3, 1)");
  // 5: INSERT 1 row; data file id 1.
  md.exec("INSERT INTO ducklake_snapshot VALUES (5, now(), 3, 2, 2)");
  md.exec("INSERT INTO ducklake_snapshot_changes VALUES (5, 'inserted_into_table:1', NULL, NULL, NULL)");
  // This one by its absolute path, which the spec allows too.
  md.exec("INSERT INTO ducklake_data_file VALUES (1, 1, 5, NULL, 1, '" + table_dir + f2 + "', false, 'parquet', 1, " + size(f2) +
          ", " + footer(f2) + ", 3, NULL, NULL, NULL, NULL)");
  md.exec("INSERT INTO ducklake_file_column_stats VALUES (1, 1, 1, NULL, 1, 0, '4', '4', NULL, NULL), "
          "(1, 1, 2, NULL, 1, 0, 'four', 'four', NULL, NULL), (1, 1, 3, NULL, 1, 0, '40', '40', NULL, NULL)");
  // 6: DELETE FROM t WHERE id = 2: delete file id 2 for data file 0.
  md.exec("INSERT INTO ducklake_snapshot VALUES (6, now(), 3, 2, 3)");
  md.exec("INSERT INTO ducklake_snapshot_changes VALUES (6, 'deleted_from_table:1', 'someone', 'remove two', NULL)");
  md.exec("INSERT INTO ducklake_delete_file VALUES (2, 1, 6, NULL, 0, '" + d1 + "', true, 'parquet', 1, " + size(d1) +
          ", " + footer(d1) + ", NULL, NULL)");
  md.exec("INSERT INTO ducklake_table_stats VALUES (1, 3, 4, " + std::to_string(fs::file_size(table_dir + f1) +
                                                                                   fs::file_size(table_dir + f2)) + ")");
  md.exec("INSERT INTO ducklake_table_column_stats VALUES (1, 1, false, NULL, '1', '4', NULL), "
          "(1, 2, false, NULL, 'four', 'two', NULL), (1, 3, false, NULL, '40', '40', NULL)");
  md.exec("COMMIT");
}

TEST_F(LakeFormat, LakeWrittenPerSpecOpensInMallard) {
  Server s;
  // The warehouse directory is where the first start puts the default warehouse.
  write_spec_catalog(lake::metadata_file(s), lake::lake_dir(s));
  ASSERT_TRUE(s.start()) << s.failure();
  {
    Conn c = connect(s);
    ASSERT_TRUE(c);
    // The renamed column reads from the old file by field id; the added one reads its initial default.
    EXPECT_EQ(query_rows(c.get(), "SELECT id, name, score FROM t ORDER BY id"),
              (std::vector<Row>{{"1", "one", "7"}, {"3", "three", "7"}, {"4", "four", "40"}}));
    auto cols = query_rows(c.get(), "SELECT column_name FROM information_schema.columns WHERE table_name = 't' "
                                    "ORDER BY ordinal_position");
    EXPECT_EQ(cols, (std::vector<Row>{{"id"}, {"name"}, {"score"}}));
    // History and time travel over the writer's snapshots.
    EXPECT_EQ(lake::latest_snapshot(c.get()), 6);
    EXPECT_EQ(query_rows(c.get(), "SELECT author, commit_message FROM ducklake_snapshots() WHERE snapshot_id = 6"),
              (std::vector<Row>{{"someone", "remove two"}}));
    EXPECT_EQ(query_rows(c.get(), "SELECT * FROM t AT (VERSION => 2) ORDER BY id"),
              (std::vector<Row>{{"1", "one"}, {"2", "two"}, {"3", "three"}}));
    EXPECT_EQ(query_value(c.get(), "SELECT string_agg(old_name, ',' ORDER BY id) FROM t AT (VERSION => 2)"),
              "one,two,three");
    EXPECT_EQ(query_rows(c.get(), "SELECT id, name, score FROM t AT (VERSION => 5) ORDER BY id"),
              (std::vector<Row>{{"1", "one", "7"}, {"2", "two", "7"}, {"3", "three", "7"}, {"4", "four", "40"}}));
    // And Mallard writes on top of it: small inserts inlined, the update's delete as a delete file.
    exec_ok(c.get(), "INSERT INTO t VALUES (5, 'five', 50)");                  // 7
    EXPECT_EQ(exec_ok(c.get(), "UPDATE t SET score = 0 WHERE id = 1"), "UPDATE 1");  // 8
    exec_ok(c.get(), "ALTER TABLE t ADD COLUMN note text");                    // 9
    exec_ok(c.get(), "INSERT INTO t VALUES (6, 'six', 60, 'n')");              // 10
    EXPECT_EQ(query_rows(c.get(), "SELECT id, name, score, note FROM t ORDER BY id"),
              (std::vector<Row>{{"1", "one", "0", std::nullopt},
                                {"3", "three", "7", std::nullopt},
                                {"4", "four", "40", std::nullopt},
                                {"5", "five", "50", std::nullopt},
                                {"6", "six", "60", "n"}}));
  }
  ASSERT_EQ(s.stop(), 0) << s.log();
  // Mallard continued the writer's counters: snapshot, file, row and column ids, schema versions.
  Duck md(lake::metadata_file(s));
  EXPECT_EQ(md.value("SELECT CAST(list(snapshot_id ORDER BY snapshot_id) AS VARCHAR) FROM ducklake_snapshot"),
            "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]");
  EXPECT_EQ(md.rows("SELECT table_name, schema_version FROM ducklake_inlined_data_tables ORDER BY schema_version"),
            (duck::TextRows{{"ducklake_inlined_data_1_3", "3"}, {"ducklake_inlined_data_1_4", "4"}}));
  EXPECT_EQ(md.rows("SELECT row_id, begin_snapshot, id FROM ducklake_inlined_data_1_3 ORDER BY row_id"),
            (duck::TextRows{{"4", "7", "5"}, {"5", "8", "1"}}));
  EXPECT_EQ(md.rows("SELECT row_id, begin_snapshot, id FROM ducklake_inlined_data_1_4"), (duck::TextRows{{"6", "10", "6"}}));
  EXPECT_EQ(md.rows("SELECT delete_file_id, data_file_id, begin_snapshot, delete_count FROM ducklake_delete_file "
                    "WHERE end_snapshot IS NULL"),
            (duck::TextRows{{"3", "0", "8", "2"}}));
  EXPECT_EQ(md.value("SELECT end_snapshot FROM ducklake_delete_file WHERE delete_file_id = 2"), "8");
  EXPECT_EQ(md.value("SELECT max(next_file_id) FROM ducklake_snapshot"), "4");
  EXPECT_EQ(md.value("SELECT column_id FROM ducklake_column WHERE column_name = 'note'"), "4");
  EXPECT_EQ(md.value("SELECT next_row_id FROM ducklake_table_stats WHERE table_id = 1"), "7");
}

// What the ducklake extension writes for small changes (docs/stable/duckdb/advanced_features/
// data_inlining.md): snapshot 7 inlines an insert into ducklake_inlined_data_1_3, snapshot 8
// deletes row 2 of data file 0 (which already has a delete file) by ducklake_inlined_delete_1
// instead of writing a new delete file.
void add_spec_inlined_snapshots(const std::string &metadata_path) {
  Duck md(metadata_path);
  md.exec("BEGIN");
  md.exec("CREATE TABLE ducklake_inlined_data_1_3 (row_id BIGINT, begin_snapshot BIGINT, end_snapshot BIGINT, "
          "id INTEGER, name VARCHAR, score BIGINT)");
  md.exec("INSERT INTO ducklake_inlined_data_tables VALUES (1, 'ducklake_inlined_data_1_3', 3)");
  md.exec("INSERT INTO ducklake_inlined_data_1_3 VALUES (4, 7, NULL, 6, 'six', 60)");
  md.exec("INSERT INTO ducklake_snapshot VALUES (7, now(), 3, 2, 3)");
  md.exec("INSERT INTO ducklake_snapshot_changes VALUES (7, 'inlined_insert:1', NULL, NULL, NULL)");
  md.exec("CREATE TABLE ducklake_inlined_delete_1 (file_id BIGINT, row_id BIGINT, begin_snapshot BIGINT)");
  md.exec("INSERT INTO ducklake_inlined_delete_1 VALUES (0, 2, 8)");
  md.exec("INSERT INTO ducklake_snapshot VALUES (8, now(), 3, 2, 3)");
  md.exec("INSERT INTO ducklake_snapshot_changes VALUES (8, 'inlined_delete:1', NULL, NULL, NULL)");
  md.exec("UPDATE ducklake_table_stats SET record_count = 3, next_row_id = 5 WHERE table_id = 1");
  md.exec("COMMIT");
}

// A view whose body this server cannot read (another writer's function, here one of DuckDB's
// spatial extension) is left out, with an error in the log; the rest of the lake opens, and
// naming that view fails as for a missing one instead of the warehouse failing to open.
// Runs `statements` on a fresh server, stops it, changes its metadata store with `edit` (what
// another writer might have written) and starts it again.
void restart_with_edited_metadata(Server &s, std::initializer_list<const char *> statements, const std::string &edit) {
  ASSERT_TRUE(s.start()) << s.failure();
  {
    Conn c = connect(s);
    ASSERT_TRUE(c);
    for (const char *q : statements) exec_ok(c.get(), q);
  }
  ASSERT_EQ(s.stop(), 0);
  {
    Duck md(lake::metadata_file(s));
    md.exec(edit);
  }
  ASSERT_TRUE(s.start()) << s.failure();
}

TEST_F(LakeFormat, AViewThisServerCannotReadIsLeftOut) {
  Server s;
  ASSERT_NO_FATAL_FAILURE(restart_with_edited_metadata(
      s,
      {"CREATE TABLE kept (a integer)", "INSERT INTO kept VALUES (1)", "CREATE VIEW unreadable AS SELECT a FROM kept",
       "CREATE VIEW readable AS SELECT a + 1 AS b FROM kept"},
      "UPDATE ducklake_view SET sql = 'SELECT ST_Area(a) FROM kept' WHERE view_name = 'unreadable'"));
  Conn c = connect(s);
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT a FROM kept"), "1");
  EXPECT_EQ(query_value(c.get(), "SELECT b FROM readable"), "2");
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM unreadable").sqlstate, "42P01");
  EXPECT_NE(s.log_since_start().find("is left out of snapshot"), std::string::npos) << s.log_since_start();
  // The lake goes on: writes commit and are seen.
  exec_ok(c.get(), "INSERT INTO kept VALUES (2)");
  EXPECT_EQ(query_value(c.get(), "SELECT sum(b) FROM readable"), "5");
}

// The same for a table whose definition DuckDB cannot bind (a default another writer wrote with a
// function this server does not have): that table is left out, the rest opens.
TEST_F(LakeFormat, ATableThisServerCannotBuildIsLeftOut) {
  Server s;
  ASSERT_NO_FATAL_FAILURE(restart_with_edited_metadata(
      s,
      {"CREATE TABLE kept (a integer)", "INSERT INTO kept VALUES (1)", "CREATE TABLE unbuildable (a integer DEFAULT 5)",
       "INSERT INTO unbuildable VALUES (2)"},
      "UPDATE ducklake_column SET default_value = 'no_such_function()' WHERE table_id = "
      "(SELECT table_id FROM ducklake_table WHERE table_name = 'unbuildable') AND column_name = 'a'"));
  Conn c = connect(s);
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT a FROM kept"), "1");
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM unbuildable").sqlstate, "42P01");
  EXPECT_NE(s.log_since_start().find("is left out of snapshot"), std::string::npos) << s.log_since_start();
  exec_ok(c.get(), "INSERT INTO kept VALUES (2)");
  EXPECT_EQ(query_value(c.get(), "SELECT sum(a) FROM kept"), "3");
}

TEST_F(LakeFormat, LakeWithInlinedInsertsAndDeletesOpensInMallard) {
  Server s;
  write_spec_catalog(lake::metadata_file(s), lake::lake_dir(s));
  add_spec_inlined_snapshots(lake::metadata_file(s));
  ASSERT_TRUE(s.start()) << s.failure();
  Conn c = connect(s);
  ASSERT_TRUE(c);
  EXPECT_EQ(query_rows(c.get(), "SELECT id, name, score FROM t AT (VERSION => 7) ORDER BY id"),
            (std::vector<Row>{{"1", "one", "7"}, {"3", "three", "7"}, {"4", "four", "40"}, {"6", "six", "60"}}));
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM t WHERE id = 6"), "1") << "the inlined insert is read";
  EXPECT_EQ(query_rows(c.get(), "SELECT id, name, score FROM t ORDER BY id"),
            (std::vector<Row>{{"1", "one", "7"}, {"4", "four", "40"}, {"6", "six", "60"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT id FROM t AT (VERSION => 8) ORDER BY id"),
            (std::vector<Row>{{"1"}, {"4"}, {"6"}}));
  // Mallard deletes the last live row of that data file: with the delete file's and the inlined
  // delete, every row of the file is gone.
  EXPECT_EQ(exec_ok(c.get(), "DELETE FROM t WHERE id = 1"), "DELETE 1");
  EXPECT_EQ(query_rows(c.get(), "SELECT id FROM t ORDER BY id"), (std::vector<Row>{{"4"}, {"6"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT id FROM t AT (VERSION => 8) ORDER BY id"),
            (std::vector<Row>{{"1"}, {"4"}, {"6"}}));
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM t"), "2");
}

}  // namespace
}  // namespace mallard::it
