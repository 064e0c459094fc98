// Transactions and statements on lake tables. The lake runs DDL, DELETE and UPDATE itself inside
// the session's DuckDB transaction; INSERT is prepared against the table's staging table. A write
// outside a transaction block commits on its own, before its CommandComplete.

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "common/strings.hpp"
#include "pgwire/session.hpp"
#include "pgwire/wire.hpp"
#include "sql/lake_router.hpp"
#include "sql/rewrite.hpp"
#include "sql/statement.hpp"

namespace mallard::pgwire {

void Session::refresh_lake() {
  lake::Lake &lake = warehouse_->lake();
  const metastore::Profile &profile = lake.store().profile();
  if (profile.flavor == metastore::Flavor::kEmbedded) {
    lake.refresh();  // nothing to do unless a refresh after a commit failed: then its error
    return;
  }
  // One read of the latest snapshot id (a short metadata transaction); more only when it moved.
  // A read that hit a retryable error (40001, a lost connection) is simply read again.
  metastore::Backoff backoff(profile);
  for (int attempt = 1;; ++attempt) {
    try {
      lake.refresh();
      return;
    } catch (const Error &e) {
      if (metastore::classify(e, profile) != metastore::Failure::kRetry || attempt >= profile.max_attempts) throw;
    }
    backoff.wait();
  }
}

void Session::tx_begin() {
  refresh_lake();
  // The transaction reads the views of at least this version (a refresh may still come between).
  tx_schema_version_ = warehouse_->lake().shown_schema_version();
  conn_->query("BEGIN TRANSACTION");
}

void Session::tx_commit() {
  tx_schema_version_.reset();
  if (!lake_->dirty()) {
    try {
      conn_->query("COMMIT");
    } catch (...) {
      tx_rollback();
      throw;
    }
    lake_->finish(*conn_, false);
    end_transaction_settings(true);
    return;
  }
  // SET mallard.commit_message / mallard.commit_author label the snapshot; a message labels one.
  lake_->set_commit_message(get_guc("mallard.commit_author").value_or(""),
                            get_guc("mallard.commit_message").value_or(""));
  try {
    lake_->commit(*conn_);
  } catch (...) {
    tx_rollback();
    throw;
  }
  gucs_.erase("mallard.commit_message");
  // The staging tables held only this transaction's rows: the DuckDB side is discarded.
  try {
    conn_->query("ROLLBACK");
  } catch (...) {
  }
  // The commit stands even when the views cannot move right now (a store that just went away):
  // the next transaction start or commit moves them.
  lake_->finish(*conn_, true);
  end_transaction_settings(true);
}

void Session::tx_rollback() noexcept {
  tx_schema_version_.reset();
  try {
    conn_->query("ROLLBACK");
  } catch (...) {
  }
  lake_->finish(*conn_, false);
  try {
    end_transaction_settings(false);
  } catch (...) {
  }
}

bool Session::is_temp_table(const std::string &schema, const std::string &table) {
  if (!schema.empty() && schema != "temp") return false;
  // One name looked up in the temporary catalog; listing the catalog costs in proportion to the lake.
  return conn_->has_table("temp", "main", table);
}

std::optional<lake::Statement> Session::route_to_lake(const std::string &text) {
  auto words = sql::leading_keywords(text, 1);
  if (words.empty()) return std::nullopt;
  if (words[0] == "WITH" || words[0] == "MERGE") refuse_unsupported_writes(text);
  static const char *const kWrites[] = {"CREATE", "DROP",    "INSERT",  "DELETE", "UPDATE",
                                        "TRUNCATE", "ALTER", "COMMENT", "VACUUM", "ANALYZE", "ANALYSE", "CALL"};
  if (std::none_of(std::begin(kWrites), std::end(kWrites), [&](const char *w) { return words[0] == w; }))
    return std::nullopt;
  auto st = sql::route_lake(sql::rewrite_for_duckdb(text));
  if (!st) return std::nullopt;
  using K = lake::Statement::Kind;
  bool names_table = st->kind != K::kCreateSchema && st->kind != K::kDropSchema && st->kind != K::kCreateTable &&
                     st->kind != K::kCreateView && st->kind != K::kMaintenance && st->kind != K::kSetOption;
  if (st->kind == K::kDropIndex) {
    // An index of a temporary table is DuckDB's.
    if (st->target.schema.empty() || st->target.schema == "temp") {
      auto found = conn_->query_text("SELECT 1 FROM duckdb_indexes() WHERE database_name = 'temp' AND index_name = $1",
                                     {st->target.name});
      if (!found.empty()) return std::nullopt;
    }
    return st;
  }
  if (names_table && is_temp_table(st->target.schema, st->target.name)) return std::nullopt;
  return st;
}

// What DuckDB would answer with a misleading error: data-modifying statements in WITH (DuckDB
// has none: "A CTE needs a SELECT"), and MERGE or WITH ... INSERT/UPDATE/DELETE on a lake table
// (a view to DuckDB: "Can only merge into base tables"). On temporary tables both are DuckDB's own.
void Session::refuse_unsupported_writes(const std::string &text) {
  std::string lower = to_lower(text);
  if (lower.find("insert") == std::string::npos && lower.find("update") == std::string::npos &&
      lower.find("delete") == std::string::npos && lower.find("merge") == std::string::npos)
    return;  // a plain WITH ... SELECT, not parsed twice
  auto tree = sql::parse(text);
  if (!tree || tree->empty()) return;
  const auto &stmt = tree->begin().value();
  if (tree->contains("MergeStmt")) {
    const auto &rel = stmt.value("relation", nlohmann::json::object());
    if (!is_temp_table(rel.value("schemaname", ""), rel.value("relname", "")))
      throw Error(sqlstate::kFeatureNotSupported, "MERGE is not supported on lake tables", 0, "",
                  "Use INSERT, UPDATE and DELETE in one transaction.");
    return;
  }
  if (!stmt.contains("withClause")) return;
  if (tree->contains("InsertStmt") || tree->contains("UpdateStmt") || tree->contains("DeleteStmt")) {
    const auto &rel = stmt.value("relation", nlohmann::json::object());
    if (!is_temp_table(rel.value("schemaname", ""), rel.value("relname", "")))
      throw Error(sqlstate::kFeatureNotSupported,
                  "WITH before INSERT, UPDATE or DELETE of a lake table is not supported", 0, "",
                  "Move the WITH into the statement's query: INSERT INTO t WITH x AS (...) SELECT ..., or a "
                  "subquery in WHERE.");
  }
  for (const auto &cte : stmt["withClause"].value("ctes", nlohmann::json::array())) {
    const auto &query = cte.value("CommonTableExpr", nlohmann::json::object()).value("ctequery", nlohmann::json::object());
    if (query.contains("InsertStmt") || query.contains("UpdateStmt") || query.contains("DeleteStmt") ||
        query.contains("MergeStmt"))
      throw Error(sqlstate::kFeatureNotSupported, "data-modifying statements in WITH are not supported", 0, "",
                  "Run the INSERT, UPDATE or DELETE as a statement of its own (with RETURNING) in the same transaction.");
  }
}

std::string Session::with_time_travel(const std::string &input) {
  auto &lake = warehouse_->lake();
  auto snapshot_of = [&](const std::string &expr) {
    std::string v = conn_->query_scalar("SELECT CAST((" + expr + ") AS VARCHAR)");
    bool digits = !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    return digits ? std::stoll(v) : lake.snapshot_at(v);
  };
  // table_changes('table', from, to): snapshot ids or timestamps.
  std::string text = input;
  auto calls = sql::find_table_changes(text);
  for (auto it = calls.rbegin(); it != calls.rend(); ++it) {
    if (it->args.size() != 3)
      throw Error(sqlstate::kUndefinedFunction, "table_changes(table, from, to) takes three arguments");
    std::string name = conn_->query_scalar("SELECT CAST((" + it->args[0] + ") AS VARCHAR)");
    std::string schema = "main";
    if (auto dot = name.find('.'); dot != std::string::npos) {
      schema = name.substr(0, dot);
      name = name.substr(dot + 1);
      if (schema == "public") schema = "main";
    }
    std::string sql = "(" + lake.changes_sql(schema, name, snapshot_of(it->args[1]), snapshot_of(it->args[2])) + ")";
    text = text.substr(0, it->begin) + sql + text.substr(it->end);
  }
  auto found = sql::find_time_travel(text);
  std::string out = text;
  for (auto it = found.rbegin(); it != found.rend(); ++it) {
    std::string v = conn_->query_scalar("SELECT CAST((" + it->expr + ") AS VARCHAR)");
    auto &lake = warehouse_->lake();
    int64_t id = 0;
    if (it->by_version) {
      try {
        id = std::stoll(v);
      } catch (...) {
        throw Error(sqlstate::kInvalidParameterValue, "VERSION must be a snapshot id, not \"" + v + "\"");
      }
    } else {
      id = lake.snapshot_at(v);
    }
    std::string schema = it->name.schema.empty() || it->name.schema == "public" ? "main" : it->name.schema;
    std::string sql = "(" + lake.time_travel_sql(schema, it->name.name, id) + ")";
    if (!it->aliased) sql += " AS " + sql_ident(it->name.name);
    out = out.substr(0, it->name.begin) + sql + out.substr(it->end);
  }
  return out;
}

size_t count_parameters(std::string_view text) {
  size_t n = 0;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '$' && i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1]))) {
      size_t v = 0, j = i + 1;
      while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) v = v * 10 + (text[j++] - '0');
      n = std::max(n, v);
      i = j;
      continue;
    }
    i = sql::skip_lexeme(text, i);
  }
  return n;
}

void Session::buffer_rows(Portal &p) {
  if (!p.streaming) return;
  while (duck::DataChunk c = p.result.fetch()) p.buffered.push_back(std::move(c));
  p.result.reset();
  p.exhausted = true;
}

void Session::run_lake(Portal &p) {
  const PreparedStatement &s = *p.stmt;
  lake::Statement st = *s.lake;
  if (!p.values.empty()) {
    // Parameters of statements the lake runs step by step go in as literals.
    std::vector<std::string> repl(p.values.size());
    for (size_t i = 0; i < repl.size(); ++i) {
      if (!p.values[i]) {
        repl[i] = "NULL";
        continue;
      }
      std::string v = duck::take_string(duckdb_get_varchar(p.values[i].get()));
      uint32_t oid = i < s.param_oids.size() ? s.param_oids[i] : 0;
      if (oid != 0 && oid != oid::kText)
        repl[i] = "CAST(" + sql_literal(v) + " AS " + duckdb_type_name_for_oid(oid) + ")";
      else
        repl[i] = untyped_literal(v);
    }
    auto routed = sql::route_lake(sql::replace_parameters(st.original, repl));
    if (!routed) throw Error(sqlstate::kInternalError, "statement changed meaning after binding parameters");
    st = *routed;
  }
  bool own = !in_transaction();
  if (own) tx_begin();
  try {
    lake::Outcome o = lake_->execute(*conn_, st);
    for (auto &[state, text] : o.notices) send_notice(state, text, "NOTICE");
    std::string tag = o.tag + (o.has_count ? " " + std::to_string(o.count) : "");
    if (!o.rows_sql.empty()) {
      p.own_plan = duck::Prepared(*conn_, o.rows_sql);
      p.result = p.own_plan.execute_streaming();
      p.stype = DUCKDB_STATEMENT_TYPE_SELECT;
      open_result_columns(p);
      p.fixed_tag = tag;
      buffer_rows(p);  // the scratch rows live in this transaction
    } else {
      p.done_tag = tag;
      p.done = true;
    }
    lake_->check_keys(*conn_);
    if (own) tx_commit();
  } catch (...) {
    if (own) tx_rollback();
    throw;
  }
}

}  // namespace mallard::pgwire
