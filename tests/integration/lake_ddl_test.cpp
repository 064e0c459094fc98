// DDL on lake tables through the wire: schemas, tables (defaults, NOT NULL, IF NOT EXISTS, AS
// SELECT, constraints Mallard cannot enforce), ALTER TABLE, views and comments, with PostgreSQL's
// command tags, notices and SQLSTATEs.

#include "integration/lake_util.hpp"
#include "support/server.hpp"

namespace mallard::it {
namespace {

class LakeDdl : public ServerSuite<LakeDdl> {};

std::vector<Row> column_info(PGconn *c, const std::string &table) {
  return query_rows(c, "SELECT column_name, is_nullable, column_default FROM information_schema.columns WHERE "
                       "table_name = '" + table + "' ORDER BY ordinal_position");
}

// A commit with DDL reads every definition again but the data only of the tables it changed (or
// made); the others keep theirs. Every table, of every kind of content, must read the same after
// each kind of DDL on another, from another session, and a DDL commit that also writes rows must
// show them.
TEST_F(LakeDdl, DdlOnOneTableLeavesTheOthersIntact) {
  Conn a = conn(), b = conn();
  ASSERT_TRUE(a && b);
  exec_ok(a.get(), "CREATE SCHEMA keep");
  exec_ok(a.get(), "CREATE TABLE keep.files (x integer)");
  exec_ok(a.get(), "INSERT INTO keep.files SELECT g FROM generate_series(1, 100) AS s(g)");
  exec_ok(a.get(), "DELETE FROM keep.files WHERE x % 10 = 0");
  exec_ok(a.get(), "CREATE TABLE keep.inl (x integer)");
  exec_ok(a.get(), "INSERT INTO keep.inl VALUES (1), (2), (3)");
  exec_ok(a.get(), "DELETE FROM keep.inl WHERE x = 2");
  exec_ok(a.get(), "CREATE TABLE keep.moving (x integer)");
  exec_ok(a.get(), "INSERT INTO keep.moving VALUES (7)");
  auto state = [&](PGconn *c) {
    return query_value(c, "SELECT (SELECT count(*) || '/' || sum(x) FROM keep.files) || ' ' || "
                          "(SELECT string_agg(CAST(x AS text), ',' ORDER BY x) FROM keep.inl)");
  };
  const std::string expected = "90/4500 1,3";
  ASSERT_EQ(state(b.get()), expected);
  for (const char *ddl : {"ALTER TABLE keep.moving ADD COLUMN y text DEFAULT 'd'",
                          "ALTER TABLE keep.moving RENAME COLUMN y TO z", "COMMENT ON TABLE keep.moving IS 'moved'",
                          "ALTER TABLE keep.moving RENAME TO moved", "CREATE TABLE keep.fresh AS SELECT 5 AS x",
                          "CREATE VIEW keep.v AS SELECT x FROM keep.inl", "DROP TABLE keep.fresh",
                          "CREATE SCHEMA other", "DROP SCHEMA other"}) {
    exec_ok(a.get(), ddl);
    EXPECT_EQ(state(b.get()), expected) << "after " << ddl;
  }
  EXPECT_EQ(query_value(b.get(), "SELECT x || ':' || z FROM keep.moved"), "7:d");
  EXPECT_EQ(query_value(b.get(), "SELECT string_agg(CAST(x AS text), ',' ORDER BY x) FROM keep.v"), "1,3");
  // DDL and rows in one commit: rows in another table, and a new table with its rows.
  exec_ok(a.get(), "BEGIN");
  exec_ok(a.get(), "ALTER TABLE keep.moved ADD COLUMN w integer DEFAULT 0");
  exec_ok(a.get(), "INSERT INTO keep.inl VALUES (4)");
  exec_ok(a.get(), "CREATE TABLE keep.made AS SELECT g AS x FROM generate_series(1, 3) AS s(g)");
  exec_ok(a.get(), "COMMIT");
  EXPECT_EQ(query_value(b.get(), "SELECT string_agg(x || ':' || z || ':' || w, ',' ORDER BY x) FROM keep.moved"), "7:d:0");
  EXPECT_EQ(query_value(b.get(), "SELECT sum(x) FROM keep.made"), "6");
  EXPECT_EQ(query_value(b.get(), "SELECT string_agg(CAST(x AS text), ',' ORDER BY x) FROM keep.inl"), "1,3,4");
  EXPECT_EQ(query_value(b.get(), "SELECT count(*) || '/' || sum(x) FROM keep.files"), "90/4500");
}

TEST_F(LakeDdl, CreateAndDropSchema) {
  Conn c = conn();
  ASSERT_TRUE(c);
  NoticeLog notices;
  notices.attach(c.get());
  EXPECT_EQ(exec_ok(c.get(), "CREATE SCHEMA sa"), "CREATE SCHEMA");
  EXPECT_EQ(exec_error(c.get(), "CREATE SCHEMA sa").sqlstate, "42P06");
  EXPECT_EQ(exec_ok(c.get(), "CREATE SCHEMA IF NOT EXISTS sa"), "CREATE SCHEMA");
  ASSERT_EQ(notices.items.size(), 1u);
  EXPECT_EQ(notices.items[0].message, "schema \"sa\" already exists, skipping");

  exec_ok(c.get(), "CREATE TABLE sa.t1 (a integer)");
  exec_ok(c.get(), "INSERT INTO sa.t1 VALUES (1)");
  exec_ok(c.get(), "CREATE TABLE sa.t2 (b text PRIMARY KEY)");
  exec_ok(c.get(), "DROP TABLE IF EXISTS sa_ref");
  exec_ok(c.get(), "CREATE TABLE sa_ref (b text REFERENCES sa.t2)");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'sa'"), "2");
  SqlError e = exec_error(c.get(), "DROP SCHEMA sa");
  EXPECT_EQ(e.sqlstate, "2BP01") << e;
  EXPECT_EQ(query_value(c.get(), "SELECT a FROM sa.t1"), "1");
  notices.items.clear();
  EXPECT_EQ(exec_ok(c.get(), "DROP SCHEMA sa CASCADE"), "DROP SCHEMA");
  // The foreign key of a table in another schema goes with it, as PostgreSQL says (in one NOTICE
  // with the objects in its DETAIL; Mallard gives one NOTICE per object).
  ASSERT_FALSE(notices.items.empty());
  if (!reference_mode())
    EXPECT_EQ(notices.items.back().message, "drop cascades to constraint sa_ref_b_fkey on table sa_ref");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM pg_constraint WHERE conrelid = 'sa_ref'::regclass"), "0");
  exec_ok(c.get(), "INSERT INTO sa_ref VALUES ('no longer checked')");
  exec_ok(c.get(), "DROP TABLE sa_ref");
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM sa.t1").sqlstate.substr(0, 2), "42");
  EXPECT_EQ(exec_error(c.get(), "DROP SCHEMA sa").sqlstate, "3F000");
  notices.items.clear();
  EXPECT_EQ(exec_ok(c.get(), "DROP SCHEMA IF EXISTS sa"), "DROP SCHEMA");
  ASSERT_EQ(notices.items.size(), 1u);
  EXPECT_EQ(notices.items[0].message, "schema \"sa\" does not exist, skipping");
  EXPECT_EQ(exec_error(c.get(), "CREATE TABLE sa.t3 (a integer)").sqlstate, "3F000");

  // An empty schema drops without CASCADE; a schema can come back under the same name.
  exec_ok(c.get(), "CREATE SCHEMA sb");
  EXPECT_EQ(exec_ok(c.get(), "DROP SCHEMA sb"), "DROP SCHEMA");
  exec_ok(c.get(), "CREATE SCHEMA sa");
  exec_ok(c.get(), "CREATE TABLE sa.t1 (z text)");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM sa.t1"), "0");
}

// public is the lake's main schema, for every statement.
TEST_F(LakeDdl, PublicSchemaIsMain) {
  Conn c = conn();
  ASSERT_TRUE(c);
  EXPECT_EQ(exec_ok(c.get(), "CREATE TABLE public.in_public (a integer)"), "CREATE TABLE");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO public.in_public VALUES (7)"), "INSERT 0 1");
  EXPECT_EQ(exec_ok(c.get(), "UPDATE public.in_public SET a = a + 1"), "UPDATE 1");
  EXPECT_EQ(query_value(c.get(), "SELECT a FROM in_public"), "8");
  EXPECT_EQ(query_value(c.get(), "SELECT a FROM public.in_public"), "8");
  EXPECT_EQ(query_value(c.get(), "SELECT p.a FROM \"public\".in_public AS p JOIN mallard.public.in_public USING (a)"), "8");
  std::string before_update = query_value(c.get(), "SELECT max(snapshot_id) - 1 FROM ducklake_snapshots()");
  EXPECT_EQ(query_value(c.get(), "SELECT a FROM public.in_public AT (VERSION => " + before_update + ")"), "7");
  // A string that merely contains it is left alone.
  EXPECT_EQ(query_value(c.get(), "SELECT 'public.in_public'"), "public.in_public");
}

TEST_F(LakeDdl, CreateTableWithDefaultsAndNotNull) {
  Conn c = conn();
  ASSERT_TRUE(c);
  EXPECT_EQ(exec_ok(c.get(), "CREATE TABLE dn (id integer NOT NULL, name text DEFAULT 'anon', qty integer DEFAULT 2 + 3, "
                             "created date DEFAULT DATE '2024-01-01')"),
            "CREATE TABLE");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO dn (id) VALUES (1)"), "INSERT 0 1");
  EXPECT_EQ(query_rows(c.get(), "SELECT id, name, qty, created FROM dn"),
            (std::vector<Row>{{"1", "anon", "5", "2024-01-01"}}));
  SqlError e = exec_error(c.get(), "INSERT INTO dn (name) VALUES ('x')");
  EXPECT_EQ(e.sqlstate, "23502") << e;
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO dn VALUES (NULL, 'y', 1, NULL)").sqlstate, "23502");
  EXPECT_EQ(exec_error(c.get(), "UPDATE dn SET id = NULL").sqlstate, "23502");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM dn"), "1");
  auto cols = column_info(c.get(), "dn");
  ASSERT_EQ(cols.size(), 4u);
  EXPECT_EQ(cols[0][1], "NO");
  EXPECT_EQ(cols[1][1], "YES");
  EXPECT_NE(cols[1][2], std::nullopt);
}

// PostgreSQL: null value in column "id" of relation "nn_msg" violates not-null constraint.
TEST_F(LakeDdl, NotNullViolationNamesTheTable) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE nn_msg (id integer NOT NULL, b integer)");
  const std::string expected = "null value in column \"id\" of relation \"nn_msg\" violates not-null constraint";
  SqlError e = exec_error(c.get(), "INSERT INTO nn_msg VALUES (NULL)");
  EXPECT_EQ(e.sqlstate, "23502");
  EXPECT_EQ(e.message, expected);
  exec_ok(c.get(), "INSERT INTO nn_msg VALUES (1, 1)");
  e = exec_error(c.get(), "UPDATE nn_msg SET id = NULL");
  EXPECT_EQ(e.sqlstate, "23502");
  EXPECT_EQ(e.message, expected);
  // A table created in the same transaction.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "CREATE TABLE nn_new (k text NOT NULL)");
  e = exec_error(c.get(), "INSERT INTO nn_new VALUES (NULL)");
  exec_ok(c.get(), "ROLLBACK");
  EXPECT_EQ(e.sqlstate, "23502");
  EXPECT_EQ(e.message, "null value in column \"k\" of relation \"nn_new\" violates not-null constraint");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM nn_msg"), "1");
}

TEST_F(LakeDdl, CreateTableIfNotExistsAndDuplicates) {
  Conn c = conn();
  ASSERT_TRUE(c);
  NoticeLog notices;
  notices.attach(c.get());
  exec_ok(c.get(), "CREATE TABLE dup (a integer)");
  exec_ok(c.get(), "INSERT INTO dup VALUES (1)");
  EXPECT_EQ(exec_error(c.get(), "CREATE TABLE dup (b text)").sqlstate, "42P07");
  EXPECT_EQ(exec_ok(c.get(), "CREATE TABLE IF NOT EXISTS dup (b text)"), "CREATE TABLE");
  ASSERT_EQ(notices.items.size(), 1u);
  EXPECT_EQ(notices.items[0].severity, "NOTICE");
  EXPECT_EQ(notices.items[0].message, "relation \"dup\" already exists, skipping");
  EXPECT_EQ(query_value(c.get(), "SELECT a FROM dup"), "1");
  // A view's name is taken too.
  exec_ok(c.get(), "CREATE VIEW dup_v AS SELECT 1 AS x");
  EXPECT_EQ(exec_error(c.get(), "CREATE TABLE dup_v (a integer)").sqlstate, "42P07");
}

// PostgreSQL sends these notices with the SQLSTATE of the error they replace.
TEST_F(LakeDdl, SkippingNoticesCarryPostgresSqlstates) {
  Conn c = conn();
  ASSERT_TRUE(c);
  NoticeLog notices;
  notices.attach(c.get());
  exec_ok(c.get(), "CREATE TABLE ntc (a integer)");
  exec_ok(c.get(), "CREATE TABLE IF NOT EXISTS ntc (a integer)");
  exec_ok(c.get(), "CREATE SCHEMA IF NOT EXISTS main");
  exec_ok(c.get(), "DROP TABLE IF EXISTS ntc_missing");
  ASSERT_EQ(notices.items.size(), 3u);
  EXPECT_EQ(notices.items[0].sqlstate, "42P07");
  EXPECT_EQ(notices.items[1].sqlstate, "42P06");
  EXPECT_EQ(notices.items[2].message, "table \"ntc_missing\" does not exist, skipping");
}

TEST_F(LakeDdl, CreateTableAsSelect) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE ctas_src (a integer, b text)");
  exec_ok(c.get(), "INSERT INTO ctas_src VALUES (1, 'x'), (2, 'y'), (3, 'z')");
  EXPECT_EQ(exec_ok(c.get(), "CREATE TABLE ctas1 AS SELECT a * 10 AS a10, b FROM ctas_src WHERE a >= 2"), "SELECT 2");
  EXPECT_EQ(query_rows(c.get(), "SELECT a10, b FROM ctas1 ORDER BY a10"),
            (std::vector<Row>{{"20", "y"}, {"30", "z"}}));
  EXPECT_EQ(exec_ok(c.get(), "CREATE TABLE ctas_empty AS SELECT * FROM ctas_src WHERE false"), "SELECT 0");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM ctas_empty"), "0");
  exec_ok(c.get(), "INSERT INTO ctas_empty VALUES (9, 'n')");
  EXPECT_EQ(query_value(c.get(), "SELECT b FROM ctas_empty"), "n");
  EXPECT_EQ(exec_ok(c.get(), "CREATE TABLE ctas_series AS SELECT * FROM generate_series(1, 100) AS g(x)"), "SELECT 100");
  EXPECT_EQ(query_value(c.get(), "SELECT sum(x) FROM ctas_series"), "5050");
}

// A statement with text parameters through the extended protocol, which must fail.
SqlError exec_params_error(PGconn *c, const char *sql, const std::vector<const char *> &params) {
  Result r(PQexecParams(c, sql, static_cast<int>(params.size()), nullptr, params.data(), nullptr, nullptr, 0));
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_FATAL_ERROR) << sql;
  return error_of(r.get());
}

// The same, which must succeed; returns the command tag.
std::string exec_params_ok(PGconn *c, const char *sql, const std::vector<const char *> &params) {
  Result r(PQexecParams(c, sql, static_cast<int>(params.size()), nullptr, params.data(), nullptr, nullptr, 0));
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << sql << ": " << PQresultErrorMessage(r.get());
  return PQcmdStatus(r.get());
}

// COPY ... FROM STDIN of `data`, which must fail.
SqlError copy_in_error(PGconn *c, const char *sql, const std::string &data) {
  Result start = exec(c, sql);
  EXPECT_EQ(PQresultStatus(start.get()), PGRES_COPY_IN) << sql;
  EXPECT_EQ(PQputCopyData(c, data.data(), static_cast<int>(data.size())), 1);
  EXPECT_EQ(PQputCopyEnd(c, nullptr), 1);
  Result done(PQgetResult(c));
  while (PGresult *extra = PQgetResult(c)) PQclear(extra);
  return error_of(done.get());
}

// PRIMARY KEY and UNIQUE are kept with the table and checked against all its rows as the
// transaction sees them, when each statement ends: 23505 as PostgreSQL words it, and nothing of
// the statement stays. A key's columns are NOT NULL; UNIQUE lets NULLs repeat.
TEST_F(LakeDdl, PrimaryKeyAndUniqueAreEnforced) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "DROP TABLE IF EXISTS pk1");
  exec_ok(c.get(), "DROP TABLE IF EXISTS pk2");
  EXPECT_EQ(exec_ok(c.get(), "CREATE TABLE pk1 (id integer PRIMARY KEY, code text UNIQUE, v integer)"), "CREATE TABLE");
  exec_ok(c.get(), "INSERT INTO pk1 VALUES (1, 'a', 1), (2, 'b', 2)");
  SqlError e = exec_error(c.get(), "INSERT INTO pk1 VALUES (1, 'c', 3)");
  EXPECT_EQ(e.sqlstate, "23505");
  EXPECT_EQ(e.message, "duplicate key value violates unique constraint \"pk1_pkey\"");
  EXPECT_EQ(e.detail, "Key (id)=(1) already exists.");
  e = exec_error(c.get(), "INSERT INTO pk1 VALUES (3, 'a', 3)");
  EXPECT_EQ(e.sqlstate, "23505");
  EXPECT_EQ(e.message, "duplicate key value violates unique constraint \"pk1_code_key\"");
  EXPECT_EQ(e.detail, "Key (code)=(a) already exists.");
  // Within one statement, and through the extended protocol.
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO pk1 VALUES (7, 'x', 0), (7, 'y', 0)").sqlstate, "23505");
  EXPECT_EQ(exec_params_error(c.get(), "INSERT INTO pk1 VALUES ($1, 'p', 0)", {"2"}).sqlstate, "23505");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO pk1 VALUES (NULL, 'n', 0)").sqlstate, "23502");
  // NULLs do not collide under UNIQUE.
  exec_ok(c.get(), "INSERT INTO pk1 VALUES (3, NULL, 3), (4, NULL, 4)");
  // UPDATE onto another row's key; UPDATE of other columns, and of a key to a free value.
  EXPECT_EQ(exec_error(c.get(), "UPDATE pk1 SET code = 'a' WHERE id = 2").sqlstate, "23505");
  EXPECT_EQ(exec_error(c.get(), "UPDATE pk1 SET id = id + 1 WHERE id = 3").sqlstate, "23505");
  EXPECT_EQ(exec_ok(c.get(), "UPDATE pk1 SET v = 20 WHERE id = 2"), "UPDATE 1");
  EXPECT_EQ(exec_ok(c.get(), "UPDATE pk1 SET id = 10 WHERE id = 4"), "UPDATE 1");
  // A key freed by DELETE in the same transaction may be used again; a failed statement ends the
  // transaction block, as in PostgreSQL.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "DELETE FROM pk1 WHERE id = 1");
  exec_ok(c.get(), "INSERT INTO pk1 VALUES (1, 'a', 100)");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO pk1 VALUES (1, 'z', 0)").sqlstate, "23505");
  EXPECT_EQ(exec_error(c.get(), "SELECT 1").sqlstate, "25P02");
  exec_ok(c.get(), "ROLLBACK");
  // COPY checks too.
  EXPECT_EQ(copy_in_error(c.get(), "COPY pk1 FROM STDIN", "5\te\t5\n2\tf\t6\n").sqlstate, "23505");
  EXPECT_EQ(query_rows(c.get(), "SELECT id, code, v FROM pk1 ORDER BY id"),
            (std::vector<Row>{{"1", "a", "1"}, {"2", "b", "20"}, {"3", std::nullopt, "3"}, {"10", std::nullopt, "4"}}));
  // A composite key, declared as a table constraint; its columns become NOT NULL.
  exec_ok(c.get(), "CREATE TABLE pk2 (a integer, b integer, c text, PRIMARY KEY (a, b))");
  exec_ok(c.get(), "INSERT INTO pk2 VALUES (1, 1, 'x'), (1, 2, 'y')");
  e = exec_error(c.get(), "INSERT INTO pk2 VALUES (1, 2, 'z')");
  EXPECT_EQ(e.message, "duplicate key value violates unique constraint \"pk2_pkey\"");
  EXPECT_EQ(e.detail, "Key (a, b)=(1, 2) already exists.");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO pk2 VALUES (NULL, 2, 'z')").sqlstate, "23502");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE pk2 ALTER COLUMN a DROP NOT NULL").sqlstate, "42P16");
  // A table created in the transaction checks its keys as well.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "CREATE TABLE pk3 (id integer PRIMARY KEY)");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO pk3 VALUES (1), (1)").sqlstate, "23505");
  exec_ok(c.get(), "ROLLBACK");
  // The keys are kept with the table: another session (after the views moved) enforces them.
  Conn other = conn();
  EXPECT_EQ(exec_error(other.get(), "INSERT INTO pk2 VALUES (1, 1, 'again')").sqlstate, "23505");
  // Dropping a key's column drops the key.
  exec_ok(c.get(), "ALTER TABLE pk2 DROP COLUMN b");
  exec_ok(c.get(), "INSERT INTO pk2 VALUES (1, 'same a')");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM pk2 WHERE a = 1"), "3");
}

// ALTER TABLE ADD [CONSTRAINT name] PRIMARY KEY | UNIQUE checks the rows first, as PostgreSQL
// does when it builds the index; DROP CONSTRAINT takes a key away. Migrations do both, also on a
// table they created in the same transaction (Django's unique_together).
TEST_F(LakeDdl, KeysAddedAndDroppedByAlterTable) {
  Conn c = conn();
  ASSERT_TRUE(c);
  NoticeLog notices;
  notices.attach(c.get());
  exec_ok(c.get(), "DROP TABLE IF EXISTS ak");
  exec_ok(c.get(), "CREATE TABLE ak (id integer, a text, b integer)");
  exec_ok(c.get(), "INSERT INTO ak VALUES (1, 'x', 1), (2, 'x', 1), (NULL, 'y', 2)");
  SqlError e = exec_error(c.get(), "ALTER TABLE ak ADD CONSTRAINT ak_ab UNIQUE (a, b)");
  EXPECT_EQ(e.sqlstate, "23505");
  EXPECT_EQ(e.message, "could not create unique index \"ak_ab\"");
  EXPECT_EQ(e.detail, "Key (a, b)=(x, 1) is duplicated.");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE ak ADD PRIMARY KEY (id)").sqlstate, "23502");
  exec_ok(c.get(), "DELETE FROM ak WHERE id IS NULL OR id = 2");
  EXPECT_EQ(exec_ok(c.get(), "ALTER TABLE ak ADD PRIMARY KEY (id)"), "ALTER TABLE");
  EXPECT_EQ(exec_ok(c.get(), "ALTER TABLE ak ADD CONSTRAINT ak_ab UNIQUE (a, b)"), "ALTER TABLE");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE ak ADD PRIMARY KEY (b)").sqlstate, "42P16");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE ak ADD CONSTRAINT ak_ab UNIQUE (b)").sqlstate, "42P07");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE ak ADD UNIQUE (nope)").sqlstate, "42703");
  EXPECT_EQ(query_value(c.get(), "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'ak' AND "
                                 "column_name = 'id'"),
            "NO");
  e = exec_error(c.get(), "INSERT INTO ak VALUES (3, 'x', 1)");
  EXPECT_EQ(e.message, "duplicate key value violates unique constraint \"ak_ab\"");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO ak VALUES (1, 'z', 9)").sqlstate, "23505");
  EXPECT_EQ(query_rows(c.get(), "SELECT conname FROM pg_constraint WHERE conrelid = 'ak'::regclass ORDER BY conname"),
            (std::vector<Row>{{"ak_ab"}, {"ak_pkey"}}));
  EXPECT_EQ(exec_ok(c.get(), "ALTER TABLE ak DROP CONSTRAINT ak_ab"), "ALTER TABLE");
  exec_ok(c.get(), "INSERT INTO ak VALUES (3, 'x', 1)");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE ak DROP CONSTRAINT ak_ab").sqlstate, "42704");
  notices.items.clear();
  EXPECT_EQ(exec_ok(c.get(), "ALTER TABLE ak DROP CONSTRAINT IF EXISTS ak_ab"), "ALTER TABLE");
  ASSERT_EQ(notices.items.size(), 1u);
  EXPECT_EQ(notices.items[0].message, "constraint \"ak_ab\" of relation \"ak\" does not exist, skipping");
  // In the transaction that created the table, as a migration runs.
  exec_ok(c.get(), "DROP TABLE IF EXISTS ak2");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "CREATE TABLE ak2 (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, app text, model text)");
  exec_ok(c.get(), "ALTER TABLE ak2 ADD CONSTRAINT ak2_app_model_uniq UNIQUE (app, model)");
  exec_ok(c.get(), "INSERT INTO ak2 (app, model) VALUES ('auth', 'user'), ('auth', 'group')");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO ak2 (app, model) VALUES ('auth', 'user')").sqlstate, "23505");
  exec_ok(c.get(), "ROLLBACK");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "CREATE TABLE ak2 (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, app text, model text)");
  exec_ok(c.get(), "ALTER TABLE ak2 ADD CONSTRAINT ak2_app_model_uniq UNIQUE (app, model)");
  exec_ok(c.get(), "INSERT INTO ak2 (app, model) VALUES ('auth', 'user')");
  exec_ok(c.get(), "COMMIT");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO ak2 (app, model) VALUES ('auth', 'user')").sqlstate, "23505");
  EXPECT_EQ(query_value(c.get(), "SELECT constraint_name FROM information_schema.table_constraints WHERE "
                                 "table_name = 'ak2' AND constraint_type = 'UNIQUE'"),
            "ak2_app_model_uniq");
}

// CREATE [UNIQUE] INDEX on a lake table: a unique index is enforced like a UNIQUE constraint
// (and checked against the rows first); a plain index is kept for the catalogs (psql's \\d,
// pg_indexes, pg_index) and changes nothing else. DROP INDEX takes either away, but not a
// constraint's index. Expressions and partial indexes are refused.
TEST_F(LakeDdl, CreateAndDropIndex) {
  Conn c = conn();
  ASSERT_TRUE(c);
  NoticeLog notices;
  notices.attach(c.get());
  exec_ok(c.get(), "DROP TABLE IF EXISTS cix");
  exec_ok(c.get(), "CREATE TABLE cix (id integer PRIMARY KEY, email text, org integer)");
  exec_ok(c.get(), "INSERT INTO cix VALUES (1, 'a', 1), (2, 'a', 1)");
  EXPECT_EQ(exec_ok(c.get(), "CREATE INDEX cix_email ON cix (email)"), "CREATE INDEX");
  EXPECT_EQ(exec_ok(c.get(), "CREATE INDEX ON cix USING btree (org, email)"), "CREATE INDEX");
  SqlError e = exec_error(c.get(), "CREATE UNIQUE INDEX cix_email_u ON cix (email)");
  EXPECT_EQ(e.sqlstate, "23505");
  EXPECT_EQ(e.message, "could not create unique index \"cix_email_u\"");
  EXPECT_EQ(e.detail, "Key (email)=(a) is duplicated.");
  notices.items.clear();
  EXPECT_EQ(exec_ok(c.get(), "CREATE INDEX IF NOT EXISTS cix_email ON cix (email)"), "CREATE INDEX");
  ASSERT_EQ(notices.items.size(), 1u);
  EXPECT_EQ(notices.items[0].message, "relation \"cix_email\" already exists, skipping");
  EXPECT_EQ(exec_error(c.get(), "CREATE INDEX cix_email ON cix (org)").sqlstate, "42P07");
  EXPECT_EQ(query_rows(c.get(), "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cix' ORDER BY indexname"),
            (std::vector<Row>{{"cix_email", "CREATE INDEX cix_email ON public.cix USING btree (email)"},
                              {"cix_org_email_idx", "CREATE INDEX cix_org_email_idx ON public.cix USING btree (org, email)"},
                              {"cix_pkey", "CREATE UNIQUE INDEX cix_pkey ON public.cix USING btree (id)"}}));
  // A plain index is no constraint, and checks nothing.
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM pg_constraint WHERE conrelid = 'cix'::regclass"), "1");
  exec_ok(c.get(), "INSERT INTO cix VALUES (3, 'a', 1)");
  exec_ok(c.get(), "DELETE FROM cix WHERE id > 1");
  EXPECT_EQ(exec_ok(c.get(), "CREATE UNIQUE INDEX cix_email_u ON cix (email)"), "CREATE INDEX");
  e = exec_error(c.get(), "INSERT INTO cix VALUES (4, 'a', 1)");
  EXPECT_EQ(e.message, "duplicate key value violates unique constraint \"cix_email_u\"");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO cix VALUES (4, 'a', 1), (5, 'b', 1) ON CONFLICT (email) DO NOTHING"),
            "INSERT 0 1");
  EXPECT_EQ(query_rows(c.get(), "SELECT c.relname, i.indisunique, i.indisprimary FROM pg_index i JOIN pg_class c ON "
                                "c.oid = i.indexrelid WHERE i.indrelid = 'cix'::regclass ORDER BY c.relname"),
            (std::vector<Row>{{"cix_email", "f", "f"}, {"cix_email_u", "t", "f"}, {"cix_org_email_idx", "f", "f"},
                              {"cix_pkey", "t", "t"}}));
  e = exec_error(c.get(), "DROP INDEX cix_pkey");
  EXPECT_EQ(e.sqlstate, "2BP01");
  EXPECT_EQ(e.message, "cannot drop index cix_pkey because constraint cix_pkey on table cix requires it");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE cix DROP CONSTRAINT cix_email").sqlstate, "42704");
  EXPECT_EQ(exec_ok(c.get(), "DROP INDEX cix_email_u, cix_org_email_idx"), "DROP INDEX");
  exec_ok(c.get(), "INSERT INTO cix VALUES (6, 'a', 1)");
  EXPECT_EQ(exec_error(c.get(), "DROP INDEX cix_email_u").sqlstate, "42704");
  notices.items.clear();
  EXPECT_EQ(exec_ok(c.get(), "DROP INDEX IF EXISTS cix_email_u"), "DROP INDEX");
  ASSERT_EQ(notices.items.size(), 1u);
  EXPECT_EQ(notices.items[0].message, "index \"cix_email_u\" does not exist, skipping");
  EXPECT_EQ(query_rows(c.get(), "SELECT indexname FROM pg_indexes WHERE tablename = 'cix' ORDER BY indexname"),
            (std::vector<Row>{{"cix_email"}, {"cix_pkey"}}));
  // In the transaction that created the table.
  exec_ok(c.get(), "DROP TABLE IF EXISTS cix2");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "CREATE TABLE cix2 (id bigserial PRIMARY KEY, name text)");
  exec_ok(c.get(), "CREATE UNIQUE INDEX cix2_name ON cix2 (name)");
  exec_ok(c.get(), "INSERT INTO cix2 (name) VALUES ('a')");
  exec_ok(c.get(), "COMMIT");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO cix2 (name) VALUES ('a')").sqlstate, "23505");
  // Temporary tables' indexes are DuckDB's.
  exec_ok(c.get(), "CREATE TEMP TABLE cix_tmp (a integer)");
  exec_ok(c.get(), "CREATE INDEX cix_tmp_a ON cix_tmp (a)");
  exec_ok(c.get(), "DROP INDEX cix_tmp_a");
  if (reference_mode()) return;
  // Sort orders are taken and not kept (the lake keeps no index structure to order).
  EXPECT_EQ(exec_ok(c.get(), "CREATE INDEX cix_desc ON cix (org DESC NULLS LAST)"), "CREATE INDEX");
  EXPECT_EQ(exec_error(c.get(), "CREATE INDEX cix_lower ON cix (lower(email))").sqlstate, "0A000");
  EXPECT_EQ(exec_error(c.get(), "CREATE INDEX cix_part ON cix (email) WHERE org > 0").sqlstate, "0A000");
}

// Keys and serial columns appear in the catalogs as PostgreSQL shows them: pg_constraint,
// pg_index, pg_class.relhasindex, information_schema, and the serial default and its sequence's
// name (what SQLAlchemy's, Django's and Rails' introspection read).
TEST_F(LakeDdl, KeysAndSerialsAreInTheCatalogs) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "DROP TABLE IF EXISTS kc");
  exec_ok(c.get(), "CREATE TABLE kc (id serial PRIMARY KEY, code text, part integer, UNIQUE (part, code))");
  EXPECT_EQ(query_rows(c.get(), "SELECT conname, contype, conkey FROM pg_constraint WHERE conrelid = 'kc'::regclass "
                                "ORDER BY conname"),
            (std::vector<Row>{{"kc_part_code_key", "u", "{3,2}"}, {"kc_pkey", "p", "{1}"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT c.relname, i.indisprimary, i.indisunique, i.indnatts FROM pg_index i JOIN pg_class c "
                                "ON c.oid = i.indexrelid WHERE i.indrelid = 'kc'::regclass ORDER BY c.relname"),
            (std::vector<Row>{{"kc_part_code_key", "f", "t", "2"}, {"kc_pkey", "t", "t", "1"}}));
  EXPECT_EQ(query_value(c.get(), "SELECT relhasindex FROM pg_class WHERE oid = 'kc'::regclass"), "t");
  // Rails' primary key lookup.
  EXPECT_EQ(query_rows(c.get(), "SELECT a.attname FROM (SELECT indrelid, indkey, generate_subscripts(indkey, 1) idx "
                                "FROM pg_index WHERE indrelid = '\"kc\"'::regclass AND indisprimary) i JOIN pg_attribute a "
                                "ON a.attrelid = i.indrelid AND a.attnum = i.indkey[i.idx] ORDER BY i.idx"),
            (std::vector<Row>{{"id"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT constraint_name, constraint_type FROM information_schema.table_constraints "
                                "WHERE table_name = 'kc' AND constraint_type IN ('PRIMARY KEY', 'UNIQUE') "
                                "ORDER BY constraint_name"),
            (std::vector<Row>{{"kc_part_code_key", "UNIQUE"}, {"kc_pkey", "PRIMARY KEY"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT constraint_name, column_name, ordinal_position FROM "
                                "information_schema.key_column_usage WHERE table_name = 'kc' "
                                "ORDER BY constraint_name, ordinal_position"),
            (std::vector<Row>{{"kc_part_code_key", "part", "1"}, {"kc_part_code_key", "code", "2"},
                              {"kc_pkey", "id", "1"}}));
  EXPECT_EQ(query_value(c.get(), "SELECT column_default FROM information_schema.columns WHERE table_name = 'kc' AND "
                                 "column_name = 'id'"),
            "nextval('kc_id_seq'::regclass)");
  EXPECT_EQ(query_value(c.get(), "SELECT pg_get_serial_sequence('kc', 'id')"), "public.kc_id_seq");
  EXPECT_EQ(query_value(c.get(), "SELECT pg_get_serial_sequence('kc', 'code')"), "<NULL>");
  // Names stay when the table or a column is renamed, as in PostgreSQL.
  exec_ok(c.get(), "DROP TABLE IF EXISTS kc_renamed");
  exec_ok(c.get(), "ALTER TABLE kc RENAME COLUMN code TO label");
  exec_ok(c.get(), "ALTER TABLE kc RENAME TO kc_renamed");
  EXPECT_EQ(query_rows(c.get(), "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
                                "'kc_renamed'::regclass ORDER BY conname"),
            (std::vector<Row>{{"kc_part_code_key", "UNIQUE (part, label)"}, {"kc_pkey", "PRIMARY KEY (id)"}}));
  exec_ok(c.get(), "INSERT INTO kc_renamed (id, label, part) VALUES (1, 'x', 1)");
  SqlError e = exec_error(c.get(), "INSERT INTO kc_renamed (id, label, part) VALUES (2, 'x', 1)");
  EXPECT_EQ(e.message, "duplicate key value violates unique constraint \"kc_part_code_key\"");
  EXPECT_EQ(e.detail, "Key (part, label)=(1, x) already exists.");
  exec_ok(c.get(), "DROP TABLE kc_renamed");
}

// INSERT ... ON CONFLICT DO NOTHING leaves out the rows whose key is taken (by the table or an
// earlier row of the statement); with a target, only that key's conflicts are left out and the
// others fail as usual. DO UPDATE is refused; a target that names no key is PostgreSQL's 42P10.
TEST_F(LakeDdl, OnConflictDoNothingSkipsTakenKeys) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "DROP TABLE IF EXISTS oc");
  exec_ok(c.get(), "CREATE TABLE oc (id integer PRIMARY KEY, code text UNIQUE, v integer)");
  exec_ok(c.get(), "INSERT INTO oc VALUES (1, 'a', 1), (2, 'b', 2)");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO oc VALUES (1, 'x', 0), (3, 'c', 3), (3, 'd', 4), (4, 'a', 5) "
                             "ON CONFLICT DO NOTHING"),
            "INSERT 0 1");
  EXPECT_EQ(query_rows(c.get(), "INSERT INTO oc (id, code) VALUES (2, 'n'), (5, 'e') ON CONFLICT (id) DO NOTHING "
                                "RETURNING id, code"),
            (std::vector<Row>{{"5", "e"}}));
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO oc VALUES (6, 'a', 0) ON CONFLICT (id) DO NOTHING").sqlstate, "23505");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO oc VALUES (7, 'a', 0) ON CONFLICT ON CONSTRAINT oc_code_key DO NOTHING"),
            "INSERT 0 0");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO oc VALUES (8, 'h', 0) ON CONFLICT (v) DO NOTHING").sqlstate, "42P10");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO oc VALUES (8, 'h', 0) ON CONFLICT ON CONSTRAINT nope DO NOTHING").sqlstate,
            "42704");
  EXPECT_EQ(query_rows(c.get(), "SELECT id, code, v FROM oc ORDER BY id"),
            (std::vector<Row>{{"1", "a", "1"}, {"2", "b", "2"}, {"3", "c", "3"}, {"5", "e", std::nullopt}}));
  // A serial key takes its value whether or not the row goes in, as in PostgreSQL; in a
  // transaction, rows staged earlier count.
  exec_ok(c.get(), "DROP TABLE IF EXISTS ocs");
  exec_ok(c.get(), "CREATE TABLE ocs (id serial PRIMARY KEY, name text UNIQUE)");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO ocs (name) VALUES ('a')");
  EXPECT_EQ(query_rows(c.get(), "INSERT INTO ocs (name) VALUES ('a'), ('b') ON CONFLICT DO NOTHING RETURNING id, name"),
            (std::vector<Row>{{"3", "b"}}));
  exec_ok(c.get(), "COMMIT");
  // Without keys every row goes in; a target names no key.
  exec_ok(c.get(), "DROP TABLE IF EXISTS ocn");
  exec_ok(c.get(), "CREATE TABLE ocn (id integer)");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO ocn VALUES (1), (1) ON CONFLICT DO NOTHING"), "INSERT 0 2");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO ocn VALUES (1) ON CONFLICT (id) DO NOTHING").sqlstate, "42P10");
}

// INSERT ... ON CONFLICT ... DO UPDATE (upsert): a proposed row whose key is taken updates the row
// that has it (excluded names the proposed row), the others are inserted; RETURNING gives both.
// Through the extended protocol with parameters too.
TEST_F(LakeDdl, OnConflictDoUpdateUpdatesTakenKeys) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "DROP TABLE IF EXISTS up");
  exec_ok(c.get(), "CREATE TABLE up (k text PRIMARY KEY, v integer, hits integer DEFAULT 0, code integer UNIQUE)");
  exec_ok(c.get(), "INSERT INTO up VALUES ('a', 1, 0, 1), ('b', 2, 0, 2)");
  EXPECT_EQ(query_rows(c.get(), "INSERT INTO up VALUES ('a', 10, 0, 11), ('c', 3, 0, 3) ON CONFLICT (k) DO UPDATE "
                                "SET v = excluded.v, hits = up.hits + 1 RETURNING k, v, hits, code"),
            (std::vector<Row>{{"a", "10", "1", "1"}, {"c", "3", "0", "3"}}));
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO up AS t VALUES ('a', 5) ON CONFLICT ON CONSTRAINT up_pkey "
                            "DO UPDATE SET v = t.v + EXCLUDED.v, hits = t.hits + 1 WHERE t.v < 50"),
            "INSERT 0 1");
  // A bare column could be the table's or the proposed row's.
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO up VALUES ('a', 5) ON CONFLICT (k) DO UPDATE SET v = v + 1").sqlstate, "42702");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO up AS t VALUES ('a', 100) ON CONFLICT (k) DO UPDATE SET v = t.v + "
                                 "excluded.v WHERE t.v > 50"),
            "INSERT 0 0");
  EXPECT_EQ(exec_params_ok(c.get(), "INSERT INTO up (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
                           {"b", "20"}),
            "INSERT 0 1");
  EXPECT_EQ(exec_params_ok(c.get(), "INSERT INTO up (k, v) VALUES ($1, $2) ON CONFLICT (k) DO NOTHING", {"b", "30"}),
            "INSERT 0 0");
  SqlError e = exec_error(c.get(), "INSERT INTO up VALUES ('d', 1), ('d', 2) ON CONFLICT (k) DO UPDATE SET v = excluded.v");
  EXPECT_EQ(e.sqlstate, "21000");
  EXPECT_EQ(e.message, "ON CONFLICT DO UPDATE command cannot affect row a second time");
  // Another key is still checked: the update may not take a value of it another row has.
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO up VALUES ('a', 1) ON CONFLICT (k) DO UPDATE SET code = 2").sqlstate, "23505");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO up VALUES ('z', 1, 0, 2) ON CONFLICT (k) DO UPDATE SET v = 0").sqlstate, "23505");
  // In a transaction, undone by ROLLBACK TO.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "SAVEPOINT s");
  exec_ok(c.get(), "INSERT INTO up VALUES ('c', 0), ('e', 0) ON CONFLICT (k) DO UPDATE SET v = -1");
  exec_ok(c.get(), "ROLLBACK TO SAVEPOINT s");
  exec_ok(c.get(), "INSERT INTO up VALUES ('c', 7) ON CONFLICT (k) DO UPDATE SET v = excluded.v * 2");
  exec_ok(c.get(), "COMMIT");
  EXPECT_EQ(query_rows(c.get(), "SELECT k, v, hits, code FROM up ORDER BY k"),
            (std::vector<Row>{{"a", "15", "2", "1"}, {"b", "20", "0", "2"}, {"c", "14", "0", "3"}}));
}

// Two transactions that insert one key into a table cannot both commit: neither saw the other's
// row, so the second to commit fails with 40001 and can be retried. Different keys commit side by
// side, whether the other's rows went to a data file or were inlined.
TEST_F(LakeDdl, ConcurrentInsertsIntoKeyedTableSerialize) {
  if (reference_mode()) GTEST_SKIP() << "PostgreSQL makes the second insert wait for the first transaction";
  Conn a = conn(), b = conn();
  ASSERT_TRUE(a && b);
  exec_ok(a.get(), "DROP TABLE IF EXISTS pkc");
  exec_ok(a.get(), "CREATE TABLE pkc (id integer PRIMARY KEY, who text)");
  exec_ok(a.get(), "BEGIN");
  exec_ok(b.get(), "BEGIN");
  exec_ok(a.get(), "INSERT INTO pkc VALUES (1, 'a')");
  exec_ok(b.get(), "INSERT INTO pkc VALUES (1, 'b')");
  exec_ok(a.get(), "COMMIT");
  SqlError e = exec_error(b.get(), "COMMIT");
  EXPECT_EQ(e.sqlstate, "40001");
  EXPECT_EQ(e.message, "could not serialize access: a row with a key of \"pkc_pkey\" that this transaction inserted "
                       "was inserted into table \"main\".\"pkc\" by a concurrent transaction");
  EXPECT_EQ(query_rows(b.get(), "SELECT id, who FROM pkc"), (std::vector<Row>{{"1", "a"}}));
  exec_ok(a.get(), "BEGIN");
  exec_ok(b.get(), "BEGIN");
  exec_ok(a.get(), "INSERT INTO pkc VALUES (2, 'a')");                                      // inlined
  exec_ok(b.get(), "INSERT INTO pkc SELECT x, 'b' FROM generate_series(100, 150) g(x)");  // a file
  exec_ok(a.get(), "COMMIT");
  exec_ok(b.get(), "COMMIT");
  exec_ok(a.get(), "BEGIN");
  exec_ok(b.get(), "BEGIN");
  exec_ok(a.get(), "INSERT INTO pkc SELECT x, 'a' FROM generate_series(200, 250) g(x)");
  exec_ok(b.get(), "INSERT INTO pkc VALUES (3, 'b'), (301, 'b')");
  exec_ok(a.get(), "COMMIT");
  exec_ok(b.get(), "COMMIT");
  exec_ok(a.get(), "BEGIN");
  exec_ok(b.get(), "BEGIN");
  exec_ok(a.get(), "INSERT INTO pkc SELECT x, 'a' FROM generate_series(400, 450) g(x)");
  exec_ok(b.get(), "INSERT INTO pkc VALUES (5, 'b'), (450, 'b')");
  exec_ok(a.get(), "COMMIT");
  EXPECT_EQ(exec_error(b.get(), "COMMIT").sqlstate, "40001");
  EXPECT_EQ(query_value(a.get(), "SELECT count(*) || ',' || count(DISTINCT id) FROM pkc"), "157,157");
  // A table without keys takes both.
  exec_ok(a.get(), "DROP TABLE IF EXISTS nokey");
  exec_ok(a.get(), "CREATE TABLE nokey (id integer)");
  exec_ok(a.get(), "BEGIN");
  exec_ok(b.get(), "BEGIN");
  exec_ok(a.get(), "INSERT INTO nokey VALUES (1)");
  exec_ok(b.get(), "INSERT INTO nokey VALUES (1)");
  exec_ok(a.get(), "COMMIT");
  exec_ok(b.get(), "COMMIT");
  EXPECT_EQ(query_value(a.get(), "SELECT count(*) FROM nokey"), "2");
}

// FOREIGN KEY constraints, checked when each statement ends: the referencing side (INSERT,
// UPDATE, COPY) and the referenced side (DELETE, UPDATE of a key), with PostgreSQL's messages.
TEST_F(LakeDdl, ForeignKeysAreEnforced) {
  Conn c = conn();
  ASSERT_TRUE(c);
  for (const char *t : {"fkc", "fkc2", "fkp", "fkp2", "tree"}) exec_ok(c.get(), std::string("DROP TABLE IF EXISTS ") + t);
  exec_ok(c.get(), "CREATE TABLE fkp (id integer PRIMARY KEY, code text UNIQUE)");
  EXPECT_EQ(exec_ok(c.get(), "CREATE TABLE fkc (id integer, pid integer REFERENCES fkp, code text, "
                             "CONSTRAINT fkc_code FOREIGN KEY (code) REFERENCES fkp (code))"),
            "CREATE TABLE");
  exec_ok(c.get(), "INSERT INTO fkp VALUES (1, 'a'), (2, 'b'), (3, 'c')");
  exec_ok(c.get(), "INSERT INTO fkc VALUES (1, 1, 'a'), (2, NULL, NULL), (3, 1, NULL)");
  SqlError e = exec_error(c.get(), "INSERT INTO fkc VALUES (4, 9, NULL)");
  EXPECT_EQ(e.sqlstate, "23503");
  EXPECT_EQ(e.message, "insert or update on table \"fkc\" violates foreign key constraint \"fkc_pid_fkey\"");
  EXPECT_EQ(e.detail, "Key (pid)=(9) is not present in table \"fkp\".");
  e = exec_error(c.get(), "INSERT INTO fkc VALUES (4, 2, 'zz')");
  EXPECT_EQ(e.message, "insert or update on table \"fkc\" violates foreign key constraint \"fkc_code\"");
  EXPECT_EQ(e.detail, "Key (code)=(zz) is not present in table \"fkp\".");
  EXPECT_EQ(exec_error(c.get(), "UPDATE fkc SET pid = 7 WHERE id = 2").sqlstate, "23503");
  EXPECT_EQ(exec_params_error(c.get(), "INSERT INTO fkc VALUES ($1, $2, NULL)", {"5", "8"}).sqlstate, "23503");
  EXPECT_EQ(copy_in_error(c.get(), "COPY fkc FROM STDIN", "6\t2\t\\N\n7\t4\t\\N\n").sqlstate, "23503");
  // The referenced side: a referenced row cannot go, nor change its key.
  e = exec_error(c.get(), "DELETE FROM fkp WHERE id = 1");
  EXPECT_EQ(e.sqlstate, "23503");
  EXPECT_EQ(e.message, "update or delete on table \"fkp\" violates foreign key constraint \"fkc_pid_fkey\" on table \"fkc\"");
  EXPECT_EQ(e.detail, "Key (id)=(1) is still referenced from table \"fkc\".");
  EXPECT_EQ(exec_error(c.get(), "UPDATE fkp SET id = 10 WHERE id = 1").sqlstate, "23503");
  EXPECT_EQ(exec_error(c.get(), "UPDATE fkp SET code = 'x' WHERE id = 1").sqlstate, "23503");
  EXPECT_EQ(exec_ok(c.get(), "UPDATE fkp SET code = 'x' WHERE id = 2"), "UPDATE 1");
  EXPECT_EQ(exec_ok(c.get(), "DELETE FROM fkp WHERE id = 3"), "DELETE 1");
  // Referencing rows gone first, in the same transaction, free the referenced one.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "DELETE FROM fkc WHERE pid = 1");
  EXPECT_EQ(exec_ok(c.get(), "DELETE FROM fkp WHERE id = 1"), "DELETE 1");
  exec_ok(c.get(), "ROLLBACK");
  EXPECT_EQ(query_rows(c.get(), "SELECT id, pid, code FROM fkc ORDER BY id"),
            (std::vector<Row>{{"1", "1", "a"}, {"2", std::nullopt, std::nullopt}, {"3", "1", std::nullopt}}));
  // Several columns: a NULL in any of them lets the row be (MATCH SIMPLE).
  exec_ok(c.get(), "CREATE TABLE fkp2 (a integer, b integer, PRIMARY KEY (a, b))");
  exec_ok(c.get(), "CREATE TABLE fkc2 (a integer, b integer, FOREIGN KEY (a, b) REFERENCES fkp2)");
  exec_ok(c.get(), "INSERT INTO fkp2 VALUES (1, 1)");
  exec_ok(c.get(), "INSERT INTO fkc2 VALUES (1, 1), (1, NULL), (NULL, 5)");
  e = exec_error(c.get(), "INSERT INTO fkc2 VALUES (1, 2)");
  EXPECT_EQ(e.message, "insert or update on table \"fkc2\" violates foreign key constraint \"fkc2_a_b_fkey\"");
  EXPECT_EQ(e.detail, "Key (a, b)=(1, 2) is not present in table \"fkp2\".");
  // A table that references itself, rows that reference one another in one statement.
  exec_ok(c.get(), "CREATE TABLE tree (id integer PRIMARY KEY, parent integer REFERENCES tree (id))");
  exec_ok(c.get(), "INSERT INTO tree VALUES (1, NULL), (2, 1), (3, 2)");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO tree VALUES (4, 9)").sqlstate, "23503");
  EXPECT_EQ(exec_error(c.get(), "DELETE FROM tree WHERE id = 2").sqlstate, "23503");
  EXPECT_EQ(exec_ok(c.get(), "DELETE FROM tree WHERE id >= 2"), "DELETE 2");
  // Another session enforces them too.
  Conn other = conn();
  EXPECT_EQ(exec_error(other.get(), "INSERT INTO fkc VALUES (9, 9, NULL)").sqlstate, "23503");
  EXPECT_EQ(exec_error(other.get(), "DELETE FROM fkp").sqlstate, "23503");
}

// DEFERRABLE INITIALLY DEFERRED (Django declares every foreign key so): checked at COMMIT, or
// earlier when SET CONSTRAINTS makes the key IMMEDIATE.
TEST_F(LakeDdl, DeferredForeignKeysAreCheckedAtCommit) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "DROP TABLE IF EXISTS dfc");
  exec_ok(c.get(), "DROP TABLE IF EXISTS dfp");
  exec_ok(c.get(), "CREATE TABLE dfp (id integer PRIMARY KEY)");
  exec_ok(c.get(), "CREATE TABLE dfc (id integer, pid integer, code integer)");
  exec_ok(c.get(), "ALTER TABLE dfc ADD CONSTRAINT dfc_pid FOREIGN KEY (pid) REFERENCES dfp (id) DEFERRABLE INITIALLY DEFERRED");
  exec_ok(c.get(), "ALTER TABLE dfc ADD CONSTRAINT dfc_code FOREIGN KEY (code) REFERENCES dfp (id) DEFERRABLE");
  // The referenced row may come later in the transaction.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO dfc VALUES (1, 1, NULL)");
  exec_ok(c.get(), "INSERT INTO dfp VALUES (1)");
  EXPECT_EQ(exec_ok(c.get(), "COMMIT"), "COMMIT");
  // ... or never: the COMMIT fails and nothing is kept.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO dfc VALUES (2, 2, NULL)");
  SqlError e = exec_error(c.get(), "COMMIT");
  EXPECT_EQ(e.sqlstate, "23503");
  EXPECT_EQ(e.message, "insert or update on table \"dfc\" violates foreign key constraint \"dfc_pid\"");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM dfc"), "1");
  // Referencing rows deleted after the referenced one, in the same transaction.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "DELETE FROM dfp WHERE id = 1");
  exec_ok(c.get(), "DELETE FROM dfc WHERE pid = 1");
  exec_ok(c.get(), "COMMIT");
  // DEFERRABLE alone is checked at once, unless deferred for the transaction.
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO dfc VALUES (3, NULL, 5)").sqlstate, "23503");
  exec_ok(c.get(), "BEGIN");
  EXPECT_EQ(exec_ok(c.get(), "SET CONSTRAINTS ALL DEFERRED"), "SET CONSTRAINTS");
  exec_ok(c.get(), "INSERT INTO dfc VALUES (3, NULL, 5)");
  exec_ok(c.get(), "INSERT INTO dfp VALUES (5)");
  exec_ok(c.get(), "COMMIT");
  // SET CONSTRAINTS ... IMMEDIATE checks what waited.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO dfc VALUES (4, 7, NULL)");
  e = exec_error(c.get(), "SET CONSTRAINTS dfc_pid IMMEDIATE");
  EXPECT_EQ(e.sqlstate, "23503");
  EXPECT_EQ(e.detail, "Key (pid)=(7) is not present in table \"dfp\".");
  exec_ok(c.get(), "ROLLBACK");
  exec_ok(c.get(), "BEGIN");
  EXPECT_EQ(exec_error(c.get(), "SET CONSTRAINTS dfp_pkey DEFERRED").sqlstate, "42809");
  exec_ok(c.get(), "ROLLBACK");
  exec_ok(c.get(), "BEGIN");
  EXPECT_EQ(exec_error(c.get(), "SET CONSTRAINTS no_such_key DEFERRED").sqlstate, "42704");
  exec_ok(c.get(), "ROLLBACK");
  EXPECT_EQ(query_rows(c.get(), "SELECT id, pid, code FROM dfc ORDER BY id"),
            (std::vector<Row>{{"3", std::nullopt, "5"}}));
}

// Adding a foreign key checks the rows there; dropping what one depends on needs CASCADE.
TEST_F(LakeDdl, ForeignKeysAddedAndDropped) {
  Conn c = conn();
  ASSERT_TRUE(c);
  for (const char *t : {"afc", "afp", "afq"}) exec_ok(c.get(), std::string("DROP TABLE IF EXISTS ") + t + " CASCADE");
  exec_ok(c.get(), "CREATE TABLE afp (id integer PRIMARY KEY, code text UNIQUE, other integer)");
  exec_ok(c.get(), "CREATE TABLE afc (id integer, pid integer, label text)");
  exec_ok(c.get(), "INSERT INTO afp VALUES (1, 'a', 0)");
  exec_ok(c.get(), "INSERT INTO afc VALUES (1, 1, 'a'), (2, 3, 'y')");
  SqlError e = exec_error(c.get(), "ALTER TABLE afc ADD CONSTRAINT afc_pid FOREIGN KEY (pid) REFERENCES afp");
  EXPECT_EQ(e.sqlstate, "23503");
  EXPECT_EQ(e.message, "insert or update on table \"afc\" violates foreign key constraint \"afc_pid\"");
  EXPECT_EQ(e.detail, "Key (pid)=(3) is not present in table \"afp\".");
  e = exec_error(c.get(), "ALTER TABLE afc ADD FOREIGN KEY (pid) REFERENCES afp (other)");
  EXPECT_EQ(e.sqlstate, "42830");
  EXPECT_EQ(e.message, "there is no unique constraint matching given keys for referenced table \"afp\"");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE afc ADD FOREIGN KEY (pid, id) REFERENCES afp (id)").sqlstate, "42830");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE afc ADD FOREIGN KEY (nope) REFERENCES afp").sqlstate, "42703");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE afc ADD FOREIGN KEY (pid) REFERENCES afp (nope)").sqlstate, "42703");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE afc ADD FOREIGN KEY (pid) REFERENCES no_such_table").sqlstate, "42P01");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE afc ADD FOREIGN KEY (label) REFERENCES afp (id)").sqlstate, "42804");
  if (!reference_mode()) {
    // Actions that change other rows are not taken.
    EXPECT_EQ(exec_error(c.get(), "ALTER TABLE afc ADD FOREIGN KEY (pid) REFERENCES afp ON DELETE CASCADE").sqlstate, "0A000");
    EXPECT_EQ(exec_error(c.get(), "CREATE TABLE afq (pid integer REFERENCES afp ON UPDATE SET NULL)").sqlstate, "0A000");
  }
  exec_ok(c.get(), "DELETE FROM afc WHERE id = 2");
  exec_ok(c.get(), "ALTER TABLE afc ADD CONSTRAINT afc_pid FOREIGN KEY (pid) REFERENCES afp");
  exec_ok(c.get(), "ALTER TABLE afc ADD FOREIGN KEY (label) REFERENCES afp (code)");
  // What the keys depend on cannot go alone.
  e = exec_error(c.get(), "DROP TABLE afp");
  EXPECT_EQ(e.sqlstate, "2BP01");
  EXPECT_EQ(e.message, "cannot drop table afp because other objects depend on it");
  EXPECT_EQ(e.detail, "constraint afc_pid on table afc depends on table afp\n"
                      "constraint afc_label_fkey on table afc depends on table afp");
  e = exec_error(c.get(), "ALTER TABLE afp DROP CONSTRAINT afp_pkey");
  EXPECT_EQ(e.sqlstate, "2BP01");
  EXPECT_EQ(e.message, "cannot drop constraint afp_pkey on table afp because other objects depend on it");
  EXPECT_EQ(e.detail, "constraint afc_pid on table afc depends on index afp_pkey");
  e = exec_error(c.get(), "ALTER TABLE afp DROP COLUMN code");
  EXPECT_EQ(e.sqlstate, "2BP01");
  EXPECT_EQ(e.message, "cannot drop column code of table afp because other objects depend on it");
  // With CASCADE the foreign keys go; the rows stay.
  exec_ok(c.get(), "ALTER TABLE afp DROP COLUMN code CASCADE");
  exec_ok(c.get(), "INSERT INTO afc VALUES (5, 1, 'no longer checked')");
  exec_ok(c.get(), "ALTER TABLE afc DROP CONSTRAINT afc_pid");
  exec_ok(c.get(), "INSERT INTO afc VALUES (6, 99, NULL)");
  exec_ok(c.get(), "DELETE FROM afc WHERE id = 6");
  exec_ok(c.get(), "ALTER TABLE afc ADD CONSTRAINT afc_pid FOREIGN KEY (pid) REFERENCES afp");
  exec_ok(c.get(), "DROP TABLE afp CASCADE");
  exec_ok(c.get(), "INSERT INTO afc VALUES (7, 99, NULL)");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM pg_constraint WHERE conrelid = 'afc'::regclass"), "0");
  // Tables made in one transaction, one referencing the other; both dropped in one statement.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "CREATE TABLE afp (id integer PRIMARY KEY)");
  exec_ok(c.get(), "CREATE TABLE afq (pid integer REFERENCES afp)");
  exec_ok(c.get(), "INSERT INTO afp VALUES (1)");
  exec_ok(c.get(), "INSERT INTO afq VALUES (1)");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO afq VALUES (2)").sqlstate, "23503");
  exec_ok(c.get(), "ROLLBACK");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "CREATE TABLE afp (id integer PRIMARY KEY)");
  exec_ok(c.get(), "CREATE TABLE afq (pid integer REFERENCES afp)");
  exec_ok(c.get(), "INSERT INTO afp VALUES (1)");
  exec_ok(c.get(), "INSERT INTO afq VALUES (1)");
  exec_ok(c.get(), "COMMIT");
  Conn other = conn();
  EXPECT_EQ(exec_error(other.get(), "INSERT INTO afq VALUES (2)").sqlstate, "23503");
  EXPECT_EQ(exec_error(other.get(), "DELETE FROM afp").sqlstate, "23503");
  EXPECT_EQ(exec_error(other.get(), "DROP TABLE afp").sqlstate, "2BP01");
  exec_ok(other.get(), "DROP TABLE afp, afq");
  exec_ok(other.get(), "DROP TABLE afc");
  // A table's own foreign key depends on the column it references; dropping the referencing
  // column takes the key along. A foreign key depends on the unique key of exactly its columns.
  exec_ok(c.get(), "CREATE TABLE afs (id integer PRIMARY KEY, parent integer REFERENCES afs, a integer, b integer, "
                   "UNIQUE (a), UNIQUE (a, b))");
  exec_ok(c.get(), "CREATE TABLE aft (x integer, y integer, FOREIGN KEY (x, y) REFERENCES afs (a, b))");
  e = exec_error(c.get(), "ALTER TABLE afs DROP COLUMN id");
  EXPECT_EQ(e.sqlstate, "2BP01");
  EXPECT_EQ(e.detail, "constraint afs_parent_fkey on table afs depends on column id of table afs");
  exec_ok(c.get(), "ALTER TABLE afs DROP CONSTRAINT afs_a_key");
  e = exec_error(c.get(), "ALTER TABLE afs DROP CONSTRAINT afs_a_b_key");
  EXPECT_EQ(e.sqlstate, "2BP01");
  EXPECT_EQ(e.detail, "constraint aft_x_y_fkey on table aft depends on index afs_a_b_key");
  exec_ok(c.get(), "ALTER TABLE afs DROP COLUMN parent");
  exec_ok(c.get(), "ALTER TABLE afs DROP COLUMN id");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM pg_constraint WHERE conrelid = 'afs'::regclass"), "1");
  exec_ok(c.get(), "DROP TABLE aft, afs");
}

TEST_F(LakeDdl, ForeignKeysAreInTheCatalogs) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "DROP TABLE IF EXISTS cfc");
  exec_ok(c.get(), "DROP TABLE IF EXISTS cfp");
  exec_ok(c.get(), "CREATE TABLE cfp (a integer, b integer, PRIMARY KEY (a, b))");
  exec_ok(c.get(), "CREATE TABLE cfc (id integer, x integer, y integer, CONSTRAINT cfc_xy FOREIGN KEY (x, y) "
                   "REFERENCES cfp (a, b) ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED)");
  EXPECT_EQ(query_rows(c.get(), "SELECT conname, contype, conrelid::regclass::text, confrelid::regclass::text, "
                                "conkey, confkey, condeferrable, condeferred, confupdtype, confdeltype, "
                                "pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' AND conname = 'cfc_xy'"),
            (std::vector<Row>{{"cfc_xy", "f", "cfc", "cfp", "{2,3}", "{1,2}", "t", "t", "a", "r",
                               "FOREIGN KEY (x, y) REFERENCES cfp(a, b) ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT constraint_type, is_deferrable, initially_deferred FROM "
                                "information_schema.table_constraints WHERE constraint_name = 'cfc_xy'"),
            (std::vector<Row>{{"FOREIGN KEY", "YES", "YES"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT column_name, ordinal_position, position_in_unique_constraint FROM "
                                "information_schema.key_column_usage WHERE constraint_name = 'cfc_xy' ORDER BY 2"),
            (std::vector<Row>{{"x", "1", "1"}, {"y", "2", "2"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT unique_constraint_name, update_rule, delete_rule FROM "
                                "information_schema.referential_constraints WHERE constraint_name = 'cfc_xy'"),
            (std::vector<Row>{{"cfp_pkey", "NO ACTION", "RESTRICT"}}));
  // psql's \d shows both sides, as PostgreSQL's catalogs let it (relhastriggers).
  EXPECT_EQ(query_rows(c.get(), "SELECT relname, relhastriggers FROM pg_class WHERE relname IN ('cfp', 'cfc') ORDER BY 1"),
            (std::vector<Row>{{"cfc", "t"}, {"cfp", "t"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT conname FROM pg_catalog.pg_constraint r WHERE r.confrelid IN "
                                "(SELECT pg_catalog.pg_partition_ancestors('cfp'::regclass) UNION ALL "
                                "VALUES ('cfp'::pg_catalog.regclass)) AND r.contype = 'f'"),
            (std::vector<Row>{{"cfc_xy"}}));
}

// A row deleted while another transaction adds a row that references it: the second to commit
// fails with 40001 (each checked against its own snapshot).
TEST_F(LakeDdl, ConcurrentDeleteOfAReferencedRowSerializes) {
  if (reference_mode()) GTEST_SKIP() << "PostgreSQL makes the delete wait for the inserting transaction";
  Conn a = conn(), b = conn();
  ASSERT_TRUE(a && b);
  exec_ok(a.get(), "DROP TABLE IF EXISTS xfc");
  exec_ok(a.get(), "DROP TABLE IF EXISTS xfp");
  exec_ok(a.get(), "CREATE TABLE xfp (id integer PRIMARY KEY)");
  exec_ok(a.get(), "CREATE TABLE xfc (pid integer REFERENCES xfp)");
  exec_ok(a.get(), "INSERT INTO xfp VALUES (1), (2)");
  exec_ok(a.get(), "BEGIN");
  exec_ok(b.get(), "BEGIN");
  exec_ok(a.get(), "INSERT INTO xfc VALUES (1)");
  exec_ok(b.get(), "DELETE FROM xfp WHERE id = 1");
  exec_ok(a.get(), "COMMIT");
  EXPECT_EQ(exec_error(b.get(), "COMMIT").sqlstate, "40001");
  // And the other way round.
  exec_ok(a.get(), "BEGIN");
  exec_ok(b.get(), "BEGIN");
  exec_ok(b.get(), "DELETE FROM xfp WHERE id = 2");
  exec_ok(a.get(), "INSERT INTO xfc VALUES (2)");
  exec_ok(b.get(), "COMMIT");
  EXPECT_EQ(exec_error(a.get(), "COMMIT").sqlstate, "40001");
  EXPECT_EQ(query_rows(a.get(), "SELECT pid FROM xfc"), (std::vector<Row>{{"1"}}));
  EXPECT_EQ(query_rows(a.get(), "SELECT id FROM xfp"), (std::vector<Row>{{"1"}}));
  // A foreign key added (or a table with one made) while rows it would reference were deleted:
  // each side checked the rows of its own snapshot.
  exec_ok(a.get(), "INSERT INTO xfp VALUES (3), (4)");
  exec_ok(a.get(), "CREATE TABLE xfd (pid integer)");
  exec_ok(a.get(), "INSERT INTO xfd VALUES (3)");
  exec_ok(b.get(), "BEGIN");
  exec_ok(b.get(), "DELETE FROM xfp WHERE id = 3");
  exec_ok(a.get(), "ALTER TABLE xfd ADD FOREIGN KEY (pid) REFERENCES xfp");
  EXPECT_EQ(exec_error(b.get(), "COMMIT").sqlstate, "40001");
  exec_ok(b.get(), "BEGIN");
  exec_ok(b.get(), "DELETE FROM xfp WHERE id = 4");
  exec_ok(a.get(), "CREATE TABLE xfe (pid integer REFERENCES xfp)");
  exec_ok(a.get(), "INSERT INTO xfe VALUES (4)");
  EXPECT_EQ(exec_error(b.get(), "COMMIT").sqlstate, "40001");
  EXPECT_EQ(query_value(a.get(), "SELECT count(*) FROM xfp WHERE id IN (3, 4)"), "2");
  // A foreign key elsewhere, or one that was there before, changes nothing.
  exec_ok(b.get(), "BEGIN");
  exec_ok(b.get(), "DELETE FROM xfp WHERE id = 1 AND false");
  exec_ok(b.get(), "INSERT INTO xfp VALUES (5)");
  exec_ok(b.get(), "DELETE FROM xfp WHERE id = 5");
  exec_ok(a.get(), "ALTER TABLE xfe ADD COLUMN note text");
  EXPECT_EQ(exec_ok(b.get(), "COMMIT"), "COMMIT");
  for (const char *t : {"xfe", "xfd", "xfc", "xfp"}) exec_ok(a.get(), std::string("DROP TABLE ") + t);
}

TEST_F(LakeDdl, OtherConstraintsAreRefused) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "DROP TABLE IF EXISTS pk1");
  exec_ok(c.get(), "CREATE TABLE pk1 (id integer NOT NULL)");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE pk1 ADD CONSTRAINT pos CHECK (id > 0)").sqlstate, "0A000");
  // A foreign key needs a unique key on the other side.
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE pk1 ADD FOREIGN KEY (id) REFERENCES pk1 (id)").sqlstate, "42830");
  EXPECT_EQ(exec_error(c.get(), "CREATE TABLE ck1 (id integer check (id > 0))").sqlstate, "0A000");
  EXPECT_EQ(exec_error(c.get(), "CREATE TABLE ck2 (id integer, CONSTRAINT positive CHECK (id > 0))").sqlstate, "0A000");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE pk1 ADD COLUMN u integer unique").sqlstate, "0A000");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE pk1 ADD COLUMN k integer CHECK (k < 10)").sqlstate, "0A000");
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM ck1").sqlstate, "42P01");
  EXPECT_EQ(column_info(c.get(), "pk1"), (std::vector<Row>{{"id", "NO", std::nullopt}}));
  // The words as names and as text do not declare a constraint.
  exec_ok(c.get(), "CREATE TABLE words (unique_id integer, \"check\" text DEFAULT 'UNIQUE', \"primary\" integer NOT NULL)");
  exec_ok(c.get(), "ALTER TABLE words ADD COLUMN \"references\" text DEFAULT 'CHECK (x)'");
  exec_ok(c.get(), "INSERT INTO words (unique_id, \"primary\") VALUES (1, 2)");
  EXPECT_EQ(query_rows(c.get(), "SELECT unique_id, \"check\", \"primary\", \"references\" FROM words"),
            (std::vector<Row>{{"1", "UNIQUE", "2", "CHECK (x)"}}));
}

TEST_F(LakeDdl, DropTable) {
  Conn c = conn();
  ASSERT_TRUE(c);
  NoticeLog notices;
  notices.attach(c.get());
  exec_ok(c.get(), "CREATE TABLE dr1 (a integer)");
  exec_ok(c.get(), "INSERT INTO dr1 VALUES (1)");
  exec_ok(c.get(), "CREATE TABLE dr2 (a integer)");
  EXPECT_EQ(exec_ok(c.get(), "DROP TABLE dr1"), "DROP TABLE");
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM dr1").sqlstate, "42P01");
  EXPECT_EQ(exec_error(c.get(), "DROP TABLE dr1").sqlstate, "42P01");
  EXPECT_EQ(exec_ok(c.get(), "DROP TABLE IF EXISTS dr1"), "DROP TABLE");
  // DROP TABLE a, b with b missing fails as a whole.
  EXPECT_EQ(exec_error(c.get(), "DROP TABLE dr2, dr_missing").sqlstate, "42P01");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM dr2"), "0");
  exec_ok(c.get(), "CREATE TABLE dr3 (a integer)");
  EXPECT_EQ(exec_ok(c.get(), "DROP TABLE dr2, dr3"), "DROP TABLE");
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM dr3").sqlstate, "42P01");
  // A dropped name can be used again, with a new definition and no old rows.
  exec_ok(c.get(), "CREATE TABLE dr1 (b text)");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM dr1"), "0");
}

TEST_F(LakeDdl, AlterTableColumns) {
  Conn c = conn();
  ASSERT_TRUE(c);
  NoticeLog notices;
  notices.attach(c.get());
  exec_ok(c.get(), "CREATE TABLE al (id integer, name text, gone text)");
  exec_ok(c.get(), "INSERT INTO al VALUES (1, 'one', 'g1'), (2, 'two', 'g2')");
  EXPECT_EQ(exec_ok(c.get(), "ALTER TABLE al ADD COLUMN score integer DEFAULT 5"), "ALTER TABLE");
  EXPECT_EQ(exec_ok(c.get(), "ALTER TABLE al ADD COLUMN plain text"), "ALTER TABLE");
  EXPECT_EQ(exec_ok(c.get(), "ALTER TABLE al RENAME COLUMN name TO label"), "ALTER TABLE");
  EXPECT_EQ(exec_ok(c.get(), "ALTER TABLE al DROP COLUMN gone"), "ALTER TABLE");
  EXPECT_EQ(query_rows(c.get(), "SELECT * FROM al ORDER BY id"),
            (std::vector<Row>{{"1", "one", "5", std::nullopt}, {"2", "two", "5", std::nullopt}}));
  exec_ok(c.get(), "INSERT INTO al (id, label) VALUES (3, 'three')");
  EXPECT_EQ(query_rows(c.get(), "SELECT id, label, score FROM al WHERE id = 3"), (std::vector<Row>{{"3", "three", "5"}}));

  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE al ADD COLUMN label text").sqlstate, "42701");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE al DROP COLUMN nope").sqlstate, "42703");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE al RENAME COLUMN nope TO x").sqlstate, "42703");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE al RENAME COLUMN label TO score").sqlstate, "42701");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE no_such_table ADD COLUMN x integer").sqlstate, "42P01");
  notices.items.clear();
  EXPECT_EQ(exec_ok(c.get(), "ALTER TABLE al ADD COLUMN IF NOT EXISTS label text"), "ALTER TABLE");
  EXPECT_EQ(exec_ok(c.get(), "ALTER TABLE al DROP COLUMN IF EXISTS nope"), "ALTER TABLE");
  EXPECT_EQ(notices.items.size(), 2u);
  EXPECT_EQ(exec_ok(c.get(), "ALTER TABLE IF EXISTS no_such_table ADD COLUMN x integer"), "ALTER TABLE");

  // A dropped column's name can come back; it is a new column with no old values.
  exec_ok(c.get(), "ALTER TABLE al ADD COLUMN gone integer");
  EXPECT_EQ(query_value(c.get(), "SELECT count(gone) FROM al"), "0");
  // Several actions in one statement.
  EXPECT_EQ(exec_ok(c.get(), "ALTER TABLE al ADD COLUMN a1 integer DEFAULT 1, ADD COLUMN a2 integer DEFAULT 2"),
            "ALTER TABLE");
  EXPECT_EQ(query_value(c.get(), "SELECT sum(a1 + a2) FROM al"), "9");
}

TEST_F(LakeDdl, AlterDefaultsAndNotNull) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE ad (id integer, v text)");
  exec_ok(c.get(), "INSERT INTO ad VALUES (1, 'a')");
  EXPECT_EQ(exec_ok(c.get(), "ALTER TABLE ad ALTER COLUMN v SET DEFAULT 'dflt'"), "ALTER TABLE");
  exec_ok(c.get(), "INSERT INTO ad (id) VALUES (2)");
  EXPECT_EQ(exec_ok(c.get(), "ALTER TABLE ad ALTER COLUMN v DROP DEFAULT"), "ALTER TABLE");
  exec_ok(c.get(), "INSERT INTO ad (id) VALUES (3)");
  EXPECT_EQ(query_rows(c.get(), "SELECT id, v FROM ad ORDER BY id"),
            (std::vector<Row>{{"1", "a"}, {"2", "dflt"}, {"3", std::nullopt}}));

  // SET NOT NULL is refused while NULLs exist, then enforced.
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE ad ALTER COLUMN v SET NOT NULL").sqlstate, "23502");
  exec_ok(c.get(), "ALTER TABLE ad ALTER COLUMN id SET NOT NULL");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO ad (v) VALUES ('x')").sqlstate, "23502");
  EXPECT_EQ(column_info(c.get(), "ad")[0][1], "NO");
  exec_ok(c.get(), "ALTER TABLE ad ALTER COLUMN id DROP NOT NULL");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO ad (v) VALUES ('x')"), "INSERT 0 1");
  EXPECT_EQ(column_info(c.get(), "ad")[0][1], "YES");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM ad WHERE id IS NULL"), "1");
}

TEST_F(LakeDdl, RenameTable) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE rn_old (a integer)");
  exec_ok(c.get(), "INSERT INTO rn_old VALUES (1), (2)");
  exec_ok(c.get(), "CREATE TABLE rn_taken (a integer)");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE rn_old RENAME TO rn_taken").sqlstate, "42P07");
  EXPECT_EQ(exec_ok(c.get(), "ALTER TABLE rn_old RENAME TO rn_new"), "ALTER TABLE");
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM rn_old").sqlstate, "42P01");
  EXPECT_EQ(query_value(c.get(), "SELECT sum(a) FROM rn_new"), "3");
  exec_ok(c.get(), "INSERT INTO rn_new VALUES (3)");
  exec_ok(c.get(), "DELETE FROM rn_new WHERE a = 1");
  EXPECT_EQ(query_value(c.get(), "SELECT sum(a) FROM rn_new"), "5");
  // The old name is free again.
  exec_ok(c.get(), "CREATE TABLE rn_old (b text)");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM rn_old"), "0");
}

TEST_F(LakeDdl, WideningTypeChangeOnly) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE wt (a integer, s smallint, r real)");
  exec_ok(c.get(), "INSERT INTO wt VALUES (2147483647, 32767, 1.5)");
  EXPECT_EQ(exec_ok(c.get(), "ALTER TABLE wt ALTER COLUMN a TYPE bigint"), "ALTER TABLE");
  EXPECT_EQ(exec_ok(c.get(), "ALTER TABLE wt ALTER COLUMN s SET DATA TYPE integer"), "ALTER TABLE");
  EXPECT_EQ(exec_ok(c.get(), "ALTER TABLE wt ALTER COLUMN r TYPE double precision"), "ALTER TABLE");
  exec_ok(c.get(), "INSERT INTO wt VALUES (9223372036854775807, 2147483647, 2.25)");
  EXPECT_EQ(query_rows(c.get(), "SELECT a, s, r FROM wt ORDER BY a"),
            (std::vector<Row>{{"2147483647", "32767", "1.5"}, {"9223372036854775807", "2147483647", "2.25"}}));
  EXPECT_EQ(query_value(c.get(), "SELECT lower(data_type) FROM information_schema.columns WHERE table_name = 'wt' AND "
                                 "column_name = 'a'"),
            "bigint");
  // Narrowing, or to another family, would need the old files rewritten.
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE wt ALTER COLUMN a TYPE integer").sqlstate, "0A000");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE wt ALTER COLUMN s TYPE smallint").sqlstate, "0A000");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE wt ALTER COLUMN a TYPE text").sqlstate, "0A000");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM wt"), "2");
}

// character varying(n) and character(n): the lake's text has no length, so Mallard keeps the
// declared one, checks every way rows arrive against it (22001 with PostgreSQL's message, nothing
// written), and shows it in the catalogs, through ALTER TABLE and a restart.
TEST_F(LakeDdl, DeclaredLengthsAreKeptAndChecked) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE dl (id integer PRIMARY KEY, a varchar(3), b char(2), u character varying, o char, t text)");
  exec_ok(c.get(), "INSERT INTO dl VALUES (1, 'abc', 'xy', 'any length at all', 'q', 'x')");
  auto too_long = [&](const std::string &sql, const std::string &type) {
    auto e = exec_error(c.get(), sql);
    EXPECT_EQ(e.sqlstate, "22001") << sql;
    EXPECT_EQ(e.message, "value too long for type " + type) << sql;
  };
  too_long("INSERT INTO dl (id, a) VALUES (2, 'abcd')", "character varying(3)");
  too_long("INSERT INTO dl (id, b) VALUES (2, 'xyz')", "character(2)");
  too_long("INSERT INTO dl (id, o) VALUES (2, 'qq')", "character(1)");
  too_long("INSERT INTO dl (id, a) SELECT g, repeat('é', g) FROM generate_series(2, 5) AS s(g)", "character varying(3)");
  too_long("UPDATE dl SET a = a || 'd'", "character varying(3)");
  too_long("INSERT INTO dl (id, a) VALUES (1, 'abcd') ON CONFLICT (id) DO NOTHING", "character varying(3)");
  // Characters, not bytes, count; a bound parameter is checked as a literal is.
  exec_ok(c.get(), "INSERT INTO dl (id, a, b) VALUES (2, 'ééé', 'ü')");
  {
    const char *values[] = {"3", "wxyz"};
    Result r(PQexecParams(c.get(), "INSERT INTO dl (id, a) VALUES ($1, $2)", 2, nullptr, values, nullptr, nullptr, 0));
    EXPECT_EQ(error_of(r.get()).sqlstate, "22001");
  }
  Result copied = lake::copy_in(c.get(), "COPY dl (id, a) FROM STDIN", "3\tabc\n4\tabcd\n");
  EXPECT_EQ(error_of(copied.get()).sqlstate, "22001");
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(id || ':' || a, ',' ORDER BY id) FROM dl"), "1:abc,2:ééé");
  // The catalogs show the declared types.
  EXPECT_EQ(query_rows(c.get(), "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                                "'dl'::regclass AND attnum > 0 ORDER BY attnum"),
            (std::vector<Row>{{"id", "integer"}, {"a", "character varying(3)"}, {"b", "character(2)"},
                              {"u", "character varying"}, {"o", "character(1)"}, {"t", "text"}}));
  EXPECT_EQ(query_rows(c.get(), "SELECT column_name, data_type, udt_name, character_maximum_length FROM "
                                "information_schema.columns WHERE table_name = 'dl' AND column_name IN ('a', 'b') "
                                "ORDER BY ordinal_position"),
            (std::vector<Row>{{"a", "character varying", "varchar", "3"}, {"b", "character", "bpchar", "2"}}));
  // So do result columns that are the table's columns (RowDescription's type and modifier).
  {
    Result r = exec(c.get(), "SELECT a, b, u, t, a || '' FROM dl");
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
    std::vector<std::pair<Oid, int>> types;
    for (int i = 0; i < PQnfields(r.get()); ++i) types.emplace_back(PQftype(r.get(), i), PQfmod(r.get(), i));
    EXPECT_EQ(types, (std::vector<std::pair<Oid, int>>{{1043, 7}, {1042, 6}, {1043, -1}, {25, -1}, {25, -1}}));
  }
  // ALTER TABLE: an added column's default must fit; a shorter length must fit the rows (staged
  // ones too); a longer one or none lets longer values in.
  too_long("ALTER TABLE dl ADD COLUMN d varchar(2) DEFAULT 'abc'", "character varying(2)");
  exec_ok(c.get(), "ALTER TABLE dl ADD COLUMN d varchar(2) DEFAULT 'ab'");
  too_long("INSERT INTO dl (id, d) VALUES (5, 'abc')", "character varying(2)");
  too_long("ALTER TABLE dl ALTER COLUMN a TYPE varchar(2)", "character varying(2)");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO dl (id, u) VALUES (6, 'abcdef')");
  too_long("ALTER TABLE dl ALTER COLUMN u TYPE varchar(5)", "character varying(5)");
  exec_ok(c.get(), "ROLLBACK");
  exec_ok(c.get(), "ALTER TABLE dl ALTER COLUMN a TYPE varchar(10), ALTER COLUMN b TYPE text");
  exec_ok(c.get(), "ALTER TABLE dl RENAME COLUMN a TO aa");
  exec_ok(c.get(), "INSERT INTO dl (id, aa, b) VALUES (7, 'abcdefghij', 'long enough')");
  too_long("INSERT INTO dl (id, aa) VALUES (8, 'abcdefghijk')", "character varying(10)");
  // A new table in a transaction checks its rows before the commit.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "CREATE TABLE dl_new (v varchar(1))");
  too_long("INSERT INTO dl_new VALUES ('ab')", "character varying(1)");
  exec_ok(c.get(), "ROLLBACK");
  // LIKE copies the lengths.
  exec_ok(c.get(), "CREATE TABLE dl_like (LIKE dl)");
  too_long("INSERT INTO dl_like (id, o) VALUES (1, 'qq')", "character(1)");
  c.reset();

  ASSERT_EQ(server().stop(), 0) << server().log();
  ASSERT_TRUE(server().start()) << server().failure();
  c = conn();
  ASSERT_TRUE(c);
  EXPECT_EQ(query_rows(c.get(), "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                                "'dl'::regclass AND attnum > 0 ORDER BY attnum"),
            (std::vector<Row>{{"id", "integer"}, {"aa", "character varying(10)"}, {"b", "text"},
                              {"u", "character varying"}, {"o", "character(1)"}, {"t", "text"},
                              {"d", "character varying(2)"}}));
  too_long("INSERT INTO dl (id, aa) VALUES (8, 'abcdefghijk')", "character varying(10)");
  too_long("INSERT INTO dl (id, d) VALUES (8, 'abc')", "character varying(2)");
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(id || ':' || aa || ':' || d, ',' ORDER BY id) FROM dl"),
            "1:abc:ab,2:ééé:ab,7:abcdefghij:ab");
  exec_ok(c.get(), "DROP TABLE dl_like");
  exec_ok(c.get(), "DROP TABLE dl");
}

TEST_F(LakeDdl, ViewsOverLakeTablesSurviveRestart) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE vt (a integer, b text)");
  exec_ok(c.get(), "INSERT INTO vt VALUES (1, 'x'), (2, 'y'), (3, 'z')");
  EXPECT_EQ(exec_ok(c.get(), "CREATE VIEW vv AS SELECT a * 2 AS a2, b FROM vt WHERE a > 1"), "CREATE VIEW");
  EXPECT_EQ(query_rows(c.get(), "SELECT a2, b FROM vv ORDER BY a2"), (std::vector<Row>{{"4", "y"}, {"6", "z"}}));
  exec_ok(c.get(), "INSERT INTO vt VALUES (4, 'w')");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM vv"), "3");
  EXPECT_EQ(exec_error(c.get(), "CREATE VIEW vv AS SELECT 1").sqlstate, "42P07");
  EXPECT_EQ(exec_ok(c.get(), "CREATE OR REPLACE VIEW vv AS SELECT a * 3 AS a3 FROM vt"), "CREATE VIEW");
  EXPECT_EQ(query_value(c.get(), "SELECT max(a3) FROM vv"), "12");
  // The body is PostgreSQL SQL: / between integers truncates, in this session and in others.
  exec_ok(c.get(), "CREATE VIEW vdiv AS SELECT a / 2 AS half, 7.0 / 2 AS exact FROM vt WHERE a = 3");
  EXPECT_EQ(query_rows(c.get(), "SELECT half, exact FROM vdiv"), (std::vector<Row>{{"1", "3.5"}}));
  {
    Conn other = conn();
    ASSERT_TRUE(other);
    EXPECT_EQ(query_rows(other.get(), "SELECT half, exact FROM vdiv"), (std::vector<Row>{{"1", "3.5"}}));
  }
  exec_ok(c.get(), "CREATE VIEW vgone AS SELECT 1 AS one");
  EXPECT_EQ(exec_ok(c.get(), "DROP VIEW vgone"), "DROP VIEW");
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM vgone").sqlstate, "42P01");
  EXPECT_EQ(exec_ok(c.get(), "DROP VIEW IF EXISTS vgone"), "DROP VIEW");
  EXPECT_EQ(query_value(c.get(), "SELECT table_type FROM information_schema.tables WHERE table_name = 'vv'"), "VIEW");
  c.reset();

  ASSERT_EQ(server().stop(), 0) << server().log();
  ASSERT_TRUE(server().start()) << server().failure();
  c = conn();
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), "SELECT max(a3) FROM vv"), "12");
  EXPECT_EQ(query_rows(c.get(), "SELECT half, exact FROM vdiv"), (std::vector<Row>{{"1", "3.5"}}));
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM vgone").sqlstate, "42P01");
  exec_ok(c.get(), "INSERT INTO vt VALUES (5, 'v')");
  EXPECT_EQ(query_value(c.get(), "SELECT max(a3) FROM vv"), "15");
}

TEST_F(LakeDdl, CommentOnTable) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE cm (a integer)");
  EXPECT_EQ(exec_ok(c.get(), "COMMENT ON TABLE cm IS 'the comment''s text'"), "COMMENT");
  const char *by_catalog =
      "SELECT d.description FROM pg_description d JOIN pg_class c ON c.oid = d.objoid WHERE c.relname = 'cm' "
      "AND d.objsubid = 0";
  EXPECT_EQ(query_value(c.get(), by_catalog), "the comment's text");
  // Survives a restart (ducklake_tag) and can be removed.
  c.reset();
  ASSERT_EQ(server().stop(), 0) << server().log();
  ASSERT_TRUE(server().start()) << server().failure();
  c = conn();
  ASSERT_TRUE(c);
  EXPECT_EQ(query_value(c.get(), by_catalog), "the comment's text");
  exec_ok(c.get(), "COMMENT ON TABLE cm IS NULL");
  EXPECT_EQ(query_rows(c.get(), by_catalog).size(), 0u);
  EXPECT_EQ(exec_error(c.get(), "COMMENT ON TABLE no_such_table IS 'x'").sqlstate, "42P01");
}

TEST_F(LakeDdl, ObjDescriptionShowsTableComment) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE cm2 (a integer)");
  exec_ok(c.get(), "COMMENT ON TABLE cm2 IS 'described'");
  EXPECT_EQ(query_value(c.get(), "SELECT obj_description('cm2'::regclass, 'pg_class')"), "described");
}

// Column comments live in ducklake_column_tag: they survive writes to the table (which rebuild
// its view), renames of the column, and a restart; a table created in the same transaction takes
// them too.
TEST_F(LakeDdl, CommentOnColumn) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE cc (a integer, b text)");
  EXPECT_EQ(exec_ok(c.get(), "COMMENT ON COLUMN cc.a IS 'the a'"), "COMMENT");
  exec_ok(c.get(), "COMMENT ON TABLE cc IS 'table'");
  exec_ok(c.get(), "INSERT INTO cc VALUES (1, 'x')");
  exec_ok(c.get(), "COMMENT ON COLUMN public.cc.b IS 'the b'");
  exec_ok(c.get(), "ALTER TABLE cc RENAME COLUMN b TO bb");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "CREATE TABLE cc_new (x integer, y integer)");
  exec_ok(c.get(), "COMMENT ON COLUMN cc_new.y IS 'why'");
  exec_ok(c.get(), "COMMIT");
  const char *q = "SELECT attname, col_description(attrelid, attnum) FROM pg_attribute "
                  "WHERE attrelid IN ('cc'::regclass, 'cc_new'::regclass) AND attnum > 0 ORDER BY attname";
  const std::vector<Row> want = {{"a", "the a"}, {"bb", "the b"}, {"x", std::nullopt}, {"y", "why"}};
  EXPECT_EQ(query_rows(c.get(), q), want);
  c.reset();
  ASSERT_EQ(server().stop(), 0) << server().log();
  ASSERT_TRUE(server().start()) << server().failure();
  c = conn();
  ASSERT_TRUE(c);
  EXPECT_EQ(query_rows(c.get(), q), want);
  EXPECT_EQ(query_value(c.get(), "SELECT obj_description('cc'::regclass, 'pg_class')"), "table");
  exec_ok(c.get(), "COMMENT ON COLUMN cc.a IS NULL");
  EXPECT_EQ(query_rows(c.get(), "SELECT col_description('cc'::regclass, 1)")[0][0], std::nullopt);
  EXPECT_EQ(exec_error(c.get(), "COMMENT ON COLUMN cc.nope IS 'x'").sqlstate, "42703");
  EXPECT_EQ(exec_error(c.get(), "COMMENT ON COLUMN nope.a IS 'x'").sqlstate, "42P01");
  EXPECT_EQ(exec_error(c.get(), "COMMENT ON COLUMN a IS 'x'").sqlstate, "42601");
}

// The lake keeps schemas, tables and views. A sequence, macro or type would live in DuckDB's
// memory only and be gone after a restart, and a table whose default draws from a sequence could
// not be set up again then: all refused with 0A000. Temporary ones serve the session.
TEST_F(LakeDdl, ObjectsTheLakeDoesNotKeepAreRefused) {
  Conn c = conn();
  ASSERT_TRUE(c);
  for (const char *q : {"CREATE SEQUENCE ls_seq", "CREATE MACRO ls_m(x) AS x + 1", "CREATE OR REPLACE FUNCTION ls_f(x) AS x",
                        "CREATE TYPE ls_t AS ENUM ('a', 'b')", "CREATE SEQUENCE IF NOT EXISTS main.ls_seq"})
    EXPECT_EQ(exec_error(c.get(), q).sqlstate, "0A000") << q;
  exec_ok(c.get(), "CREATE TEMP SEQUENCE ls_tmp_seq");
  exec_ok(c.get(), "CREATE TEMP MACRO ls_tmp_m(x) AS x + 1");
  EXPECT_EQ(query_value(c.get(), "SELECT ls_tmp_m(CAST(nextval('ls_tmp_seq') AS INTEGER))"), "2");
  EXPECT_EQ(exec_error(c.get(), "CREATE TABLE ls_tab (id bigint DEFAULT nextval('ls_tmp_seq'))").sqlstate, "0A000");
  exec_ok(c.get(), "CREATE TABLE ls_tab (id bigint DEFAULT 7)");
  EXPECT_EQ(exec_error(c.get(), "ALTER TABLE ls_tab ALTER COLUMN id SET DEFAULT nextval('ls_tmp_seq')").sqlstate, "0A000");
  // Nothing of it stands in the way of a restart.
  c.reset();
  ASSERT_EQ(server().stop(), 0) << server().log();
  ASSERT_TRUE(server().start()) << server().failure();
  c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "INSERT INTO ls_tab DEFAULT VALUES");
  EXPECT_EQ(query_value(c.get(), "SELECT id FROM ls_tab"), "7");
}

}  // namespace
}  // namespace mallard::it
