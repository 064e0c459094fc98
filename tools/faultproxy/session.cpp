#include "session.hpp"

#include <poll.h>

#include <cerrno>
#include <thread>

#include "sql/statement.hpp"

namespace mallard::faultproxy {

namespace {

// A column no table has: selecting it fails during parse analysis with 42703, before anything
// runs, both as a simple Query and at Parse — and with 25P02 instead when the transaction has
// already failed, which is also what CockroachDB answers there.
constexpr const char *kMarkerSql = "SELECT faultproxy_marker";
constexpr const char *kMarkerInError = "\"faultproxy_marker\"";
// Name of the prepared statement sent in place of an Execute. Its Parse always fails, so it is
// never created and cannot collide with the client's own statements.
constexpr const char *kMarkerStatement = "faultproxy_marker";
// Output is flushed at least this often, so a large result streams instead of piling up.
constexpr size_t kFlushBytes = 64 * 1024;

// The status the server will be in after a statement with this role succeeds.
char status_after(char status, Role role) {
  if (role == Role::kBegin && status == 'I') return 'T';
  if (role == Role::kCommit || role == Role::kRollback) return 'I';
  return status;
}

Role role_by_name(const std::map<std::string, Role> &names, const std::string &name) {
  auto it = names.find(name);
  return it == names.end() ? Role::kData : it->second;
}

}  // namespace

Session::Session(Socket client, Endpoint upstream, Faults &faults, Counters &counters)
    : client_(std::move(client)), upstream_(std::move(upstream)), faults_(faults), counters_(counters) {}

void Session::interrupt() {
  std::lock_guard lock(socket_mu_);
  interrupted_ = true;
  client_.shutdown_both();
  server_.shutdown_both();
}

void Session::run() {
  ++counters_.connections;
  if (startup()) {
    Message m;
    while (!done_) {
      if (from_server_.next(m)) {
        on_server(m);
        continue;
      }
      if (!awaiting_reply_ && from_client_.next(m)) {
        on_client(m);
        continue;
      }
      if (from_server_.broken() || from_client_.broken()) break;
      if (!flush()) break;
      // While a round trip is open the client is not listened to (see session.hpp).
      pollfd fds[2] = {{server_.fd(), POLLIN, 0}, {client_.fd(), POLLIN, 0}};
      int n = ::poll(fds, awaiting_reply_ ? 1 : 2, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      if (fds[0].revents != 0 && !from_server_.fill()) break;
      if (fds[1].revents != 0 && !from_client_.fill()) break;
    }
  }
  // What is owed goes out (a server's FATAL before it closed, a Terminate to the server).
  flush();
  // Closed here rather than when the session is destroyed, so both peers see the end at once.
  std::lock_guard lock(socket_mu_);
  interrupted_ = true;
  client_ = Socket();
  server_ = Socket();
}

bool Session::startup() {
  Message m;
  int32_t code = 0;
  while (true) {
    while (!from_client_.next(m, true))
      if (!from_client_.fill()) return false;
    code = startup_code(m);
    if (code != kSslRequest && code != kGssEncRequest) break;
    // The proxy speaks plain TCP only: 'N' lets the client continue unencrypted.
    if (!client_.write_all("N")) return false;
  }
  Socket upstream = connect_tcp(upstream_);
  {
    std::lock_guard lock(socket_mu_);
    if (interrupted_) return false;
    server_ = std::move(upstream);
  }
  if (!server_.valid()) {
    if (code != kCancelRequest) {
      ErrorFields f = {{'S', "FATAL"}, {'V', "FATAL"}, {'C', "08006"},
                       {'M', "faultproxy: cannot connect to upstream " + upstream_.to_string()}};
      to_client({'E', error_fields_body(f)});
    }
    return false;
  }
  delay(false);
  to_server(m);
  // A CancelRequest is relayed as it is: the key it carries is the server's own (BackendKeyData
  // passes through unchanged). Nothing else happens on such a connection.
  return code != kCancelRequest;
}

// ---- client to server ----

void Session::on_client(Message &m) {
  switch (m.type) {
    case 'Q':
      return on_query(m);
    case 'P':
      return on_parse(m);
    case 'B':
      return on_bind(m);
    case 'E':
      return on_execute(m);
    case 'C':
      return on_close(m);
    case 'S':
    case 'F':
      delay(true);
      to_server(m);
      // The server ignores a Sync that arrives during COPY FROM STDIN; waiting for its reply
      // would wait forever.
      if (!copy_in_) awaiting_reply_ = true;
      return;
    case 'c':  // CopyDone
    case 'f':  // CopyFail
      copy_in_ = false;
      break;
    case 'X':
      done_ = true;
      break;
    default:
      break;
  }
  delay(false);
  to_server(m);
}

void Session::on_query(Message &m) {
  BodyReader r(m.body);
  std::string sql = r.cstr();
  std::optional<std::string> replaced;
  if (r.ok() && !round_.marker) {
    for (const auto &st : sql::split(sql)) {
      Role role = role_of(st.text);
      std::optional<Marker> marker;
      if (auto refused = refusal(st.text)) {
        marker = Marker{refused->kind == Refusal::kCtid ? Marker::kRefusedCtid : Marker::kRefusedBinaryCopy,
                        refused->error};
      } else {
        marker = decide(role);
      }
      if (marker) {
        // The statements before it run as sent; the server skips everything after a failure,
        // so nothing after it is needed.
        replaced = sql.substr(0, st.offset) + kMarkerSql;
        round_.marker = std::move(marker);
        break;
      }
      round_.status = status_after(round_.status, role);
    }
  }
  delay(true);
  to_server(replaced ? query_message(*replaced) : m);
  awaiting_reply_ = true;
}

void Session::on_parse(Message &m) {
  BodyReader r(m.body);
  std::string name = r.cstr();
  std::string sql = r.cstr();
  delay(false);
  if (!r.ok()) return to_server(m);  // malformed: the server says so
  statements_[name] = role_of(sql);
  if (!round_.marker) {
    for (const auto &st : sql::split(sql)) {
      if (auto refused = refusal(st.text)) {
        round_.marker = Marker{refused->kind == Refusal::kCtid ? Marker::kRefusedCtid : Marker::kRefusedBinaryCopy,
                               refused->error};
        // Same name, so a statement the client names is not created, as in CockroachDB.
        return to_server(parse_message(name, kMarkerSql));
      }
    }
  }
  to_server(m);
}

void Session::on_bind(Message &m) {
  BodyReader r(m.body);
  std::string portal = r.cstr();
  std::string statement = r.cstr();
  if (r.ok()) portals_[portal] = role_by_name(statements_, statement);
  delay(false);
  to_server(m);
}

void Session::on_execute(Message &m) {
  BodyReader r(m.body);
  std::string portal = r.cstr();
  Role role = role_by_name(portals_, portal);
  delay(false);
  if (auto marker = decide(role)) {
    round_.marker = std::move(marker);
    // A failing Parse in the Execute's place: its error arrives where the Execute's result
    // would have, and the server then skips to Sync as after any error.
    return to_server(parse_message(kMarkerStatement, kMarkerSql));
  }
  round_.status = status_after(round_.status, role);
  to_server(m);
}

void Session::on_close(Message &m) {
  BodyReader r(m.body);
  char kind = r.byte();
  std::string name = r.cstr();
  if (r.ok()) (kind == 'S' ? statements_ : portals_).erase(name);
  delay(false);
  to_server(m);
}

std::optional<Session::Marker> Session::decide(Role role) {
  // After a replacement the server skips the rest of the round trip; after a drop is chosen the
  // client will not see the rest. Either way there is nothing left to decide.
  if (round_.marker || round_.drop) return std::nullopt;
  if (role == Role::kCommit && round_.status == 'T') {
    if (faults_.decide(Fault::kCommitRestart)) return Marker{Marker::kCommitRestart, injected_restart(true)};
    if (faults_.decide(Fault::kDropAfterCommit)) round_.drop = true;
    return std::nullopt;
  }
  // In a failed transaction the server answers 25P02 to everything but its end, as CockroachDB does.
  if (role == Role::kData && round_.status != 'E' && faults_.decide(Fault::kStatementRestart))
    return Marker{Marker::kStatementRestart, injected_restart(false)};
  return std::nullopt;
}

// ---- server to client ----

void Session::on_server(Message &m) {
  switch (m.type) {
    case 'Z':
      return on_ready(m);
    case 'E':
      on_error(m);
      break;
    case 'G':  // CopyInResponse: the client must now send data, so listen to it again
      copy_in_ = true;
      awaiting_reply_ = false;
      break;
    default:
      break;
  }
  if (round_.internal) return;
  if (round_.drop) {
    // Nothing of a dropped round trip reaches the client. A COPY started after the COMMIT would
    // wait for data forever, so that ends the connection right away.
    if (m.type == 'G') drop_client();
    return;
  }
  to_client(m);
}

void Session::on_error(Message &m) {
  ErrorFields fields = parse_error_fields(m.body);
  std::string code = field_value(fields, 'C');
  if (round_.marker && !round_.marker_seen && code == "42703" &&
      field_value(fields, 'M').find(kMarkerInError) != std::string::npos) {
    round_.marker_seen = true;
    const CockroachError &e = round_.marker->error;
    m = error_message(e.sqlstate, e.message, e.hint);
    count(round_.marker->kind);
    return;
  }
  if (code == "40001" && !round_.internal) {
    set_field(fields, 'M', restart_transaction(field_value(fields, 'M')));
    m.body = error_fields_body(fields);
    ++counters_.reworded_restarts;
  }
}

void Session::on_ready(const Message &m) {
  char status = m.body.size() == 1 ? m.body[0] : 'I';
  awaiting_reply_ = false;
  copy_in_ = false;
  RoundTrip finished = std::move(round_);
  round_ = RoundTrip{};
  round_.status = status;
  if (finished.drop) return drop_client();
  if (finished.internal) return;
  bool failed_commit = finished.marker_seen && finished.marker->kind == Marker::kCommitRestart;
  if (!failed_commit) return to_client(m);
  // CockroachDB has ended a transaction whose COMMIT failed ('I'); the server still holds it,
  // failed ('E'). Roll it back now, before the client's next message can reach the server; the
  // reply is the proxy's own.
  to_client(ready_for_query('I'));
  round_.internal = true;
  round_.status = 'I';
  to_server(query_message("ROLLBACK"));
  awaiting_reply_ = true;
}

void Session::drop_client() {
  ++counters_.dropped_after_commit;
  // The server has finished the COMMIT: end that connection politely, and this one without a word.
  to_server({'X', {}});
  done_ = true;
}

void Session::count(Marker::Kind kind) {
  switch (kind) {
    case Marker::kRefusedBinaryCopy:
      ++counters_.refused_binary_copy;
      break;
    case Marker::kRefusedCtid:
      ++counters_.refused_ctid;
      break;
    case Marker::kStatementRestart:
      ++counters_.injected_statement_restarts;
      break;
    case Marker::kCommitRestart:
      ++counters_.injected_commit_restarts;
      break;
  }
}

// ---- output ----

void Session::to_server(const Message &m) {
  server_out_ += encode(m);
  if (server_out_.size() >= kFlushBytes && !flush()) done_ = true;
}

void Session::to_client(const Message &m) {
  client_out_ += encode(m);
  if (client_out_.size() >= kFlushBytes && !flush()) done_ = true;
}

bool Session::flush() {
  if (!server_out_.empty()) {
    if (!server_.valid() || !server_.write_all(server_out_)) return false;
    server_out_.clear();
  }
  if (!client_out_.empty()) {
    if (!client_.write_all(client_out_)) return false;
    client_out_.clear();
  }
  return true;
}

void Session::delay(bool asks_for_reply) {
  FaultConfig config = faults_.config();
  if (config.latency.count() <= 0) return;
  if (config.latency_unit == LatencyUnit::kRoundTrip && !asks_for_reply) return;
  // Only this message waits; what was already due leaves now.
  flush();
  std::this_thread::sleep_for(config.latency);
}

}  // namespace mallard::faultproxy
