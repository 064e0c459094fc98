#include "lake/lake.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "common/strings.hpp"
#include "lake/commit.hpp"
#include "lake/format.hpp"
#include "lake/views.hpp"

namespace mallard::lake {

bool TxnChanges::empty() const {
  return created_schemas.empty() && dropped_schemas.empty() && created_tables.empty() && dropped_tables.empty() &&
         inserted.empty() && deleted.empty() && altered.empty() && created_views.empty() && dropped_views.empty() &&
         comments.empty() && column_comments.empty();
}

namespace {

std::atomic<bool> g_verify_refreshes{false};

}  // namespace

void verify_refreshes(bool on) { g_verify_refreshes.store(on); }

namespace {

// True when a table's DuckDB objects built for `a` also serve `b` (no view or mirror to redo).
bool same_contents(const Table &a, const Table &b) {
  if (!same_definition(a, b) || a.files.size() != b.files.size() || a.inlined_rows != b.inlined_rows ||
      a.inlined_columns != b.inlined_columns || a.inlined_types != b.inlined_types ||
      a.inlined_tables != b.inlined_tables)
    return false;
  for (size_t i = 0; i < a.files.size(); ++i) {
    const auto &x = a.files[i], &y = b.files[i];
    if (x.id != y.id || x.deletes.has_value() != y.deletes.has_value() || (x.deletes && x.deletes->id != y.deletes->id) ||
        x.inlined_deletes != y.inlined_deletes)
      return false;
  }
  return true;
}

// The statements that turn the mirror of `old`'s inlined rows into that of `now`'s, when `now` only
// added rows or ended some (the usual commit), so that a commit costs what it changed; nullopt
// when anything else changed, and the mirror is built again.
std::optional<std::vector<std::string>> mirror_changes(const Table &old, const Table &now) {
  if (old.inlined_columns != now.inlined_columns || old.inlined_types != now.inlined_types) return std::nullopt;
  std::unordered_map<std::string, const metastore::Row *> before;
  for (auto &r : old.inlined_rows) before.emplace(r[0].value_or(""), &r);
  metastore::Rows added;
  std::map<std::optional<std::string>, std::string> ended;  // end snapshot → its rows' ids
  size_t kept = 0;
  for (auto &r : now.inlined_rows) {
    auto it = before.find(r[0].value_or(""));
    if (it == before.end()) {
      added.push_back(r);
      continue;
    }
    ++kept;
    const metastore::Row &o = *it->second;
    if (o.size() != r.size()) return std::nullopt;
    for (size_t i = 0; i < r.size(); ++i)
      if (i != 2 && o[i] != r[i]) return std::nullopt;
    if (o[2] != r[2]) {
      std::string &ids = ended[r[2]];
      ids += (ids.empty() ? "" : ", ") + sql_literal(r[0].value_or(""));
    }
  }
  if (kept != old.inlined_rows.size()) return std::nullopt;
  std::vector<std::string> out;
  for (auto &[end, ids] : ended)
    out.push_back("UPDATE " + inlined_table(now.id) + " SET end_snapshot = " + (end ? sql_literal(*end) : "NULL") +
                  " WHERE row_id IN (" + ids + ")");
  for (auto &values : inlined_mirror_values(added))
    out.push_back("INSERT INTO " + inlined_table(now.id) + " VALUES " + values);
  return out;
}

}  // namespace

Lake::Lake(std::unique_ptr<metastore::Store> store, duck::Database &db, Options options)
    : store_(std::move(store)), db_(db), options_(std::move(options)) {
  std::filesystem::create_directories(options_.data_path);
  {
    auto txn = store_->begin();
    if (!is_initialized(*txn)) {
      initialize(*txn, options_.data_path, options_.created_by);
      txn->commit();
      spdlog::info("initialised a DuckLake {} catalog in {}", kFormatVersion, store_->describe());
    }
  }
  conn_ = std::make_unique<duck::Connection>(db_);
  // Before any staging table is made: serial and identity columns' defaults call it.
  conn_->register_counter(kNextvalFunction,
                          [this](const std::string &key, int64_t n) { return sequences_.allocate(key, n); });
  conn_->query("USE " + sql_ident(options_.catalog));
  conn_->query(std::string("CREATE SCHEMA IF NOT EXISTS ") + kHiddenSchema);
  conn_->query(std::string("CREATE TABLE IF NOT EXISTS ") + kHiddenSchema + ".state (snapshot_id BIGINT)");
  // The lake's history, for ducklake_snapshots(): appended to as snapshots are shown.
  conn_->query(std::string("CREATE TABLE IF NOT EXISTS ") + kHiddenSchema +
               ".snapshots (snapshot_id BIGINT, snapshot_time TIMESTAMP WITH TIME ZONE, schema_version BIGINT, "
               "changes VARCHAR, author VARCHAR, commit_message VARCHAR, commit_extra_info VARCHAR)");
  conn_->query(std::string("CREATE OR REPLACE MACRO main.ducklake_snapshots() AS TABLE SELECT * FROM ") +
               kHiddenSchema + ".snapshots ORDER BY snapshot_id");
  refresh();
}

Lake::~Lake() = default;

void Lake::setval(std::string_view sequence, int64_t value, bool is_called) {
  auto snap = shown();
  auto serial = snap ? serial_column_of_sequence(*snap, sequence) : std::nullopt;
  if (!serial) throw Error(sqlstate::kUndefinedTable, "relation \"" + std::string(sequence) + "\" does not exist");
  const std::string &type = serial->column->lake_type;
  int64_t max = type == "int16" ? 32767 : type == "int32" ? 2147483647 : INT64_MAX;
  if (value < 1 || value > max)
    throw Error(sqlstate::kNumericValueOutOfRange,
                "setval: value " + std::to_string(value) + " is out of bounds for sequence \"" + serial->table->name +
                    "_" + serial->column->name + "_seq\" (1.." + std::to_string(max) + ")");
  sequences_.set(serial->key, is_called ? value : value - 1);
}

void Lake::restart_counters(const std::set<std::string> &keys) {
  for (auto &key : keys) sequences_.set(key, 0);
}

std::shared_ptr<const Snapshot> Lake::current() {
  std::lock_guard lock(mu_);
  return current_;
}

std::shared_ptr<const Snapshot> Lake::shown() const {
  std::lock_guard lock(shown_mu_);
  return shown_snapshot_;
}

std::shared_ptr<const Snapshot> Lake::snapshot(int64_t id) {
  {
    std::lock_guard lock(mu_);
    if (current_ && current_->id == id) return current_;
    if (auto it = cache_.find(id); it != cache_.end())
      if (auto s = it->second.lock()) return s;
  }
  std::shared_ptr<const Snapshot> s;
  // A read-only metadata transaction: one that failed with a retryable error is simply run again.
  // It ends before mu_ is taken: a pooled store connection must never be held while waiting for
  // mu_, whose holder (a commit) may need a connection itself.
  metastore::Backoff backoff(store_->profile());
  for (int attempt = 1;; ++attempt) {
    try {
      auto txn = store_->begin();
      s = load_snapshot(*txn, id);
      break;
    } catch (const Error &e) {
      if (metastore::classify(e, store_->profile()) != metastore::Failure::kRetry ||
          attempt >= store_->profile().max_attempts)
        throw;
    }
    backoff.wait();
  }
  std::lock_guard lock(mu_);
  cache_[id] = s;
  return s;
}

int64_t Lake::base_snapshot(duck::Connection &conn) {
  auto v = conn.query_scalar(std::string("SELECT CAST(max(snapshot_id) AS VARCHAR) FROM ") + kHiddenSchema + ".state");
  return v.empty() ? 0 : std::stoll(v);
}

void Lake::refresh() {
  // An embedded store has one writer, this process: nothing moved unless this process committed.
  if (store_->profile().flavor == metastore::Flavor::kEmbedded && committed_.load() <= shown_.load()) return;
  std::lock_guard lock(mu_);
  std::shared_ptr<const Snapshot> snap;
  metastore::Rows history;
  {
    auto txn = store_->begin();
    int64_t latest = latest_snapshot_id(*txn);
    if (current_ && current_->id == latest) return;
    // Moving on from the current snapshot, when every snapshot since names its changes in terms the
    // loader knows: the tables they name (and new ones) are read again, the others are kept. Only
    // added or removed rows: the catalog itself is kept too.
    std::set<int64_t> changed, inlined_deletes;
    bool incremental = current_ && latest > current_->id, rows_only = incremental;
    if (incremental) {
      auto made = txn->query("SELECT changes_made FROM ducklake_snapshot_changes WHERE snapshot_id > CAST($1 AS BIGINT) "
                             "AND snapshot_id <= CAST($2 AS BIGINT)",
                             {std::to_string(current_->id), std::to_string(latest)});
      incremental = static_cast<int64_t>(made.size()) == latest - current_->id;
      for (auto &r : made)
        for (auto &[kind, value] : parse_changes(r[0].value_or(""))) {
          bool rows = kind == "inserted_into_table" || kind == "deleted_from_table" || kind == "inlined_insert" ||
                      kind == "inlined_delete";
          if (rows || kind == "altered_table" || kind == "dropped_table") {
            try {
              changed.insert(std::stoll(value));
              if (kind == "inlined_delete") inlined_deletes.insert(std::stoll(value));
            } catch (...) {
              incremental = false;
            }
            if (!rows) rows_only = false;
          } else if (kind == "created_table" || kind == "created_schema" || kind == "dropped_schema" ||
                     kind == "created_view" || kind == "dropped_view" || kind == "altered_view") {
            rows_only = false;  // named objects: the definitions are read again
          } else {
            incremental = false;  // e.g. compaction: everything is read again
          }
        }
    }
    if (incremental && rows_only)
      snap = load_snapshot_since(*txn, *current_, latest, changed, inlined_deletes);
    else if (incremental)
      snap = load_snapshot_after_ddl(*txn, *current_, latest, changed, inlined_deletes);
    else
      snap = load_snapshot(*txn, latest);
    if (incremental && g_verify_refreshes.load()) {
      std::string diff = snapshot_difference(*snap, *load_snapshot(*txn, latest));
      if (!diff.empty()) {
        spdlog::critical("snapshot {} loaded incrementally from {} differs from a full load: {}", latest, current_->id,
                         diff);
        std::abort();
      }
    }
    history = txn->query(
        "SELECT s.snapshot_id, CAST(s.snapshot_time AS VARCHAR), s.schema_version, c.changes_made, c.author, "
        "c.commit_message, c.commit_extra_info FROM ducklake_snapshot s LEFT JOIN ducklake_snapshot_changes c "
        "ON c.snapshot_id = s.snapshot_id WHERE s.snapshot_id > CAST($1 AS BIGINT) AND s.snapshot_id <= "
        "CAST($2 AS BIGINT) ORDER BY s.snapshot_id",
        {std::to_string(current_ ? current_->id : -1), std::to_string(latest)});
  }
  apply(snap, history);
}

// Rebuilds, in one DuckDB transaction, what changed between the current snapshot and `snap`.
// Client transactions that began earlier keep their views (DuckDB's catalog is MVCC).
void Lake::apply(std::shared_ptr<const Snapshot> snap, const metastore::Rows &history) {
  auto prev = current_;
  auto &c = *conn_;
  for (int attempt = 0;; ++attempt) {
    try {
      c.query("BEGIN TRANSACTION");
      auto schema_name = [](const Snapshot &s, int64_t id) { return s.schemas.at(id).name; };
      for (auto &[id, sc] : snap->schemas)
        if (!prev || !prev->schemas.count(id)) c.query("CREATE SCHEMA IF NOT EXISTS " + sql_ident(sc.name));
      if (prev) {
        for (auto &[id, v] : prev->views)
          if (!snap->views.count(id) || snap->views.at(id).name != v.name || snap->views.at(id).schema_id != v.schema_id)
            c.query("DROP VIEW IF EXISTS " + user_view(schema_name(*prev, v.schema_id), v.name));
        for (auto &[id, t] : prev->tables) {
          auto now = snap->tables.find(id);
          if (now == snap->tables.end() || now->second->name != t->name || now->second->schema_id != t->schema_id)
            c.query("DROP VIEW IF EXISTS " + user_view(schema_name(*prev, t->schema_id), t->name));
          if (now == snap->tables.end()) {
            c.query("DROP VIEW IF EXISTS " + positional_view(id));
            c.query("DROP MACRO TABLE IF EXISTS " + committed_rows_macro(id));
            for (auto &n : {inserts_table(id), deletes_table(id), committed_deletes_table(id), inlined_table(id)})
              c.query("DROP TABLE IF EXISTS " + n);
          }
        }
      }
      for (auto &[id, shared] : snap->tables) {
        const Table &t = *shared;
        const Table *old = nullptr;
        if (prev)
          if (auto it = prev->tables.find(id); it != prev->tables.end()) old = it->second.get();
        if (old == &t || (old && same_contents(*old, t))) continue;  // shared: unchanged
        try {
          std::string defs = column_definitions(t);
          bool same_defs = old && column_definitions(*old) == defs;
          if (!same_defs) {
            c.query("CREATE OR REPLACE TABLE " + inserts_table(id) + " (" + defs + ")");
            c.query("CREATE TABLE IF NOT EXISTS " + deletes_table(id) + " (fidx BIGINT, pos BIGINT)");
          }
          // Each object below is built again only when its definition changed.
          auto deletes_sql = [](const Table &x) {
            std::string q;
            for (size_t i = 0; i < x.files.size(); ++i)
              if (std::string one = x.file_deletes_sql(i); !one.empty()) q += (q.empty() ? "" : " UNION ALL ") + one;
            return q;
          };
          if (t.has_deletes()) {
            std::string q = deletes_sql(t);
            if (!old || !old->has_deletes() || deletes_sql(*old) != q)
              c.query("CREATE OR REPLACE TABLE " + committed_deletes_table(id) + " AS " + q);
          } else if (old && old->has_deletes()) {
            c.query("DROP TABLE IF EXISTS " + committed_deletes_table(id));
          }
          if (t.has_inlined()) {
            std::optional<std::vector<std::string>> changes;
            if (old && old->has_inlined()) changes = mirror_changes(*old, t);
            if (changes && !changes->empty()) {
              // DuckDB keeps a prepared plan until the catalog changes, and the plan may have
              // dropped the view's `end_snapshot IS NULL` as decided by the mirror's statistics
              // then (all NULL, or none). A catalog change makes every session's plan bind again.
              changes->push_back("COMMENT ON TABLE " + inlined_table(id) + " IS " +
                                 sql_literal("snapshot " + std::to_string(snap->id)));
            }
            if (!changes) {
              c.query("CREATE OR REPLACE TABLE " + inlined_table(id) + " (" + inlined_mirror_definition(t) + ")");
              changes = std::vector<std::string>();
              for (auto &values : inlined_mirror_values(t.inlined_rows))
                changes->push_back("INSERT INTO " + inlined_table(id) + " VALUES " + values);
            }
            for (auto &q : *changes) c.query(q);
          } else if (old && old->has_inlined()) {
            c.query("DROP TABLE IF EXISTS " + inlined_table(id));
          }
          std::string positional = scan_sql(t, -1, inserts_table(id), deletes_table(id), true);
          if (!same_defs || scan_sql(*old, -1, inserts_table(id), deletes_table(id), true) != positional)
            c.query("CREATE OR REPLACE VIEW " + positional_view(id) + " AS " + positional);
          std::string rows_ddl = committed_rows_ddl(t, false);
          if (!same_defs || committed_rows_ddl(*old, false) != rows_ddl) {
            if (!rows_ddl.empty())
              c.query(rows_ddl);
            else
              c.query("DROP MACRO TABLE IF EXISTS " + committed_rows_macro(id));  // no committed rows left
          }
          std::string view = user_view_sql(t);
          auto column_comments = [](const Table &x) {
            std::vector<std::pair<int64_t, std::optional<std::string>>> out;
            for (auto &col : x.columns) out.emplace_back(col.id, col.comment);
            return out;
          };
          if (!same_defs || old->name != t.name || old->schema_id != t.schema_id || old->comment != t.comment ||
              column_comments(*old) != column_comments(t) || user_view_sql(*old) != view) {
            c.query("CREATE OR REPLACE VIEW " + user_view(schema_name(*snap, t.schema_id), t.name) + " AS " + view);
            if (t.comment)
              c.query("COMMENT ON VIEW " + user_view(schema_name(*snap, t.schema_id), t.name) + " IS " + sql_literal(*t.comment));
            // A replaced view may keep its columns' comments: a removed one is removed here.
            for (auto &col : t.columns) {
              bool had = old && std::any_of(old->columns.begin(), old->columns.end(),
                                            [&](const Column &o) { return o.id == col.id && o.comment; });
              if (col.comment || had)
                c.query("COMMENT ON COLUMN " + user_view(schema_name(*snap, t.schema_id), t.name) + "." +
                        quoted_name(col.name) + " IS " + (col.comment ? sql_literal(*col.comment) : "NULL"));
            }
          }
        } catch (const Error &e) {
          // As for views below: a definition DuckDB cannot bind (another writer's default
          // expression, say) leaves this table out rather than the whole lake, and naming it
          // fails (42P01) rather than showing older rows.
          try {
            c.query("SELECT 1");
          } catch (...) {
            throw e;
          }
          const std::string name = user_view(schema_name(*snap, t.schema_id), t.name);
          spdlog::error("lake table {} (id {}) is left out of snapshot {}: {}", name, id, snap->id, e.what());
          c.query("DROP VIEW IF EXISTS " + name);
          c.query("DROP VIEW IF EXISTS " + positional_view(id));
        }
      }
      // Users write view bodies in PostgreSQL's dialect, where / between integers truncates:
      // DuckDB reads that from the setting when it parses the body, as sessions have it.
      bool integer_division = false;
      for (auto &[id, v] : snap->views) {
        const View *old = nullptr;
        if (prev)
          if (auto it = prev->views.find(id); it != prev->views.end()) old = &it->second;
        if (old && old->sql == v.sql && old->name == v.name && old->schema_id == v.schema_id &&
            old->comment == v.comment)
          continue;
        if (!integer_division) c.query("SET integer_division = true");
        integer_division = true;
        const std::string name = user_view(schema_name(*snap, v.schema_id), v.name);
        try {
          c.query("CREATE OR REPLACE VIEW " + name + " AS " + v.sql);
        } catch (const Error &e) {
          // A body this server cannot read (another writer's dialect, a function it does not
          // have) must not keep the rest of the lake from being shown: the view is left out, and
          // naming it fails (42P01) rather than showing an older definition. DuckDB keeps its
          // transaction after such an error (found before execution); if it did not, the whole
          // refresh is tried again as for any other error.
          try {
            c.query("SELECT 1");
          } catch (...) {
            c.query("RESET integer_division");
            throw e;
          }
          spdlog::error("lake view {} (id {}) is left out of snapshot {}: {}", name, id, snap->id, e.what());
          c.query("DROP VIEW IF EXISTS " + name);
          continue;
        }
        if (v.comment)
          c.query("COMMENT ON VIEW " + user_view(schema_name(*snap, v.schema_id), v.name) + " IS " + sql_literal(*v.comment));
      }
      if (integer_division) c.query("RESET integer_division");
      if (prev)
        for (auto &[id, sc] : prev->schemas)
          if (!snap->schemas.count(id)) c.query("DROP SCHEMA IF EXISTS " + sql_ident(sc.name));
      for (auto &h : history) {
        std::string values;
        for (size_t i = 0; i < h.size(); ++i) values += (i ? ", " : "") + (h[i] ? sql_literal(*h[i]) : "NULL");
        c.query(std::string("INSERT INTO ") + kHiddenSchema + ".snapshots VALUES (" + values + ")");
      }
      c.query(std::string("DELETE FROM ") + kHiddenSchema + ".state");
      c.query(std::string("INSERT INTO ") + kHiddenSchema + ".state VALUES (" + std::to_string(snap->id) + ")");
      c.query("COMMIT");
      break;
    } catch (const Error &e) {
      try {
        c.query("ROLLBACK");
      } catch (...) {
      }
      // A client transaction holding an uncommitted change to the same DuckDB object makes this
      // a write-write conflict; that transaction cannot commit anyway, so wait for it briefly.
      if (attempt >= 50) {
        // Sessions keep reading the previous snapshot until a later refresh succeeds: at the end of
        // any session's next transaction (embedded store), at the start of one (external store).
        spdlog::error("could not show snapshot {} yet (sessions still read snapshot {}): {}", snap->id,
                      prev ? prev->id : -1, e.what());
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5 * (attempt + 1)));
    }
  }
  current_ = snap;
  shown_ = snap->id;
  shown_schema_version_ = snap->schema_version;
  {
    std::lock_guard lock(shown_mu_);
    shown_snapshot_ = snap;
  }
  inlining_limit_ = snap->inlining_row_limit;
  require_message_ = snap->require_commit_message;
  cache_[snap->id] = snap;
  for (auto it = cache_.begin(); it != cache_.end();) it = it->second.expired() ? cache_.erase(it) : std::next(it);
}

void Lake::set_option(const std::string &name, const std::string &value) {
  static const char *const kKnown[] = {"data_inlining_row_limit", "target_file_size", "parquet_row_group_size",
                                       "parquet_row_group_size_bytes", "parquet_compression",
                                       "parquet_compression_level", "parquet_version", "require_commit_message",
                                       "rewrite_delete_threshold", "delete_older_than", "expire_older_than",
                                       "auto_compact", "hive_file_pattern", "per_thread_output"};
  if (std::none_of(std::begin(kKnown), std::end(kKnown), [&](const char *k) { return name == k; }))
    throw Error(sqlstate::kInvalidParameterValue, "unknown lake option \"" + name + "\"");
  check_option_value(name, value);
  int64_t limit = -1;
  if (name == "data_inlining_row_limit") {
    try {
      limit = std::stoll(value);
    } catch (...) {
    }
    if (limit < 0) throw Error(sqlstate::kInvalidParameterValue, "data_inlining_row_limit must be a number >= 0");
  }
  auto txn = store_->begin();
  txn->exec("DELETE FROM ducklake_metadata WHERE \"key\" = $1 AND \"scope\" IS NULL", {name});
  txn->exec("INSERT INTO ducklake_metadata (\"key\", \"value\") VALUES ($1, $2)", {name, value});
  txn->commit();
  if (limit >= 0) inlining_limit_ = limit;
  if (name == "require_commit_message") require_message_ = option_is_true(value);
}

int64_t Lake::snapshot_at(const std::string &timestamp) {
  auto txn = store_->begin();
  auto r = txn->query("SELECT CAST(max(snapshot_id) AS BIGINT) FROM ducklake_snapshot WHERE snapshot_time <= "
                      "CAST($1 AS TIMESTAMP WITH TIME ZONE)",
                      {timestamp});
  if (r.empty() || !r[0][0])
    throw Error(sqlstate::kInvalidParameterValue, "no snapshot exists at or before " + timestamp);
  return std::stoll(*r[0][0]);
}

std::string Lake::time_travel_sql(const std::string &schema, const std::string &name, int64_t id) {
  auto snap = snapshot(id);
  const Schema *sc = snap->schema(schema);
  const Table *t = sc ? snap->table(sc->id, name) : nullptr;
  if (!t)
    throw Error(sqlstate::kUndefinedTable,
                "relation \"" + name + "\" does not exist at snapshot " + std::to_string(id));
  return snapshot_scan_sql(*t, id);
}

int64_t Lake::commit(duck::Connection &conn, TxnChanges &changes) {
  if (require_message_.load() && changes.commit_message.empty())
    throw Error(sqlstate::kObjectNotInPrerequisiteState,
                "this lake requires a commit message, and the transaction has none", 0,
                "The lake option require_commit_message is true.",
                "SET mallard.commit_message = '...' in the transaction (or before the statement) to label its "
                "snapshot.");
  int64_t base = base_snapshot(conn);
  auto base_snap = snapshot(base);
  Committer committer(*store_, options_, *base_snap, changes, conn, inlining_limit_.load());
  committer.write_files();
  int64_t id;
  {
    std::lock_guard lock(mu_);
    id = committer.commit_metadata();
  }
  int64_t seen = committed_.load();
  while (seen < id && !committed_.compare_exchange_weak(seen, id)) {
  }
  return id;
}

}  // namespace mallard::lake
