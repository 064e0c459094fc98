// The extended query protocol: Parse, Bind, Describe, Execute, Close, Sync.
#include <cstring>

#include "pgwire/session.hpp"
#include "pgwire/wire.hpp"

namespace mallard::pgwire {

void Session::handle_parse(std::string_view body) {
  in_extended_ = true;
  Reader r(body);
  std::string name(r.cstr());
  std::string text(r.cstr());
  int16_t n = r.i16();
  if (n < 0) throw Error(sqlstate::kProtocolViolation, "invalid number of parameter types");
  std::vector<uint32_t> oids(static_cast<size_t>(n));
  for (auto &o : oids) o = static_cast<uint32_t>(r.i32());
  r.expect_end();
  if (!name.empty() && statements_.count(name))
    throw Error(sqlstate::kDuplicatePreparedStatement, "prepared statement \"" + name + "\" already exists");
  size_t bad = 0;
  if (!sql::valid_utf8(text, &bad)) throw Error(sqlstate::kCharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"");
  auto stmts = sql::split(text);
  if (tx_ == TxStatus::kFailed) {
    if (stmts.empty() || !sql::allowed_in_failed_transaction(sql::classify(stmts[0].text)))
      throw Error(sqlstate::kInFailedTransaction,
                  "current transaction is aborted, commands ignored until end of transaction block");
  }
  if (stmts.size() > 1) throw Error(sqlstate::kSyntaxError, "cannot insert multiple commands into a prepared statement");
  std::shared_ptr<PreparedStatement> ps;
  if (stmts.empty()) {
    ps = std::make_shared<PreparedStatement>();  // empty query: Execute answers EmptyQueryResponse
    ps->cls.kind = sql::Kind::kUtility;
  } else {
    // Parse outside a transaction begins the next unit of work: a lake INSERT is resolved here
    // against the current snapshot, so that must be the latest.
    if (tx_ == TxStatus::kIdle && !implicit_tx_ && begins_work(stmts[0].text)) refresh_lake();
    ps = prepare(stmts[0].text, oids);
  }
  statements_[name] = std::move(ps);
  size_t at = begin_message(out_, '1');
  end_message(out_, at);
}

void Session::handle_bind(std::string_view body) {
  in_extended_ = true;
  Reader r(body);
  std::string portal_name(r.cstr());
  std::string stmt_name(r.cstr());
  auto it = statements_.find(stmt_name);
  if (it == statements_.end())
    throw Error(sqlstate::kInvalidSqlStatementName, "prepared statement \"" + stmt_name + "\" does not exist");
  if (!portal_name.empty() && portals_.count(portal_name))
    throw Error(sqlstate::kDuplicateCursor, "portal \"" + portal_name + "\" already exists");
  if (tx_ == TxStatus::kFailed && !sql::allowed_in_failed_transaction(it->second->cls))
    throw Error(sqlstate::kInFailedTransaction,
                "current transaction is aborted, commands ignored until end of transaction block");
  auto p = std::make_unique<Portal>();
  p->stmt = it->second;
  int16_t nf = r.i16();
  if (nf < 0) throw Error(sqlstate::kProtocolViolation, "invalid number of parameter format codes");
  std::vector<Format> formats;
  for (int i = 0; i < nf; ++i) {
    int16_t f = r.i16();
    if (f != 0 && f != 1) throw Error(sqlstate::kProtocolViolation, "unsupported format code: " + std::to_string(f));
    formats.push_back(static_cast<Format>(f));
  }
  int16_t np = r.i16();
  size_t expected = p->stmt->param_oids.size();
  if (np < 0 || static_cast<size_t>(np) != expected)
    throw Error(sqlstate::kProtocolViolation, "bind message supplies " + std::to_string(np) +
                                                  " parameters, but prepared statement \"" + stmt_name + "\" requires " +
                                                  std::to_string(expected));
  if (nf > 1 && nf != np)
    throw Error(sqlstate::kProtocolViolation, "bind message has " + std::to_string(nf) + " parameter formats but " +
                                                  std::to_string(np) + " parameters");
  for (int i = 0; i < np; ++i) {
    int32_t len = r.i32();
    if (len == -1) {
      p->values.emplace_back();
    } else if (len < 0) {
      throw Error(sqlstate::kProtocolViolation, "invalid parameter length");
    } else {
      Format f = formats.empty() ? Format::kText : formats.size() == 1 ? formats[0] : formats[i];
      auto bytes = r.bytes(static_cast<size_t>(len));
      duck::LogicalType target;
      if (p->stmt->prepared && p->stmt->inline_params.empty()) target = p->stmt->prepared.param_type(i);
      p->values.push_back(decode_value(bytes, f, p->stmt->param_oids[i], target.get()));
    }
  }
  int16_t nr = r.i16();
  if (nr < 0) throw Error(sqlstate::kProtocolViolation, "invalid number of result format codes");
  for (int i = 0; i < nr; ++i) {
    int16_t f = r.i16();
    if (f != 0 && f != 1) throw Error(sqlstate::kProtocolViolation, "unsupported format code: " + std::to_string(f));
    p->result_format_codes.push_back(f);
  }
  r.expect_end();
  const duck::Prepared &plan = p->stmt->describing_plan();
  if (plan && nr > 1 && static_cast<idx_t>(nr) != plan.column_count() && p->stmt->returns_rows)
    throw Error(sqlstate::kProtocolViolation, "bind message has " + std::to_string(nr) +
                                                  " result formats but query has " +
                                                  std::to_string(plan.column_count()) + " columns");
  // Binding now lets DuckDB reject values its cast refuses, at Bind as PostgreSQL does.
  if (p->stmt->prepared && p->stmt->inline_params.empty()) bind_values(*p);
  portals_[portal_name] = std::move(p);
  size_t at = begin_message(out_, '2');
  end_message(out_, at);
}

void Session::describe_columns(const PreparedStatement &s, const std::vector<int16_t> &codes) {
  const duck::Prepared &plan = s.describing_plan();
  if (!plan || !s.returns_rows) {
    size_t at = begin_message(out_, 'n');
    end_message(out_, at);
    return;
  }
  idx_t n = plan.column_count();
  size_t at = begin_message(out_, 'T');
  put_i16(out_, static_cast<int16_t>(n));
  for (idx_t i = 0; i < n; ++i) {
    duck::LogicalType t = plan.column_type(i);
    PgType pt = t ? pg_type_of(t.get()) : PgType{};
    put_cstr(out_, i < s.column_names.size() ? s.column_names[i] : plan.column_name(i));
    put_field_origin(out_, s.column_origins.size() == n ? s.column_origins[i] : ColumnOrigin{}, pt);
    int16_t code = codes.empty() ? 0 : codes.size() == 1 ? codes[0] : (i < codes.size() ? codes[i] : 0);
    put_i16(out_, code);
  }
  end_message(out_, at);
}

void Session::handle_describe(std::string_view body) {
  in_extended_ = true;
  Reader r(body);
  uint8_t kind = r.u8();
  std::string name(r.cstr());
  r.expect_end();
  if (kind == 'S') {
    auto it = statements_.find(name);
    if (it == statements_.end())
      throw Error(sqlstate::kInvalidSqlStatementName, "prepared statement \"" + name + "\" does not exist");
    size_t at = begin_message(out_, 't');
    put_i16(out_, static_cast<int16_t>(it->second->param_oids.size()));
    for (auto o : it->second->param_oids) put_i32(out_, static_cast<int32_t>(o));
    end_message(out_, at);
    describe_columns(*it->second, {});
  } else if (kind == 'P') {
    auto it = portals_.find(name);
    if (it == portals_.end()) throw Error(sqlstate::kInvalidCursorName, "portal \"" + name + "\" does not exist");
    Portal &portal = *it->second;
    if (Portal *c = fetched_cursor(*portal.stmt); c && !c->encoders.empty()) {
      // FETCH: the cursor's columns, in this portal's formats.
      const auto formats = formats_of(portal.result_format_codes, c->encoders.size());
      send_row_description(*c, &formats);
      return;
    }
    describe_columns(*portal.stmt, portal.result_format_codes);
  } else {
    throw Error(sqlstate::kProtocolViolation, "invalid DESCRIBE message subtype " + std::to_string(kind));
  }
}

void Session::handle_execute(std::string_view body) {
  in_extended_ = true;
  Reader r(body);
  std::string name(r.cstr());
  int32_t max_rows = r.i32();
  r.expect_end();
  auto it = portals_.find(name);
  if (it == portals_.end()) throw Error(sqlstate::kInvalidCursorName, "portal \"" + name + "\" does not exist");
  Portal &p = *it->second;
  if (p.stmt->text.empty() && !p.stmt->prepared) {
    size_t at = begin_message(out_, 'I');
    end_message(out_, at);
    return;
  }
  if (tx_ == TxStatus::kFailed && !sql::allowed_in_failed_transaction(p.stmt->cls))
    throw Error(sqlstate::kInFailedTransaction,
                "current transaction is aborted, commands ignored until end of transaction block");
  if (p.done && p.started) {
    // PostgreSQL answers a finished portal with an empty completion.
    send_command_complete(p.done_tag);
    return;
  }
  Running guard(*this);
  if (activity_) activity_->started(p.stmt->text);
  if (!p.started) {
    auto k = p.stmt->cls.kind;
    if (tx_ == TxStatus::kIdle && !implicit_tx_ && k != sql::Kind::kBegin && k != sql::Kind::kCommit &&
        k != sql::Kind::kRollback) {
      materialize_open_portals(nullptr);
      tx_begin();
      implicit_tx_ = true;
    }
    if (implicit_tx_ && (k == sql::Kind::kBegin || k == sql::Kind::kCommit || k == sql::Kind::kRollback)) {
      // Transaction control inside the implicit block: BEGIN makes it explicit; COMMIT and
      // ROLLBACK end it, as the statement says.
      implicit_tx_ = false;
      tx_ = TxStatus::kInTransaction;
      if (k == sql::Kind::kBegin) {
        p.started = true;
        p.done = true;
        p.done_tag = "BEGIN";
      }
    }
    if (!p.started) start_portal(p);
  }
  if (p.done) {
    send_command_complete(p.done_tag);
  } else if (send_rows(p, max_rows > 0 ? static_cast<uint64_t>(max_rows) : 0)) {
    send_command_complete(p.done_tag);
  } else {
    size_t at = begin_message(out_, 's');
    end_message(out_, at);
  }
  // Statements that end the transaction also end its portals, this one included.
  auto k = p.stmt->cls.kind;
  if (k == sql::Kind::kCommit || k == sql::Kind::kRollback) {
    portals_.erase(name);
  }
}

void Session::handle_close(std::string_view body) {
  in_extended_ = true;
  Reader r(body);
  uint8_t kind = r.u8();
  std::string name(r.cstr());
  r.expect_end();
  if (kind == 'S')
    statements_.erase(name);
  else if (kind == 'P')
    portals_.erase(name);
  else
    throw Error(sqlstate::kProtocolViolation, "invalid CLOSE message subtype " + std::to_string(kind));
  size_t at = begin_message(out_, '3');
  end_message(out_, at);
}

void Session::end_implicit_transaction(bool commit) {
  if (!implicit_tx_) return;
  implicit_tx_ = false;
  materialize_open_portals(nullptr);
  if (commit) tx_commit();
  else tx_rollback();
}

void Session::handle_sync() {
  in_extended_ = false;
  try {
    end_implicit_transaction(!skip_until_sync_);
  } catch (const Error &e) {
    send_error(interrupted_error(e));
  }
  skip_until_sync_ = false;
  // Outside an explicit transaction block, Sync ends the implicit transaction and its portals.
  if (tx_ == TxStatus::kIdle) end_transaction_portals();
  send_ready();
  flush();
}

}  // namespace mallard::pgwire
