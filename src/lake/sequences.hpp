#pragma once
// Sequences of a lake: the counters behind serial and identity columns. DuckLake has no
// sequences, so Mallard keeps its own in the metadata store (table mallard_sequence, beside the
// DuckLake tables), one row per counter, named by a key that the column's default expression
// carries: __mallard_nextval('<key>'). A counter moves outside the client's transaction, as a
// PostgreSQL sequence does: values are never handed out twice, and a rolled-back insert leaves a
// gap.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lake/catalog.hpp"
#include "metastore/store.hpp"

namespace mallard::lake {

// The function a serial or identity column's default calls, and the key written into a new
// table's definition before the lake gives the counter its own (see sequence_default).
inline constexpr const char *kNextvalFunction = "__mallard_nextval";
inline constexpr const char *kNewSequenceKey = "new";

// The default expression of a column drawing from counter `key`, and the key of a column's.
std::string sequence_default(const std::string &key);
std::optional<std::string> counter_key(const Column &c);

// A serial column by the name PostgreSQL's sequence for it would have: [schema.]table_column_seq
// (how the catalogs show its default, and what pg_get_serial_sequence() answers).
struct SerialColumn {
  std::string schema;  // as the lake names it (main for public)
  const Table *table = nullptr;
  const Column *column = nullptr;
  std::string key;  // its counter
};
std::optional<SerialColumn> serial_column(const std::string &schema, const Table &t, const std::string &column);
std::optional<SerialColumn> serial_column_of_sequence(const Snapshot &snap, std::string_view sequence_name);
std::string sequence_name(const SerialColumn &s);  // schema-qualified, public for main

class Sequences {
 public:
  explicit Sequences(metastore::Store &store) : store_(store) {}
  // Takes n (≥ 1) consecutive values of counter `key` (created at 1 on first use) and returns the
  // first. Retries what the store says may be retried; throws its error otherwise.
  int64_t allocate(const std::string &key, int64_t n);
  // setval(): the counter's last value handed out becomes `last` (the next is last + 1).
  void set(const std::string &key, int64_t last);
  // Drops counters in the metadata transaction `txn` (a commit's: their columns are gone, as
  // PostgreSQL drops a serial's sequence with its column).
  static void drop(metastore::Transaction &txn, const std::vector<std::string> &keys);

 private:
  void create_table();
  // Runs `fn` in a store transaction, committed; again while the store says it may be retried.
  template <class Fn>
  auto retried(Fn fn);

  metastore::Store &store_;
  std::once_flag created_;
};

}  // namespace mallard::lake
