#pragma once
// The commit of one client transaction: data files first (in the client's DuckDB transaction,
// which holds the staged rows), then the metadata as one snapshot, retried while only other
// writers' non-conflicting snapshots stand in the way.

#include <optional>
#include <string>
#include <vector>

#include "duck/duck.hpp"
#include "lake/catalog.hpp"
#include "lake/lake.hpp"
#include "metastore/store.hpp"

namespace mallard::lake {

struct ColumnStats {
  int64_t column_id = 0;
  int64_t value_count = 0, null_count = 0, size_bytes = 0;
  std::optional<std::string> min, max;
  std::optional<bool> contains_nan;
};

class Committer {
 public:
  Committer(metastore::Store &store, const Options &options, const Snapshot &base, TxnChanges &changes,
            duck::Connection &client, int64_t inlining_row_limit);
  ~Committer();  // removes the files written unless the metadata commit succeeded
  void write_files();
  // Returns the new snapshot id.
  int64_t commit_metadata();

 private:
  // A table key: an existing table's id, or -(i + 1) for created_tables[i].
  struct NewFile {
    int64_t table_key = 0;
    std::string path, name;
    int64_t records = 0, size = 0, footer = 0;
    std::vector<ColumnStats> stats;
  };
  struct NewDelete {
    int64_t table_id = 0, data_file_id = 0;
    std::optional<int64_t> old_delete_id;
    bool whole_file = false;  // every row of the data file is gone: end the file itself
    std::string path, name;
    int64_t count = 0, size = 0, footer = 0;
  };

  // Rows of one table's insert small enough to go into the metadata store (data inlining).
  struct NewInlined {
    int64_t table_key = 0;
    metastore::Rows rows;  // values as text, in the table's column order
  };

  void write_inserts(int64_t key, const Table &t, const std::string &ins);
  void write_inlined(metastore::Transaction &txn, const NewInlined &in, int64_t table_id, int64_t schema_version,
                     bool new_version, const std::string &snap, int64_t &next_row_id);
  void write_deletes(const Table &t, const std::string &del);
  void check_conflicts(metastore::Transaction &txn);
  // Rows inserted into table `id` both by this transaction and by commits since its snapshot:
  // a conflict if they share a key of the table (neither side saw the other's rows).
  void check_concurrent_keys(metastore::Transaction &txn, int64_t id);
  std::shared_ptr<const Snapshot> latest_;  // loaded for check_conflicts when others made DDL
  void write_metadata(metastore::Transaction &txn, int64_t snapshot_id, const std::string &marker);
  // The snapshot that a commit carrying `marker` created, if one did.
  std::optional<int64_t> find_marker(metastore::Transaction &txn, const std::string &marker);
  const Table &table_for_key(int64_t key) const;

  metastore::Store &store_;
  std::optional<std::string> parquet_options_;  // COPY options from the lake's parquet_* settings
  const std::string &parquet_options();
  const Options &options_;
  const Snapshot &base_;
  TxnChanges &changes_;
  duck::Connection &client_;
  std::vector<NewFile> files_;
  std::vector<NewDelete> deletes_;
  std::vector<NewInlined> inlined_;
  std::map<int64_t, std::vector<int64_t>> inlined_deletes_;  // table id → row ids
  // What this commit's inserts add to ducklake_table_column_stats: per table key and column id,
  // whether NULLs (and NaNs) were written and the bounds of the values, merged at commit with the
  // table's bounds so far.
  struct ColumnBounds {
    std::string duck_type;
    bool has_null = false;
    std::optional<bool> has_nan;
    std::optional<std::string> min, max;
  };
  std::map<int64_t, std::map<int64_t, ColumnBounds>> column_bounds_;
  void write_column_bounds(metastore::Transaction &txn, int64_t table_id, const std::map<int64_t, ColumnBounds> &cols);
  int64_t inlining_row_limit_;
  bool committed_ = false;
  // A COMMIT's outcome stayed unknown: the files may belong to a committed snapshot, so they stay.
  bool in_doubt_ = false;
};

}  // namespace mallard::lake
