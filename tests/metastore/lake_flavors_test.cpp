// Lake tables on PostgreSQL- and CockroachDB-flavored metadata stores: what the lake does on the
// embedded store works the same on both flavors; an empty store gets a new DuckLake 1.0 catalog and
// one that holds a catalog is attached as it is; one process serves warehouses of both flavors
// (and an embedded one) side by side; an unknown flavor is refused naming the accepted values.

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "metastore/fixture.hpp"

namespace mallard::it {
namespace {

using namespace std::chrono_literals;

// COPY ... FROM STDIN with `data` as the whole input; returns the command tag or the error.
std::string copy_in(PGconn *c, const std::string &sql, const std::string &data) {
  Result r = exec(c, sql);
  if (!r || PQresultStatus(r.get()) != PGRES_COPY_IN) return "error: " + error_of(r.get()).message;
  if (PQputCopyData(c, data.data(), static_cast<int>(data.size())) != 1 || PQputCopyEnd(c, nullptr) != 1)
    return std::string("error: ") + PQerrorMessage(c);
  Result done(PQgetResult(c));
  while (PGresult *extra = PQgetResult(c)) PQclear(extra);
  if (PQresultStatus(done.get()) != PGRES_COMMAND_OK) return "error: " + error_of(done.get()).message;
  return PQcmdStatus(done.get());
}

class LakeOnFlavor : public MetastoreSuite, public ::testing::WithParamInterface<StoreFlavor> {
 protected:
  // A store for this test and the URI mallard uses for it: the cockroachdb flavor always goes
  // through a faultproxy (no faults here), which refuses ctid and binary COPY TO as CockroachDB does.
  std::string store_uri(const StoreEndpoint &e) {
    if (GetParam() == StoreFlavor::kCockroach) {
      proxy_ = &add_proxy(e);
      return uri(e, GetParam(), proxy_->port());
    }
    return uri(e, GetParam());
  }
  faultproxy::Proxy *proxy_ = nullptr;
};

TEST_P(LakeOnFlavor, EverythingTheLakeDoesWorks) {
  StoreEndpoint e = new_store(GetParam(), std::string("features_") + flavor_param(GetParam()));
  Server m(mallard_options(store_uri(e), e));
  ASSERT_TRUE(m.start()) << m.failure();
  Conn c = connect(m);
  ASSERT_TRUE(c);
  // The empty database became a DuckLake 1.0 catalog.
  {
    Conn s = admin(e);
    ASSERT_TRUE(s);
    EXPECT_EQ(query_value(s.get(), "SELECT value FROM ducklake_metadata WHERE key = 'version' AND scope IS NULL"), "1.0");
    EXPECT_EQ(query_value(s.get(),
                          "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'ducklake\\_%' AND "
                          "table_schema = 'public'"),
              "28");
  }
  exec_ok(c.get(), "CREATE SCHEMA s");
  exec_ok(c.get(), "CREATE TABLE s.t (id integer NOT NULL, v text DEFAULT 'none')");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO s.t VALUES (1, 'a'), (2, 'b'), (3, 'c')"), "INSERT 0 3");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO s.t (id) VALUES (4)"), "INSERT 0 1");
  EXPECT_EQ(exec_ok(c.get(), "UPDATE s.t SET v = 'B' WHERE id = 2"), "UPDATE 1");
  EXPECT_EQ(exec_ok(c.get(), "DELETE FROM s.t WHERE id = 3"), "DELETE 1");
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(id || ':' || v, ',' ORDER BY id) FROM s.t"), "1:a,2:B,4:none");
  // NOT NULL is enforced, and a failed statement commits nothing.
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO s.t VALUES (NULL, 'x')").sqlstate, "23502");
  // Schema changes.
  exec_ok(c.get(), "ALTER TABLE s.t ADD COLUMN n integer");
  exec_ok(c.get(), "UPDATE s.t SET n = id * 10");
  exec_ok(c.get(), "ALTER TABLE s.t RENAME TO u");
  EXPECT_EQ(query_value(c.get(), "SELECT sum(n) FROM s.u"), "70");
  EXPECT_EQ(exec_error(c.get(), "SELECT * FROM s.t").sqlstate, "42P01");
  exec_ok(c.get(), "CREATE VIEW s.big AS SELECT id FROM s.u WHERE n > 10");
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(id::text, ',' ORDER BY id) FROM s.big"), "2,4");
  // COPY FROM STDIN and the extended protocol.
  EXPECT_EQ(copy_in(c.get(), "COPY s.u (id, v, n) FROM STDIN", "5\tfive\t50\n6\tsix\t60\n"), "COPY 2");
  {
    const char *values[] = {"7", "seven"};
    Result r(PQexecParams(c.get(), "INSERT INTO s.u (id, v) VALUES ($1, $2)", 2, nullptr, values, nullptr, nullptr, 0));
    EXPECT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  }
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM s.u"), "6");
  // Small inserts are inlined into the store; a larger one is written as a Parquet file.
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO s.u SELECT i, 'bulk', i FROM generate_series(1000, 1199) AS g(i)"),
            "INSERT 0 200");
  EXPECT_EQ(exec_ok(c.get(), "DELETE FROM s.u WHERE id >= 1000 AND id < 1100"), "DELETE 100");
  EXPECT_EQ(exec_ok(c.get(), "UPDATE s.u SET v = 'bulk2' WHERE id >= 1150"), "UPDATE 50");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) || '/' || count(*) FILTER (WHERE v = 'bulk2') FROM s.u WHERE id >= 1000"),
            "100/50");
  exec_ok(c.get(), "DELETE FROM s.u WHERE id >= 1000");
  {
    Conn st = admin(e);
    EXPECT_NE(query_value(st.get(), "SELECT count(*) FROM ducklake_data_file"), "0");
  }
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM s.u"), "6");
  // Transactions: ROLLBACK leaves nothing; COMMIT of two tables is one snapshot.
  exec_ok(c.get(), "CREATE TABLE other (k bigint)");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO s.u (id) VALUES (100)");
  exec_ok(c.get(), "ROLLBACK");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM s.u WHERE id = 100"), "0");
  std::string before = query_value(c.get(), "SELECT max(snapshot_id) FROM ducklake_snapshots()");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO s.u (id) VALUES (8)");
  exec_ok(c.get(), "INSERT INTO other VALUES (1), (2)");
  exec_ok(c.get(), "COMMIT");
  std::string after = query_value(c.get(), "SELECT max(snapshot_id) FROM ducklake_snapshots()");
  EXPECT_EQ(std::stoll(after), std::stoll(before) + 1);
  // Commit message and author label the snapshot, in the store.
  exec_ok(c.get(), "SET mallard.commit_message = 'nightly load'");
  exec_ok(c.get(), "SET mallard.commit_author = 'etl'");
  exec_ok(c.get(), "INSERT INTO other VALUES (3)");
  {
    Conn s = admin(e);
    EXPECT_EQ(query_value(s.get(),
                          "SELECT author || '/' || commit_message FROM ducklake_snapshot_changes WHERE snapshot_id = "
                          "(SELECT max(snapshot_id) FROM ducklake_snapshot)"),
              "etl/nightly load");
  }
  // Time travel.
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM other AT (VERSION => " + before + ")"), "0");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM other AT (VERSION => " + after + ")"), "2");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM other"), "3");
  // Conflicting deletes of the same rows: one transaction wins, the other gets 40001.
  {
    Conn c2 = connect(m);
    exec_ok(c.get(), "BEGIN");
    exec_ok(c2.get(), "BEGIN");
    exec_ok(c.get(), "DELETE FROM other WHERE k = 1");
    exec_ok(c2.get(), "DELETE FROM other WHERE k = 1");
    exec_ok(c.get(), "COMMIT");
    Result r = exec(c2.get(), "COMMIT");
    EXPECT_EQ(error_of(r.get()).sqlstate, "40001") << error_of(r.get());
    EXPECT_EQ(query_value(c.get(), "SELECT string_agg(k::text, ',' ORDER BY k) FROM other"), "2,3");
  }
  // TRUNCATE and DROP.
  exec_ok(c.get(), "TRUNCATE other");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM other"), "0");
  exec_ok(c.get(), "DROP TABLE other");
  exec_ok(c.get(), "DROP VIEW s.big");
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(id::text, ',' ORDER BY id) FROM s.u"), "1,2,4,5,6,7,8");
  // pg_catalog shows the lake table.
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 's' AND tablename = 'u'"),
            "1");
  // Nested columns: inlined (as text in the store's inlined-data table) and in a Parquet file.
  exec_ok(c.get(), "CREATE TABLE nest (id integer, pt STRUCT(x integer, tags varchar[]), m MAP(varchar, integer))");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO nest VALUES (1, {'x': 1, 'tags': ['a', 'b']}, MAP {'k': 5})"), "INSERT 0 1");
  EXPECT_EQ(exec_ok(c.get(), "INSERT INTO nest SELECT i, {'x': i, 'tags': [i::varchar]}, MAP {'k': i} "
                             "FROM generate_series(2, 101) g(i)"),
            "INSERT 0 100");
  EXPECT_EQ(query_value(c.get(), "SELECT sum(pt.x) || '/' || sum(m['k']) || '/' || string_agg(pt.tags[2], ',') FROM nest"),
            "5151/5155/b");
  // A transaction reads the table without the rows it deleted; others and the store see them
  // gone once it commits.
  exec_ok(c.get(), "BEGIN");
  EXPECT_EQ(exec_ok(c.get(), "DELETE FROM nest WHERE id <= 51"), "DELETE 51");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) || '/' || min(id) FROM nest"), "50/52");
  {
    Conn c2 = connect(m);
    EXPECT_EQ(query_value(c2.get(), "SELECT count(*) FROM nest"), "101");
  }
  exec_ok(c.get(), "COMMIT");
  {
    Conn c2 = connect(m);
    EXPECT_EQ(query_value(c2.get(), "SELECT count(*) || '/' || min(id) FROM nest"), "50/52");
  }

  // Small commits, each followed by another session's same query: it sees every inlined row
  // added and ended (a refresh reads back only the rows a commit changed).
  exec_ok(c.get(), "CREATE TABLE small (k integer)");
  {
    Conn r = connect(m);
    std::set<int> live;
    for (int i = 1; i <= 8; ++i) {
      exec_ok(c.get(), "INSERT INTO small VALUES (" + std::to_string(i) + ")");
      live.insert(i);
      if (i % 2 == 0) {
        exec_ok(c.get(), "DELETE FROM small WHERE k = " + std::to_string(i - 1));
        live.erase(i - 1);
      }
      std::string expected;
      for (int k : live) expected += (expected.empty() ? "" : ",") + std::to_string(k);
      EXPECT_EQ(query_value(r.get(), "SELECT coalesce(string_agg(CAST(k AS text), ',' ORDER BY k), '') FROM small"),
                expected)
          << "after commit " << i;
    }
  }

  Conn s = admin(e);
  auto violations = catalog_violations(s.get());
  EXPECT_TRUE(violations.empty()) << ::testing::PrintToString(violations);
  if (proxy_) {
    // Mallard never asks a CockroachDB-flavored store for what CockroachDB refuses.
    EXPECT_EQ(proxy_->stats().refused_ctid, 0u);
    EXPECT_EQ(proxy_->stats().refused_binary_copy, 0u);
    EXPECT_GT(proxy_->stats().connections, 0u);
  }
}

// Another writer may take rows out of an inlined-data table (the ducklake extension does when it
// flushes them to a file) in a snapshot that only records row changes: Mallard, which otherwise
// reads back only the rows added or ended since its last snapshot, must then read them in full.
TEST_P(LakeOnFlavor, RowsTakenOutOfAnInlinedDataTableByAnotherWriterAreGone) {
  StoreEndpoint e = new_store(GetParam(), std::string("taken_") + flavor_param(GetParam()));
  Server m(mallard_options(store_uri(e), e));
  ASSERT_TRUE(m.start()) << m.failure();
  Conn c = connect(m);
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE fl (k integer)");
  exec_ok(c.get(), "INSERT INTO fl VALUES (1), (2), (3)");
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(CAST(k AS text), ',' ORDER BY k) FROM fl"), "1,2,3");
  Conn s = admin(e);
  ASSERT_TRUE(s);
  std::string id = query_value(s.get(), "SELECT table_id FROM ducklake_table WHERE table_name = 'fl'");
  std::string inlined = query_value(s.get(), "SELECT table_name FROM ducklake_inlined_data_tables WHERE table_id = " + id);
  exec_ok(s.get(), "BEGIN");
  exec_ok(s.get(), "DELETE FROM \"" + inlined + "\" WHERE \"k\" = 2");
  exec_ok(s.get(), "INSERT INTO ducklake_snapshot SELECT snapshot_id + 1, now(), schema_version, next_catalog_id, "
                   "next_file_id FROM ducklake_snapshot ORDER BY snapshot_id DESC LIMIT 1");
  exec_ok(s.get(), "INSERT INTO ducklake_snapshot_changes SELECT max(snapshot_id), 'deleted_from_table:" + id +
                       "', NULL, NULL, NULL FROM ducklake_snapshot");
  exec_ok(s.get(), "COMMIT");
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(CAST(k AS text), ',' ORDER BY k) FROM fl"), "1,3");
  exec_ok(c.get(), "INSERT INTO fl VALUES (4)");
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(CAST(k AS text), ',' ORDER BY k) FROM fl"), "1,3,4");
}

TEST_P(LakeOnFlavor, AStoreHoldingACatalogIsAttachedAsItIs) {
  StoreEndpoint e = new_store(GetParam(), std::string("attach_") + flavor_param(GetParam()));
  std::string u = store_uri(e);
  std::string snapshots;
  Server a(mallard_options(u, e));  // stopped below; its data directory (the lake's files) stays
  {
    ASSERT_TRUE(a.start()) << a.failure();
    Conn c = connect(a);
    exec_ok(c.get(), "CREATE TABLE kept (k integer, label text)");
    exec_ok(c.get(), "INSERT INTO kept VALUES (1, 'one'), (2, 'two')");
    c.reset();
    EXPECT_EQ(a.stop(), 0);
    Conn s = admin(e);
    snapshots = query_value(s.get(), "SELECT count(*) FROM ducklake_snapshot");
  }
  // Another mallard, with its own data directory, on the same store: the catalog (and the data
  // path recorded in it) is used as it is, with no new snapshot for attaching.
  Server b(mallard_options(u, e));
  ASSERT_TRUE(b.start()) << b.failure();
  Conn c = connect(b);
  ASSERT_TRUE(c) << b.log();
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(k || label, ',' ORDER BY k) FROM kept"), "1one,2two");
  Conn s = admin(e);
  EXPECT_EQ(query_value(s.get(), "SELECT count(*) FROM ducklake_snapshot"), snapshots);
  exec_ok(c.get(), "INSERT INTO kept VALUES (3, 'three')");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM kept"), "3");
  auto violations = catalog_violations(s.get());
  EXPECT_TRUE(violations.empty()) << ::testing::PrintToString(violations);
}

// Serial columns draw from counters kept in the store: sessions inserting at once (their counter
// updates collide, and a CockroachDB-flavored store retries them) never get the same value, and
// another process on the store goes on from where they stopped. Keys hold there too.
TEST_P(LakeOnFlavor, CountersAndKeysAreKeptInTheStore) {
  StoreEndpoint e = new_store(GetParam(), std::string("counters_") + flavor_param(GetParam()));
  std::string u = store_uri(e);
  Server a(mallard_options(u, e));
  {
    ASSERT_TRUE(a.start()) << a.failure();
    Conn c = connect(a);
    ASSERT_TRUE(c);
    exec_ok(c.get(), "CREATE TABLE counted (id bigserial, who integer)");
    exec_ok(c.get(), "CREATE TABLE keyed (id serial PRIMARY KEY, name text UNIQUE)");
    exec_ok(c.get(), "CREATE TABLE coded (code varchar(3), flag char, note varchar)");
    exec_ok(c.get(), "COMMENT ON COLUMN coded.flag IS 'one letter'");
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w)
      writers.emplace_back([&, w] {
        Conn wc = connect(a);
        for (int i = 0; i < 25; ++i)
          exec_ok(wc.get(), "INSERT INTO counted (who) VALUES (" + std::to_string(w) + "), (" + std::to_string(w) + ")");
      });
    for (auto &t : writers) t.join();
    EXPECT_EQ(query_value(c.get(), "SELECT count(*) || '/' || count(DISTINCT id) || '/' || min(id) || '/' || max(id) "
                                   "FROM counted"),
              "200/200/1/200");
    exec_ok(c.get(), "INSERT INTO keyed (name) VALUES ('a'), ('b')");
    EXPECT_EQ(exec_error(c.get(), "INSERT INTO keyed (name) VALUES ('a')").sqlstate, "23505");
    // A foreign key between two tables made in one transaction (by their ids once committed).
    exec_ok(c.get(), "BEGIN");
    exec_ok(c.get(), "CREATE TABLE owners (id integer PRIMARY KEY)");
    exec_ok(c.get(), "CREATE TABLE pets (owner integer REFERENCES owners DEFERRABLE INITIALLY DEFERRED)");
    exec_ok(c.get(), "INSERT INTO pets VALUES (1)");
    exec_ok(c.get(), "INSERT INTO owners VALUES (1), (2)");
    exec_ok(c.get(), "COMMIT");
    c.reset();
    EXPECT_EQ(a.stop(), 0);
  }
  Server b(mallard_options(u, e));
  ASSERT_TRUE(b.start()) << b.failure();
  Conn c = connect(b);
  ASSERT_TRUE(c) << b.log();
  EXPECT_EQ(query_value(c.get(), "INSERT INTO counted (who) VALUES (9) RETURNING id"), "201");
  EXPECT_EQ(query_value(c.get(), "INSERT INTO keyed (name) VALUES ('c') RETURNING id"), "4");
  SqlError dup = exec_error(c.get(), "INSERT INTO keyed VALUES (1, 'z')");
  EXPECT_EQ(dup.sqlstate, "23505");
  EXPECT_EQ(dup.message, "duplicate key value violates unique constraint \"keyed_pkey\"");
  EXPECT_EQ(exec_error(c.get(), "DELETE FROM owners WHERE id = 1").sqlstate, "23503");
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO pets VALUES (3)");
  EXPECT_EQ(exec_error(c.get(), "COMMIT").sqlstate, "23503");
  EXPECT_EQ(exec_ok(c.get(), "DELETE FROM owners WHERE id = 2"), "DELETE 1");
  // Declared character types and lengths are column tags in the store.
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO coded (code) VALUES ('abcd')").sqlstate, "22001");
  exec_ok(c.get(), "ALTER TABLE coded ALTER COLUMN code TYPE varchar(4)");
  exec_ok(c.get(), "INSERT INTO coded (code) VALUES ('abcd')");
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(format_type(atttypid, atttypmod), ',' ORDER BY attnum) FROM "
                                 "pg_attribute WHERE attrelid = 'coded'::regclass AND attnum > 0"),
            "character varying(4),character(1),character varying");
  // Rows and columns changed in one transaction (a migration): the inlined rows staged before
  // and after the ALTER are committed under the new schema version, with the old ones.
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO keyed (name) VALUES ('d')");
  exec_ok(c.get(), "ALTER TABLE keyed ADD COLUMN score integer DEFAULT 0");
  exec_ok(c.get(), "UPDATE keyed SET score = id * 10 WHERE name <> 'b'");
  exec_ok(c.get(), "INSERT INTO keyed (name, score) VALUES ('e', 99)");
  exec_ok(c.get(), "ALTER TABLE keyed RENAME COLUMN name TO label");
  exec_ok(c.get(), "COMMIT");
  EXPECT_EQ(query_value(c.get(), "SELECT string_agg(label || ':' || score, ',' ORDER BY id) FROM keyed"),
            "a:10,b:0,c:40,d:50,e:99");
  EXPECT_EQ(exec_error(c.get(), "INSERT INTO keyed (label) VALUES ('e')").sqlstate, "23505");
  // Concurrent inserts into a keyed table: different keys both commit (their rows in the store
  // and in a data file), one key only once.
  exec_ok(c.get(), "CREATE TABLE racing (k integer PRIMARY KEY)");
  Conn d = connect(b);
  ASSERT_TRUE(d);
  for (const char *mine : {"VALUES (1)", "SELECT x FROM generate_series(100, 150) g(x)"}) {
    exec_ok(c.get(), "BEGIN");
    exec_ok(d.get(), "BEGIN");
    exec_ok(c.get(), std::string("INSERT INTO racing ") + mine);
    exec_ok(d.get(), "INSERT INTO racing VALUES (2), (3)");
    exec_ok(c.get(), "COMMIT");
    EXPECT_EQ(exec_ok(d.get(), "COMMIT"), "COMMIT");
    exec_ok(c.get(), "DELETE FROM racing WHERE k IN (2, 3)");
  }
  exec_ok(c.get(), "BEGIN");
  exec_ok(d.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO racing VALUES (7)");
  exec_ok(d.get(), "INSERT INTO racing VALUES (7)");
  exec_ok(c.get(), "COMMIT");
  EXPECT_EQ(exec_error(d.get(), "COMMIT").sqlstate, "40001");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) || ',' || count(DISTINCT k) FROM racing"), "53,53");
  // Tables changed (altered, or a foreign key dropped by CASCADE) and then dropped in one
  // transaction leave no live metadata rows (catalog_violations below).
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "DROP TABLE owners CASCADE");
  exec_ok(c.get(), "ALTER TABLE counted ADD COLUMN extra integer");
  exec_ok(c.get(), "COMMENT ON TABLE counted IS 'going'");
  exec_ok(c.get(), "DROP TABLE pets");
  exec_ok(c.get(), "DROP TABLE counted");
  exec_ok(c.get(), "ALTER TABLE coded DROP COLUMN flag");
  exec_ok(c.get(), "ALTER TABLE keyed DROP COLUMN id");
  exec_ok(c.get(), "COMMIT");
  Conn s = admin(e);
  // The counters went with their table (counted) and column (keyed.id), as PostgreSQL drops a
  // serial's sequence.
  EXPECT_EQ(query_value(s.get(), "SELECT count(*) FROM mallard_sequence"), "0");
  auto violations = catalog_violations(s.get());
  EXPECT_TRUE(violations.empty()) << ::testing::PrintToString(violations);
}

INSTANTIATE_TEST_SUITE_P(Flavors, LakeOnFlavor, ::testing::Values(StoreFlavor::kPostgres, StoreFlavor::kCockroach),
                         flavor_test_name);

class MetastoreConfig : public MetastoreSuite {};

TEST_F(MetastoreConfig, OneProcessServesBothFlavorsAndEmbeddedSideBySide) {
  StoreEndpoint pg_store = new_store(StoreFlavor::kPostgres, "side_pg");
  StoreEndpoint crdb_store = new_store(StoreFlavor::kCockroach, "side_crdb");
  auto &proxy = add_proxy(crdb_store);
  ServerOptions o = mallard_options(uri(pg_store, StoreFlavor::kPostgres), pg_store);
  o.config_lines = {
      "[warehouses.crdb]",
      "metastore = \"" + uri(crdb_store, StoreFlavor::kCockroach, proxy.port()) + "\"",
      "metastore_password_file = \"" + password_file(crdb_store) + "\"",
      "metastore_retry_attempts = 20",
      "[warehouses.local]",
      "metastore = \"embedded\"",
  };
  Server m(o);
  ASSERT_TRUE(m.start()) << m.failure();
  Conn def = connect(m);
  Conn crdb = connect(m, "dbname=crdb");
  Conn local = connect(m, "dbname=local");
  ASSERT_TRUE(def && crdb && local);
  // The same table name in three warehouses, concurrently, each in its own store.
  std::vector<std::thread> threads;
  std::vector<PGconn *> conns = {def.get(), crdb.get(), local.get()};
  for (size_t w = 0; w < conns.size(); ++w) {
    threads.emplace_back([&, w] {
      exec_ok(conns[w], "CREATE TABLE t (w integer, i integer)");
      for (int i = 0; i < 10; ++i)
        exec_ok(conns[w], "INSERT INTO t VALUES (" + std::to_string(w) + ", " + std::to_string(i) + ")");
    });
  }
  for (auto &t : threads) t.join();
  for (size_t w = 0; w < conns.size(); ++w)
    EXPECT_EQ(query_value(conns[w], "SELECT count(*) || '/' || min(w) || '/' || max(w) FROM t"),
              "10/" + std::to_string(w) + "/" + std::to_string(w));
  // Each external warehouse's catalog is in its own store, with the profile of its flavor.
  Conn a = admin(pg_store), b = admin(crdb_store);
  EXPECT_EQ(query_value(a.get(), "SELECT count(*) FROM ducklake_table WHERE table_name = 't'"), "1");
  EXPECT_EQ(query_value(b.get(), "SELECT count(*) FROM ducklake_table WHERE table_name = 't'"), "1");
  EXPECT_GT(proxy.stats().connections, 0u);
  std::string log = m.log();
  EXPECT_NE(log.find("warehouse mallard active (postgres metadata store"), std::string::npos) << log;
  EXPECT_NE(log.find("warehouse crdb active (cockroachdb metadata store"), std::string::npos) << log;
  EXPECT_NE(log.find("warehouse local active (embedded"), std::string::npos) << log;
  // The password was given as a file: the configstore holds its path, not the password.
  std::ifstream cfg(m.data_dir() + "/config.sqlite", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(cfg)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.find(pg().password()), std::string::npos);
  EXPECT_TRUE(catalog_violations(a.get()).empty()) << ::testing::PrintToString(catalog_violations(a.get()));
  EXPECT_TRUE(catalog_violations(b.get()).empty()) << ::testing::PrintToString(catalog_violations(b.get()));
}

TEST_F(MetastoreConfig, AnUnknownFlavorIsRefusedNamingTheAcceptedValues) {
  StoreEndpoint e = new_store(StoreFlavor::kPostgres, "bad_flavor");
  {
    Server m(mallard_options("postgresql://mallard@127.0.0.1:" + std::to_string(e.port) +
                                 "/bad_flavor?sslmode=disable&flavor=mysql",
                             e));
    EXPECT_FALSE(m.start());
    EXPECT_NE(m.log().find("invalid metadata store flavor \"mysql\": accepted values are postgres, cockroachdb"),
              std::string::npos)
        << m.log();
  }
  {
    ServerOptions o;
    o.config_lines = {"[warehouses.w2]", "metastore = \"postgresql://u@127.0.0.1:1/db?flavor=oracle\""};
    Server m(o);
    EXPECT_FALSE(m.start());
    EXPECT_NE(m.log().find("warehouse \"w2\""), std::string::npos) << m.log();
    EXPECT_NE(m.log().find("accepted values are postgres, cockroachdb"), std::string::npos) << m.log();
  }
  {
    ServerOptions o;
    o.config_lines = {"[warehouses.w3]", "metastore = \"embedded\"", "flavour = \"postgres\""};
    Server m(o);
    EXPECT_FALSE(m.start());
    EXPECT_NE(m.log().find("unknown setting \"flavour\""), std::string::npos) << m.log();
  }
  // Empty means postgres, and the environment variable works like the flag.
  {
    ServerOptions o;
    o.extra_env = {{"MALLARD_METASTORE", "postgresql://mallard@127.0.0.1:" + std::to_string(e.port) +
                                             "/bad_flavor?sslmode=disable&flavor="},
                   {"MALLARD_METASTORE_PASSWORD_FILE", password_file(e)}};
    Server m(o);
    ASSERT_TRUE(m.start()) << m.failure();
    Conn c = connect(m);
    ASSERT_TRUE(c);
    exec_ok(c.get(), "CREATE TABLE t (x integer)");
    EXPECT_NE(m.log().find("warehouse mallard active (postgres metadata store"), std::string::npos) << m.log();
  }
}

}  // namespace
}  // namespace mallard::it
