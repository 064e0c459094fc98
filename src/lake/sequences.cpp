#include "lake/sequences.hpp"

#include "common/strings.hpp"

namespace mallard::lake {

std::string sequence_default(const std::string &key) {
  return std::string(kNextvalFunction) + "(" + sql_literal(key) + ")";
}

void Sequences::create_table() {
  std::call_once(created_, [this] {
    auto txn = store_.begin();
    txn->exec("CREATE TABLE IF NOT EXISTS mallard_sequence (sequence_key VARCHAR PRIMARY KEY, last_value BIGINT NOT NULL)");
    txn->commit();
  });
}

int64_t Sequences::allocate(const std::string &key, int64_t n) {
  create_table();
  const metastore::Profile &profile = store_.profile();
  metastore::Backoff backoff(profile);
  const std::vector<metastore::Param> params = {key, std::to_string(n)};
  for (int attempt = 1;; ++attempt) {
    try {
      auto txn = store_.begin();
      auto rows = txn->query("UPDATE mallard_sequence SET last_value = last_value + CAST($2 AS BIGINT) WHERE "
                             "sequence_key = $1 RETURNING last_value",
                             params);
      int64_t last = n;
      if (rows.empty()) txn->exec("INSERT INTO mallard_sequence VALUES ($1, CAST($2 AS BIGINT))", params);
      else last = std::stoll(rows.at(0).at(0).value_or("0"));
      txn->commit();
      return last - n + 1;
    } catch (const Error &e) {
      // Two first uses of one counter collide on its key (23505), and an ambiguous commit may have
      // taken values: taking others leaves a gap, which a sequence may have.
      if (attempt >= profile.max_attempts || metastore::classify(e, profile) == metastore::Failure::kFatal) throw;
      backoff.wait();
    }
  }
}

}  // namespace mallard::lake
