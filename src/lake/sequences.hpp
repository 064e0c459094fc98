#pragma once
// Sequences of a lake: the counters behind serial and identity columns. DuckLake has no
// sequences, so Mallard keeps its own in the metadata store (table mallard_sequence, beside the
// DuckLake tables), one row per counter, named by a key that the column's default expression
// carries: __mallard_nextval('<key>'). A counter moves outside the client's transaction, as a
// PostgreSQL sequence does: values are never handed out twice, and a rolled-back insert leaves a
// gap.

#include <cstdint>
#include <mutex>
#include <string>

#include "metastore/store.hpp"

namespace mallard::lake {

// The function a serial or identity column's default calls, and the key written into a new
// table's definition before the lake gives the counter its own (see sequence_default).
inline constexpr const char *kNextvalFunction = "__mallard_nextval";
inline constexpr const char *kNewSequenceKey = "new";

// The default expression of a column drawing from counter `key`.
std::string sequence_default(const std::string &key);

class Sequences {
 public:
  explicit Sequences(metastore::Store &store) : store_(store) {}
  // Takes n (≥ 1) consecutive values of counter `key` (created at 1 on first use) and returns the
  // first. Retries what the store says may be retried; throws its error otherwise.
  int64_t allocate(const std::string &key, int64_t n);

 private:
  void create_table();

  metastore::Store &store_;
  std::once_flag created_;
};

}  // namespace mallard::lake
