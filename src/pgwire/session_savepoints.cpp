// SAVEPOINT, RELEASE SAVEPOINT and ROLLBACK TO SAVEPOINT.
//
// DuckDB has no savepoints and cannot undo part of a transaction, so Mallard keeps the savepoint
// names itself. Rows written to lake tables are staged in DuckDB tables, which the lake session
// copies for a savepoint before their first write after it and puts back at ROLLBACK TO; the
// session's settings are kept with the savepoint and restored. Every other statement that could
// have changed anything (DuckDB tables and settings, schema, cursors) is counted, and ROLLBACK TO
// SAVEPOINT is honoured only when none ran since the savepoint was set. Otherwise it fails with
// 0A000 and the transaction stays failed, so a client never continues with changes it asked to
// discard.
//
// After an error, ROLLBACK TO also returns the transaction to normal (state T) when that is
// genuinely safe: nothing to undo since the savepoint, and DuckDB's own transaction still usable.
// DuckDB aborts its whole transaction when a statement fails while executing (a constraint
// violation, a conversion error); errors found before execution (an unknown table or column,
// a syntax error, a refusal by Mallard) leave it intact. The first kind cannot be recovered
// without discarding what the transaction did before the savepoint and reading from a newer
// snapshot, so it is refused (0A000) rather than silently changing what the transaction sees.
// See docs/design.md.
#include <functional>

#include <nlohmann/json.hpp>

#include "common/strings.hpp"
#include "pgwire/session.hpp"

namespace mallard::pgwire {

namespace {

enum class SavepointOp { kSavepoint, kRelease, kRollbackTo };

struct SavepointStatement {
  SavepointOp op;
  std::string name;
};

SavepointStatement parse_savepoint(const std::string &text) {
  auto tree = sql::parse(text);
  if (!tree || !tree->contains("TransactionStmt"))
    throw Error(sqlstate::kSyntaxError, "syntax error in savepoint statement");
  const auto &t = (*tree)["TransactionStmt"];
  std::string kind = t.value("kind", "");
  SavepointStatement out;
  if (kind == "TRANS_STMT_SAVEPOINT")
    out.op = SavepointOp::kSavepoint;
  else if (kind == "TRANS_STMT_RELEASE")
    out.op = SavepointOp::kRelease;
  else if (kind == "TRANS_STMT_ROLLBACK_TO")
    out.op = SavepointOp::kRollbackTo;
  else
    throw Error(sqlstate::kSyntaxError, "syntax error in savepoint statement");
  out.name = t.value("savepoint_name", "");
  return out;
}

// Whether running this statement could leave something that ROLLBACK TO SAVEPOINT cannot undo.
// Writes of lake table rows and settings can be undone (see above). Reads change nothing: SELECT
// (sequence increments are not undone by PostgreSQL either), SHOW, COPY ... TO, FETCH and MOVE
// (PostgreSQL leaves cursor positions alone too), EXPLAIN without ANALYZE, PREPARE and DEALLOCATE
// (not transactional in PostgreSQL). Everything else is.
using TempTableTest = std::function<bool(const std::string &schema, const std::string &table)>;
bool may_change_anything(const PreparedStatement &s, const TempTableTest &is_temp_table) {
  using sql::Kind;
  if (!s.lake_tables.empty()) return false;  // INSERT into lake tables
  if (s.lake) {
    using L = lake::Statement::Kind;
    auto k = s.lake->kind;
    return !(k == L::kInsert || k == L::kDelete || k == L::kUpdate || k == L::kTruncate);
  }
  switch (s.cls.kind) {
    case Kind::kShow:
    case Kind::kPrepare:
    case Kind::kDeallocate:
    case Kind::kSavepoint:
      return false;
    case Kind::kSet:
      // The session's settings are restored by ROLLBACK TO; a SET that reaches DuckDB's own
      // settings is counted where it does (Session::assign_setting). DISCARD is not undone;
      // SET CONSTRAINTS stays in force after ROLLBACK TO (only its check could have failed).
      return s.cls.tag != "SET" && s.cls.tag != "RESET" && s.cls.tag != "SET CONSTRAINTS";
    case Kind::kCursor: {
      auto w = sql::leading_keywords(s.text, 1);
      return w.empty() || (w[0] != "FETCH" && w[0] != "MOVE");
    }
    case Kind::kCopy: {
      // COPY ... TO reads; COPY ... FROM writes, into a lake table (undone as INSERT is) or not.
      auto tree = sql::parse(s.text);
      if (!tree || !tree->contains("CopyStmt")) return true;
      const auto &copy = (*tree)["CopyStmt"];
      if (!copy.value("is_from", false)) return false;
      if (!copy.contains("relation")) return true;
      std::string schema = copy["relation"].value("schemaname", ""), table = copy["relation"].value("relname", "");
      return schema == "temp" || is_temp_table(schema, table);
    }
    case Kind::kQuery:
      if (!s.prepared || !s.expanded.empty()) return true;
      if (s.cls.tag == "SHOW") return false;
      switch (s.prepared.statement_type()) {
        case DUCKDB_STATEMENT_TYPE_SELECT:
          return false;
        case DUCKDB_STATEMENT_TYPE_EXPLAIN: {
          auto w = sql::leading_keywords(s.text, 2);
          return w.size() > 1 && w[1] == "ANALYZE";
        }
        default:
          return true;
      }
    default:
      return true;
  }
}

}  // namespace

void Session::note_for_savepoints(const PreparedStatement &s) {
  auto k = s.cls.kind;
  if (k == sql::Kind::kBegin || k == sql::Kind::kCommit || k == sql::Kind::kRollback) {
    savepoints_.clear();  // a transaction block starts or ends
    changes_ = 0;
    return;
  }
  if (may_change_anything(s, [this](const std::string &schema, const std::string &table) {
        return is_temp_table(schema, table);
      }))
    ++changes_;
}

void Session::run_savepoint(Portal &p) {
  SavepointStatement st = parse_savepoint(p.stmt->text);
  const char *what = st.op == SavepointOp::kSavepoint ? "SAVEPOINT"
                     : st.op == SavepointOp::kRelease ? "RELEASE SAVEPOINT"
                                                      : "ROLLBACK TO SAVEPOINT";
  p.done_tag = st.op == SavepointOp::kSavepoint ? "SAVEPOINT" : st.op == SavepointOp::kRelease ? "RELEASE" : "ROLLBACK";
  // Outside a transaction block, including the implicit one of a multi-statement Query or of an
  // extended-protocol batch, as in PostgreSQL.
  if (tx_ == TxStatus::kIdle) {
    savepoints_.clear();
    throw Error(sqlstate::kNoActiveTransaction, std::string(what) + " can only be used in transaction blocks");
  }
  if (st.op == SavepointOp::kSavepoint) {
    savepoints_.push_back({st.name, changes_, gucs_, tx_settings_});
    lake_->savepoint(savepoints_.size());
    return;
  }
  // The innermost savepoint of that name.
  size_t at = savepoints_.size();
  while (at > 0 && savepoints_[at - 1].name != st.name) --at;
  if (at == 0) throw Error(sqlstate::kInvalidSavepointSpecification, "savepoint \"" + st.name + "\" does not exist");
  Savepoint &sp = savepoints_[at - 1];
  if (st.op == SavepointOp::kRelease) {
    // Releasing keeps what was done since: nothing to undo, the savepoint and newer ones go.
    lake_->release(*conn_, at);
    savepoints_.resize(at - 1);
    return;
  }
  if (changes_ != sp.changes)
    throw Error(sqlstate::kFeatureNotSupported,
                "ROLLBACK TO SAVEPOINT is not supported after statements since the savepoint that Mallard cannot "
                "undo in part of a transaction (it undoes rows written to lake tables and settings, not DDL, "
                "DuckDB's own settings or temporary tables)",
                0, "", "Roll back the whole transaction instead.");
  if (tx_ == TxStatus::kFailed) {
    // Safe only if DuckDB's transaction survived the error.
    try {
      conn_->query("SELECT 1");
    } catch (const Error &) {
      throw Error(sqlstate::kFeatureNotSupported,
                  "ROLLBACK TO SAVEPOINT is not supported after this error: it aborted the whole transaction "
                  "in the storage engine",
                  0, "", "Roll back the whole transaction instead.");
    }
  }
  lake_->rollback_to(*conn_, at);  // the staged rows of lake tables, as they were
  restore_settings(sp);
  ++writes_;                        // plans made since may rest on the rows now gone
  tx_ = TxStatus::kInTransaction;
  savepoints_.resize(at);  // newer savepoints are destroyed; this one stays
}

// Every setting changed since the savepoint goes back to its value then (ParameterStatus is sent
// for reported ones, as PostgreSQL does); what COMMIT and ROLLBACK will do with settings is as it
// was then too.
void Session::restore_settings(const Savepoint &sp) {
  std::vector<std::string> names;
  for (const auto &[name, g] : gucs_) names.push_back(name);
  for (const auto &[name, g] : sp.gucs)
    if (!gucs_.count(name)) names.push_back(name);
  for (const auto &name : names) {
    auto then = sp.gucs.find(name);
    auto now = gucs_.find(name);
    if (then != sp.gucs.end() && now != gucs_.end() && then->second.value == now->second.value) continue;
    try {
      if (then != sp.gucs.end()) {
        set_guc(name, then->second.value, false);
      } else {
        gucs_.erase(name);  // a custom setting created since
        publish_settings();
      }
    } catch (const Error &) {
      // A value that was accepted once is accepted again; nothing to undo if not.
    }
  }
  tx_settings_ = sp.tx_settings;
}

}  // namespace mallard::pgwire
