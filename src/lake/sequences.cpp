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

template <class Fn>
auto Sequences::retried(Fn fn) {
  create_table();
  const metastore::Profile &profile = store_.profile();
  metastore::Backoff backoff(profile);
  for (int attempt = 1;; ++attempt) {
    try {
      auto txn = store_.begin();
      auto out = fn(*txn);
      txn->commit();
      return out;
    } catch (const Error &e) {
      // Two first uses of one counter collide on its key (23505), and an ambiguous commit may have
      // taken values: taking others leaves a gap, which a sequence may have.
      if (attempt >= profile.max_attempts || metastore::classify(e, profile) == metastore::Failure::kFatal) throw;
      backoff.wait();
    }
  }
}

int64_t Sequences::allocate(const std::string &key, int64_t n) {
  const std::vector<metastore::Param> params = {key, std::to_string(n)};
  return retried([&](metastore::Transaction &txn) {
    auto rows = txn.query("UPDATE mallard_sequence SET last_value = last_value + CAST($2 AS BIGINT) WHERE "
                          "sequence_key = $1 RETURNING last_value",
                          params);
    int64_t last = n;
    if (rows.empty()) txn.exec("INSERT INTO mallard_sequence VALUES ($1, CAST($2 AS BIGINT))", params);
    else last = std::stoll(rows.at(0).at(0).value_or("0"));
    return last - n + 1;
  });
}

void Sequences::set(const std::string &key, int64_t last) {
  const std::vector<metastore::Param> params = {key, std::to_string(last)};
  retried([&](metastore::Transaction &txn) {
    auto rows = txn.query("UPDATE mallard_sequence SET last_value = CAST($2 AS BIGINT) WHERE sequence_key = $1 "
                          "RETURNING last_value",
                          params);
    if (rows.empty()) txn.exec("INSERT INTO mallard_sequence VALUES ($1, CAST($2 AS BIGINT))", params);
    return 0;
  });
}

std::optional<std::string> counter_key(const Column &c) {
  const std::string prefix = std::string(kNextvalFunction) + "('";
  if (!c.default_value || c.default_value->rfind(prefix, 0) != 0) return std::nullopt;
  std::string key = c.default_value->substr(prefix.size());
  return key.substr(0, key.find('\''));
}

void Sequences::drop(metastore::Transaction &txn, const std::vector<std::string> &keys) {
  if (keys.empty()) return;
  // The table is made at the first value taken; before that there is nothing to drop.
  if (txn.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'mallard_sequence'").empty()) return;
  for (const auto &key : keys) txn.exec("DELETE FROM mallard_sequence WHERE sequence_key = $1", {key});
}

std::optional<SerialColumn> serial_column(const std::string &schema, const Table &t, const std::string &column) {
  const Column *c = t.column(column);
  auto key = c ? counter_key(*c) : std::nullopt;
  if (!key) return std::nullopt;
  return SerialColumn{schema, &t, c, *key};
}

std::optional<SerialColumn> serial_column_of_sequence(const Snapshot &snap, std::string_view sequence_name) {
  auto parts = split_qualified_name(sequence_name);
  if (parts.size() > 2) parts.erase(parts.begin(), parts.end() - 2);  // a catalog named first
  std::string schema = parts.size() == 2 ? parts[0] : "main";
  if (schema == "public") schema = "main";
  const Schema *sc = snap.schema(schema);
  if (!sc) return std::nullopt;
  for (auto &[id, t] : snap.tables) {
    if (t->schema_id != sc->id) continue;
    for (auto &c : t->columns)
      if (t->name + "_" + c.name + "_seq" == parts.back())
        if (auto s = serial_column(schema, *t, c.name)) return s;
  }
  return std::nullopt;
}

std::string sequence_name(const SerialColumn &s) {
  return (s.schema == "main" ? std::string("public") : s.schema) + "." + s.table->name + "_" + s.column->name + "_seq";
}

}  // namespace mallard::lake
