#pragma once
// One client connection through the proxy: its own connection to the upstream PostgreSQL, and the
// protocol state needed to refuse, reword and inject errors without ever leaving the client and
// the server in different states.
//
// Round trips are serialized: after forwarding a message that asks for a reply (Query, Sync,
// FunctionCall) the session reads nothing more from the client until the server's ReadyForQuery
// (or CopyInResponse) has arrived. That is what PostgreSQL's backend does anyway — it reads the
// next message only after answering the previous one — and it means every decision is taken with
// the server's real transaction status in hand and every reply belongs to a known round trip.
// Pipelining clients still work; their pipelines just do not overlap inside the proxy.
//
// Errors are never made up on the client's side of the connection. A statement to refuse or to
// fail is replaced, in place, by one that fails on the server (`SELECT <marker column>`), so the
// server itself aborts the transaction, skips to Sync and reports the transaction status, exactly
// as it would for a real error there; the session only replaces that error's text with the one
// CockroachDB would send.

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "cockroach.hpp"
#include "faults.hpp"
#include "message.hpp"
#include "socket.hpp"
#include "stats.hpp"
#include "statement.hpp"

namespace mallard::faultproxy {

class Session {
 public:
  Session(Socket client, Endpoint upstream, Faults &faults, Counters &counters);
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;

  // Serves the connection until the client or the server ends it, or interrupt() is called.
  void run();
  // Safe from any thread: wakes run(), which then returns promptly.
  void interrupt();

 private:
  // Why a round trip's server error is really the proxy's.
  struct Marker {
    enum Kind { kRefusedBinaryCopy, kRefusedCtid, kStatementRestart, kCommitRestart };
    Kind kind;
    CockroachError error;
  };
  // State of the round trip in progress (from the client's first message after a ReadyForQuery to
  // the next ReadyForQuery).
  struct RoundTrip {
    char status = 'I';                  // predicted transaction status as the statements run
    std::optional<Marker> marker;       // a statement was replaced; later ones are skipped anyway
    bool marker_seen = false;           // the server failed the replacement
    bool drop = false;                  // drop the client once the server has finished the COMMIT
    bool internal = false;              // the proxy's own ROLLBACK: nothing goes to the client
  };

  bool startup();
  void on_client(Message &m);
  void on_query(Message &m);
  void on_parse(Message &m);
  void on_bind(Message &m);
  void on_execute(Message &m);
  void on_close(Message &m);
  void on_server(Message &m);
  void on_error(Message &m);
  void on_ready(const Message &m);

  // The fault, if any, for a statement with `role` about to run; may set round_.drop.
  std::optional<Marker> decide(Role role);
  void drop_client();
  void count(Marker::Kind kind);

  void to_server(const Message &m);
  void to_client(const Message &m);
  void delay(bool asks_for_reply);
  bool flush();

  Socket client_, server_;
  MessageReader from_client_{client_}, from_server_{server_};
  std::string client_out_, server_out_;
  Endpoint upstream_;
  Faults &faults_;
  Counters &counters_;

  std::mutex socket_mu_;  // guards server_ being set against interrupt()
  bool interrupted_ = false;

  bool done_ = false;
  bool awaiting_reply_ = false;  // a round trip is open: the server owes a ReadyForQuery
  bool copy_in_ = false;         // the server is reading COPY data (it ignores Sync meanwhile)
  RoundTrip round_;
  // Roles of prepared statements and portals by name, for deciding at Execute.
  std::map<std::string, Role> statements_, portals_;
};

}  // namespace mallard::faultproxy
