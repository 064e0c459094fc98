#pragma once
// A warehouse's lake: the DuckLake catalog in its metadata store, mirrored as views in the
// warehouse's DuckDB database, and the commit protocol that turns a client transaction's staged
// work into one new snapshot.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "duck/duck.hpp"
#include "lake/catalog.hpp"
#include "lake/sequences.hpp"
#include "metastore/store.hpp"

namespace mallard::lake {

struct Options {
  std::string data_path;   // absolute, ends in '/'
  std::string created_by;  // "Mallard <version>"
  std::string catalog;     // the DuckDB database the views live in
};

// A table created in the running transaction: its staging objects are private to it.
struct NewTable {
  std::string schema;
  Table table;  // id is a placeholder (negative) until commit; column ids are 1..n
  std::string ins, del, pos;
};

// What one client transaction did to the lake, kept until it commits or rolls back.
struct TxnChanges {
  std::vector<std::string> created_schemas;
  std::vector<std::pair<int64_t, std::string>> dropped_schemas;  // id, name
  std::vector<NewTable> created_tables;
  std::set<int64_t> dropped_tables;
  std::set<int64_t> inserted;  // existing tables with staged inserts
  std::set<int64_t> deleted;   // existing tables with staged deletes
  struct Alter {
    int64_t table_id;
    Table table;  // the new definition
    // Where the transaction stages and reads the table's rows. While the columns and name are the
    // committed ones: the shared staging objects, and `view` empty (the table's own view). After
    // they change: objects of the transaction's own, made for the new definition (`staged` are
    // the columns `ins` has), and `view` the relation that reads it in place of the table's view.
    std::string ins, del, pos, view;
    std::vector<Column> staged;
  };
  std::map<int64_t, Alter> altered;
  struct NewView {
    std::string schema, name, sql;
    std::optional<std::string> comment;  // COMMENT ON it in the same transaction
  };
  std::vector<NewView> created_views;
  std::set<int64_t> dropped_views;
  std::map<int64_t, std::optional<std::string>> comments;  // object id → comment
  // (table id, column id) → comment; a table created in this transaction by its placeholder id.
  std::map<std::pair<int64_t, int64_t>, std::optional<std::string>> column_comments;
  std::string commit_message;
  std::string author;
  bool empty() const;
};

// Checks every snapshot loaded incrementally (after a commit) against a full load of the same
// snapshot, and aborts the process on a difference. Doubles the cost of moving to a snapshot: a
// debugging aid, which the test suite turns on. Process-wide; off by default.
void verify_refreshes(bool on);

class Lake {
 public:
  // Opens (initialising an empty store) and builds the views for the latest snapshot.
  Lake(std::unique_ptr<metastore::Store> store, duck::Database &db, Options options);
  ~Lake();

  metastore::Store &store() { return *store_; }
  const Options &options() const { return options_; }

  // Brings the views to the newest snapshot when the store moved (cheap when it did not).
  void refresh();
  // setval() of the sequence of a serial column, by its name as the catalogs show it (42P01 for
  // any other name): the next value it hands out is value + 1, or value when !is_called.
  void setval(std::string_view sequence, int64_t value, bool is_called);
  // Serial counters by key start again at 1 (TRUNCATE ... RESTART IDENTITY, once committed).
  void restart_counters(const std::set<std::string> &keys);
  // The snapshot the views currently show.
  std::shared_ptr<const Snapshot> current();
  // The same, without waiting for a refresh or commit in progress (catalog views read it).
  std::shared_ptr<const Snapshot> shown() const;
  // Its schema version, likewise: what names mean changes only with it.
  int64_t shown_schema_version() const { return shown_schema_version_.load(); }
  // The catalog as of `id` (time travel, and the base of a transaction).
  std::shared_ptr<const Snapshot> snapshot(int64_t id);
  // The snapshot a client transaction on `conn` is reading (from its DuckDB snapshot).
  int64_t base_snapshot(duck::Connection &conn);
  // A catalog-wide setting in ducklake_metadata (data_inlining_row_limit, parquet_compression, ...).
  void set_option(const std::string &name, const std::string &value);
  int64_t inlining_row_limit() const { return inlining_limit_.load(); }
  // The newest snapshot committed at or before `timestamp` (22023 when there is none).
  int64_t snapshot_at(const std::string &timestamp);
  // SQL of the rows inserted and deleted in table schema.name by the snapshots after `from` up to
  // `to`: snapshot_id, rowid, change_type ('insert' or 'delete'), then the table's columns.
  std::string changes_sql(const std::string &schema, const std::string &name, int64_t from, int64_t to);
  // SQL reading table schema.name as of snapshot `id` (time travel); 42P01 when it did not exist.
  std::string time_travel_sql(const std::string &schema, const std::string &name, int64_t id);

  // Writes the transaction's data files and commits its metadata as one new snapshot; retries
  // the metadata commit when another writer got there first and nothing conflicts. Throws 40001
  // naming the object on a real conflict. On failure no file written for it remains.
  int64_t commit(duck::Connection &conn, TxnChanges &changes);

 private:
  void apply(std::shared_ptr<const Snapshot> snap, const metastore::Rows &history);

  std::unique_ptr<metastore::Store> store_;
  Sequences sequences_{*store_};
  duck::Database &db_;
  Options options_;
  std::mutex mu_;  // serialises refreshes and (inside one process) metadata commits
  std::unique_ptr<duck::Connection> conn_;  // the refresher's connection
  std::shared_ptr<const Snapshot> current_;
  std::map<int64_t, std::weak_ptr<const Snapshot>> cache_;
  std::atomic<int64_t> committed_{-1};  // newest snapshot committed by this process
  std::atomic<int64_t> inlining_limit_{10};
  std::atomic<bool> require_message_{false};  // the lake option require_commit_message
  std::atomic<int64_t> shown_{-2};  // id of current_, readable without the lock
  std::atomic<int64_t> shown_schema_version_{-1};
  mutable std::mutex shown_mu_;  // guards shown_snapshot_ only, held for a pointer copy
  std::shared_ptr<const Snapshot> shown_snapshot_;
};

}  // namespace mallard::lake
