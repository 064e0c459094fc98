// A warehouse's metadata-store settings: the configstore migration that holds them, how
// `--metastore` URIs become records (no plaintext password next to a password file), and how
// activation turns a record into a store of the right flavor, refusing unknown kinds and flavors.

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "control/configstore.hpp"
#include "control/warehouse.hpp"

namespace mallard::control {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/mallard-unit-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string &name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

Error error_from(const std::function<void()> &f) {
  try {
    f();
  } catch (const Error &e) {
    return e;
  }
  ADD_FAILURE() << "expected a mallard::Error";
  return Error("00000", "no error");
}

TEST(WarehouseMetastore, MigrationAddsTheSettingsToExistingWarehouses) {
  TempDir dir;
  std::string path = dir.file("config.sqlite");
  {
    // A configstore as the first version left it, with one warehouse.
    sqlite3 *db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const char *v1 =
        "CREATE TABLE warehouses (name TEXT PRIMARY KEY, data_path TEXT NOT NULL, metastore_kind TEXT NOT NULL "
        "DEFAULT 'embedded', created_at TEXT NOT NULL DEFAULT 'x'); CREATE TABLE users (warehouse TEXT NOT NULL, "
        "name TEXT NOT NULL, verifier TEXT NOT NULL, PRIMARY KEY (warehouse, name)); "
        "INSERT INTO warehouses(name, data_path) VALUES ('old', '/tmp/old'); PRAGMA user_version = 1;";
    ASSERT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  ConfigStore store(path);
  EXPECT_EQ(store.schema_version(), 2);
  auto w = store.find_warehouse("old");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->metastore_kind, "embedded");
  EXPECT_EQ(w->metastore.flavor, "");
  EXPECT_EQ(w->metastore.sslmode, "prefer");
  EXPECT_EQ(w->retry_attempts, 0);
}

TEST(WarehouseMetastore, RecordsRoundTripAndUpdate) {
  TempDir dir;
  ConfigStore store(dir.file("config.sqlite"));
  WarehouseRecord w;
  w.name = "sales";
  w.data_path = "/data/sales";
  set_metastore(w, "postgresql://meta@db.example:6543/lake?sslmode=require&flavor=cockroachdb&sslrootcert=/ca.pem",
                "/secrets/meta");
  w.retry_attempts = 20;
  w.retry_max_wait_ms = 250;
  store.create_warehouse(w);
  auto r = store.find_warehouse("sales");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->metastore_kind, "external");
  EXPECT_EQ(r->metastore.host, "db.example");
  EXPECT_EQ(r->metastore.port, 6543);
  EXPECT_EQ(r->metastore.database, "lake");
  EXPECT_EQ(r->metastore.user, "meta");
  EXPECT_EQ(r->metastore.password, "");
  EXPECT_EQ(r->metastore.password_file, "/secrets/meta");
  EXPECT_EQ(r->metastore.sslmode, "require");
  EXPECT_EQ(r->metastore.flavor, "cockroachdb");
  EXPECT_EQ(r->retry_attempts, 20);
  EXPECT_EQ(r->retry_max_wait_ms, 250);
  auto c = postgres_config(*r);
  EXPECT_EQ(c.flavor, metastore::Flavor::kCockroach);
  ASSERT_EQ(c.extra.size(), 1u);
  EXPECT_EQ(c.extra[0].first, "sslrootcert");
  EXPECT_EQ(c.extra[0].second, "/ca.pem");
  EXPECT_EQ(c.retry_attempts, 20);
  EXPECT_EQ(c.retry_max_wait.count(), 250);
  EXPECT_EQ(c.password_file, "/secrets/meta");

  // Back to embedded; the external settings are cleared.
  set_metastore(*r, "embedded", "");
  store.update_metastore(*r);
  auto e = store.find_warehouse("sales");
  EXPECT_EQ(e->metastore_kind, "embedded");
  EXPECT_EQ(e->metastore.host, "");
  EXPECT_EQ(e->data_path, "/data/sales");
}

TEST(WarehouseMetastore, FlavorDefaultsToPostgresAndUnknownOnesAreRefused) {
  WarehouseRecord w;
  w.name = "w";
  set_metastore(w, "postgresql://u@h/db", "");
  EXPECT_EQ(w.metastore.flavor, "postgres");
  set_metastore(w, "postgresql://u@h/db?flavor=", "");
  EXPECT_EQ(w.metastore.flavor, "postgres");
  Error e = error_from([&] { set_metastore(w, "postgresql://u@h/db?flavor=mysql", ""); });
  EXPECT_EQ(e.sqlstate(), "22023");
  EXPECT_EQ(e.message(), "invalid metadata store flavor \"mysql\": accepted values are postgres, cockroachdb");
  // A password inline and in a file is ambiguous.
  e = error_from([&] { set_metastore(w, "postgresql://u:secret@h/db", "/pw"); });
  EXPECT_EQ(e.sqlstate(), "22023");
  // An inline password without a file is kept (the configstore is private to the server).
  set_metastore(w, "postgresql://u:secret@h/db", "");
  EXPECT_EQ(w.metastore.password, "secret");
}

TEST(WarehouseMetastore, ActivationCopiesTheFlavorAndRefusesUnknownOnes) {
  WarehouseRecord w;
  w.name = "w";
  w.data_path = "/tmp/none";
  w.metastore_kind = "external";
  w.metastore.host = "127.0.0.1";
  w.metastore.flavor = "cockroachdb";
  // Building the store opens no connection yet; the profile comes from the record's flavor.
  auto s = make_store(w);
  EXPECT_EQ(s->profile().flavor, metastore::Flavor::kCockroach);
  EXPECT_TRUE(s->profile().ddl_in_own_transaction);
  w.metastore.flavor = "";
  EXPECT_EQ(make_store(w)->profile().flavor, metastore::Flavor::kPostgres);
  w.retry_attempts = 3;
  w.retry_max_wait_ms = 50;
  auto p = make_store(w);
  EXPECT_EQ(p->profile().max_attempts, 3);
  EXPECT_EQ(p->profile().max_wait.count(), 50);
  w.metastore.flavor = "CockroachDB ";
  Error e = error_from([&] { make_store(w); });
  EXPECT_EQ(e.sqlstate(), "22023");
  EXPECT_NE(e.message().find("accepted values are postgres, cockroachdb"), std::string::npos) << e.message();
  w.metastore.flavor = "postgres";
  w.metastore_kind = "remote";
  e = error_from([&] { make_store(w); });
  EXPECT_EQ(e.sqlstate(), "22023");
  EXPECT_NE(e.message().find("accepted values are embedded, external"), std::string::npos) << e.message();
}

}  // namespace
}  // namespace mallard::control
