// Hostile and broken clients: truncated, oversized, malformed and out-of-order messages, wrong
// protocol versions, invalid UTF-8, and clients that vanish. The server must answer with an error
// or close the connection, never crash or hang, and keep serving new clients.

#include <sys/socket.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "support/server.hpp"
#include "support/wire.hpp"

namespace mallard::it {
namespace {

using namespace std::chrono_literals;

class BadInput : public ServerSuite<BadInput> {
 protected:
  void TearDown() override { EXPECT_TRUE(server_healthy(server())); }
};

// The connection must be closed by the server within the limit, having sent at most ErrorResponses.
void expect_closed_with_errors_only(Wire &w, std::chrono::seconds limit = 30s) {
  std::vector<Msg> seen;
  EXPECT_TRUE(w.wait_closed(limit, &seen)) << "server kept the connection open; it sent: " << types_of(seen);
  for (const auto &m : seen) EXPECT_TRUE(m.type == 'E' || m.type == 'N') << "unexpected message " << types_of({m});
}

// Reads the answer to a protocol violation: an ErrorResponse, then either ReadyForQuery (the
// session goes on) or the end of the connection. Returns the error's fields.
std::map<char, std::string> expect_error_then_ready_or_close(Wire &w) {
  ReadStatus st = ReadStatus::kOk;
  std::vector<Msg> msgs = w.read_until('Z', 10s, &st);
  EXPECT_NE(st, ReadStatus::kTimeout) << "neither ReadyForQuery nor a close within 10 s; got " << types_of(msgs);
  std::map<char, std::string> fields;
  for (const auto &m : msgs)
    if (m.type == 'E' && fields.empty()) fields = error_fields(m);
  EXPECT_FALSE(fields.empty()) << "no ErrorResponse; got " << types_of(msgs);
  return fields;
}

std::vector<Msg> roundtrip(Wire &w, const std::string &bytes) {
  EXPECT_TRUE(w.send(bytes));
  ReadStatus st = ReadStatus::kOk;
  std::vector<Msg> msgs = w.read_until('Z', 20s, &st);
  EXPECT_EQ(st, ReadStatus::kOk) << "no ReadyForQuery; got " << types_of(msgs);
  return msgs;
}

// ---- before authentication ----

TEST_F(BadInput, TruncatedStartupPacket) {
  Wire w = Wire::connect_tcp(server().port());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w.send(be32(100) + be32(196608) + "user"));
  w.shutdown_write();
  expect_closed_with_errors_only(w);
}

TEST_F(BadInput, StartupLengthTooSmall) {
  Wire w = Wire::connect_tcp(server().port());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w.send(be32(4)));
  w.shutdown_write();
  expect_closed_with_errors_only(w);
}

TEST_F(BadInput, OversizedStartupLengthIsRefusedWithoutWaitingForData) {
  Wire w = Wire::connect_tcp(server().port());
  ASSERT_TRUE(w.ok());
  // Declares 2 GiB - 1 and sends only a few bytes; the connection stays open on our side.
  ASSERT_TRUE(w.send(be32(0x7fffffff) + be32(196608) + "user"));
  expect_closed_with_errors_only(w);
}

TEST_F(BadInput, HttpRequestInsteadOfStartup) {
  Wire w = Wire::connect_tcp(server().port());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  expect_closed_with_errors_only(w);
}

TEST_F(BadInput, ProtocolVersion4IsRefused) {
  Wire w = Wire::connect_tcp(server().port());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w.send(startup_packet(0x00040000, {{"user", kUser}, {"database", kDatabase}})));
  std::vector<Msg> seen;
  EXPECT_TRUE(w.wait_closed(30s, &seen));
  ASSERT_FALSE(seen.empty()) << "closed without an ErrorResponse";
  ASSERT_EQ(seen[0].type, 'E') << types_of(seen);
  auto f = error_fields(seen[0]);
  EXPECT_TRUE(f['C'] == "0A000" || f['C'] == "08P01") << f['C'] << ": " << f['M'];
  EXPECT_EQ(f['V'], "FATAL");
}

TEST_F(BadInput, ProtocolVersion2IsRefused) {
  Wire w = Wire::connect_tcp(server().port());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w.send(startup_packet(0x00020000, {{"user", kUser}, {"database", kDatabase}})));
  // PostgreSQL answers a 2.0 client in the 2.0 error format, which is not framed like v3; only the
  // close is checked.
  EXPECT_TRUE(w.wait_closed(30s));
}

TEST_F(BadInput, StartupWithoutUserIsRefused) {
  Wire w = Wire::connect_tcp(server().port());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w.send(startup_packet(196608, {{"database", kDatabase}})));
  std::vector<Msg> seen;
  EXPECT_TRUE(w.wait_closed(30s, &seen));
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen[0].type, 'E');
  EXPECT_EQ(error_fields(seen[0])['V'], "FATAL");
  EXPECT_EQ(error_fields(seen[0])['C'], "28000");
}

TEST_F(BadInput, StartupParametersWithoutTerminator) {
  Wire w = Wire::connect_tcp(server().port());
  ASSERT_TRUE(w.ok());
  std::string body = be32(196608) + cstr("user") + "mallard";  // no NUL after the value, no final NUL
  ASSERT_TRUE(w.send(be32(static_cast<int32_t>(body.size() + 4)) + body));
  expect_closed_with_errors_only(w);
}

TEST_F(BadInput, ConnectionsClosedBeforeStartup) {
  for (int i = 0; i < 30; ++i) {
    Wire w = Wire::connect_tcp(server().port());
    ASSERT_TRUE(w.ok());
  }
  for (int i = 0; i < 10; ++i) {
    Wire w = Wire::connect_tcp(server().port());
    ASSERT_TRUE(w.ok());
    w.send(be32(8));
  }
}

TEST_F(BadInput, ClientVanishesDuringAuthentication) {
  Wire w = Wire::connect_tcp(server().port());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w.send(default_startup()));
  Msg m;
  ASSERT_EQ(w.read_msg(m), ReadStatus::kOk);
  EXPECT_EQ(m.type, 'R');
  // Half a SASLInitialResponse, then gone.
  w.send(frame('p', cstr("SCRAM-SHA-256") + be32(40) + "n,,n=,r=abc").substr(0, 12));
}

TEST_F(BadInput, GarbageBeforeStartupIsSurvived) {
  std::mt19937 rng(20240229);
  for (int i = 0; i < 30; ++i) {
    Wire w = Wire::connect_tcp(server().port());
    ASSERT_TRUE(w.ok());
    std::string junk(1 + rng() % 200, '\0');
    for (auto &ch : junk) ch = static_cast<char>(rng());
    w.send(junk);
    w.shutdown_write();
    EXPECT_TRUE(w.wait_closed(30s)) << "iteration " << i;
  }
}

// ---- after authentication ----

TEST_F(BadInput, UnknownMessageTypeIsAProtocolViolation) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w.send(frame('z', "")));
  auto f = expect_error_then_ready_or_close(w);
  EXPECT_EQ(f['C'], "08P01") << f['M'];
}

TEST_F(BadInput, QueryStringWithoutTerminator) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w.send(frame('Q', "SELECT 1")));
  auto f = expect_error_then_ready_or_close(w);
  EXPECT_EQ(f['C'], "08P01") << f['M'];
}

TEST_F(BadInput, OversizedMessageLengthClosesTheSession) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  // 'Q' declaring 1.25 GiB: past PostgreSQL's 1 GiB message limit.
  ASSERT_TRUE(w.send(std::string("Q") + be32(0x50000000) + "SELECT 1"));
  expect_closed_with_errors_only(w);
}

TEST_F(BadInput, NegativeMessageLengthClosesTheSession) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w.send(std::string("Q") + be32(-5)));
  expect_closed_with_errors_only(w);
}

TEST_F(BadInput, TruncatedMessageThenEof) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w.send(std::string("Q") + be32(100) + "SELECT"));
  w.shutdown_write();
  expect_closed_with_errors_only(w);
}

TEST_F(BadInput, BindForUnknownStatementIs26000) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  auto msgs = roundtrip(w, msg_bind("", "bi_never_parsed", {}) + msg_execute("", 0) + msg_sync());
  ASSERT_FALSE(msgs.empty());
  EXPECT_EQ(msgs[0].type, 'E') << types_of(msgs);
  EXPECT_EQ(error_fields(msgs[0])['C'], "26000");
  EXPECT_EQ(msgs.size(), 2u) << types_of(msgs);
  msgs = roundtrip(w, msg_query("SELECT 1"));
  EXPECT_EQ(types_of(msgs), "TDCZ");
}

TEST_F(BadInput, ExecuteWithoutBindIs34000) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  auto msgs = roundtrip(w, msg_execute("", 0) + msg_sync());
  ASSERT_EQ(types_of(msgs).substr(0, 1), "E");
  EXPECT_EQ(error_fields(msgs[0])['C'], "34000");
}

// The first ErrorResponse among `msgs` (PostgreSQL reports bad parameters at Bind; reporting them
// at Execute instead is tolerated), or empty fields.
std::map<char, std::string> first_error(const std::vector<Msg> &msgs) {
  for (const auto &m : msgs)
    if (m.type == 'E') return error_fields(m);
  return {};
}

TEST_F(BadInput, MalformedBinaryParameterIs22P03) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  // Five bytes for an int4: left-over bytes are "incorrect binary data format".
  auto msgs = roundtrip(w, msg_parse("", "SELECT $1::integer", {23}) +
                               msg_bind("", "", {std::string("\x01\x02\x03\x04\x05", 5)}, {1}) + msg_execute("", 0) +
                               msg_sync());
  EXPECT_EQ(first_error(msgs)['C'], "22P03") << types_of(msgs);
  for (const auto &m : msgs) EXPECT_NE(m.type, 'D') << "a row was produced from a malformed parameter";
  // Three bytes: PostgreSQL runs out of message ("insufficient data left", 08P01); either code is an answer.
  msgs = roundtrip(w, msg_parse("", "SELECT $1::integer", {23}) + msg_bind("", "", {std::string("\x01\x02\x03", 3)}, {1}) +
                          msg_execute("", 0) + msg_sync());
  std::string code = first_error(msgs)['C'];
  EXPECT_TRUE(code == "22P03" || code == "08P01") << types_of(msgs);
}

TEST_F(BadInput, BindFormatCountMismatchIs08P01) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  auto msgs = roundtrip(w, msg_parse("", "SELECT $1::integer", {23}) +
                               msg_bind("", "", {std::string("1")}, {0, 0}) + msg_execute("", 0) + msg_sync());
  ASSERT_GE(msgs.size(), 2u);
  EXPECT_EQ(msgs[1].type, 'E') << types_of(msgs);
  EXPECT_EQ(error_fields(msgs[1])['C'], "08P01");
}

TEST_F(BadInput, BindWithTruncatedBody) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  // Claims two parameters and carries none.
  std::string body = cstr("") + cstr("") + be16(0) + be16(2);
  ASSERT_TRUE(w.send(msg_parse("", "SELECT $1::integer, $2::integer") + frame('B', body) + msg_sync()));
  auto f = expect_error_then_ready_or_close(w);
  EXPECT_EQ(f['C'], "08P01") << f['M'];
}

TEST_F(BadInput, DescribeAndCloseWithInvalidKind) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w.send(frame('D', std::string("X") + cstr("x")) + msg_sync()));
  auto f = expect_error_then_ready_or_close(w);
  EXPECT_EQ(f['C'], "08P01") << f['M'];
  Wire w2 = Wire::session(server());
  ASSERT_TRUE(w2.ok());
  ASSERT_TRUE(w2.send(frame('C', std::string("Q") + cstr("x")) + msg_sync()));
  f = expect_error_then_ready_or_close(w2);
  EXPECT_EQ(f['C'], "08P01") << f['M'];
}

TEST_F(BadInput, TrailingBytesInSync) {
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w.send(frame('S', "junk")));
  auto f = expect_error_then_ready_or_close(w);
  EXPECT_EQ(f['C'], "08P01") << f['M'];
}

TEST_F(BadInput, InvalidUtf8InQueryIs22021) {
  Conn c = conn();
  ASSERT_TRUE(c);
  for (const char *sql : {"SELECT '\xff\xfe'", "SELECT 'abc\xe2\x98'", "SELECT '\xc0\xaf'"}) {
    SqlError e = exec_error(c.get(), sql);
    EXPECT_EQ(e.sqlstate, "22021") << e;
  }
  EXPECT_EQ(query_value(c.get(), "SELECT 'fine'"), "fine");
}

TEST_F(BadInput, InvalidUtf8InParameterIs22021) {
  Conn c = conn();
  ASSERT_TRUE(c);
  const char *vals[] = {"bad \xff byte"};
  Result r(PQexecParams(c.get(), "SELECT $1::text", 1, nullptr, vals, nullptr, nullptr, 0));
  EXPECT_EQ(error_of(r.get()).sqlstate, "22021") << error_of(r.get());
  std::string raw = "x\xfe";
  const char *bin[] = {raw.data()};
  int lens[] = {2};
  int fmts[] = {1};
  Oid types[] = {25};
  Result b(PQexecParams(c.get(), "SELECT $1::text", 1, types, bin, lens, fmts, 0));
  EXPECT_EQ(error_of(b.get()).sqlstate, "22021") << error_of(b.get());
}

TEST_F(BadInput, InvalidUtf8InCopyDataIs22021) {
  Conn c = conn();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "CREATE TABLE bi_copy_utf8 (t text)");
  Result start = exec(c.get(), "COPY bi_copy_utf8 FROM STDIN");
  ASSERT_EQ(PQresultStatus(start.get()), PGRES_COPY_IN);
  std::string data = "ok\nbad \xff\n";
  PQputCopyData(c.get(), data.data(), static_cast<int>(data.size()));
  PQputCopyEnd(c.get(), nullptr);
  Result done(PQgetResult(c.get()));
  EXPECT_EQ(error_of(done.get()).sqlstate, "22021") << error_of(done.get());
  while (PGresult *extra = PQgetResult(c.get())) PQclear(extra);
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM bi_copy_utf8"), "0");
  exec_ok(c.get(), "DROP TABLE bi_copy_utf8");
}

TEST_F(BadInput, ClientDisconnectsMidQuery) {
  {
    Conn c = conn();
    ASSERT_TRUE(c);
    ASSERT_EQ(PQsendQuery(c.get(), long_query().c_str()), 1);
    ASSERT_EQ(PQflush(c.get()), 0);
    // Dropping the connection closes the socket with the statement still running.
  }
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w.send(msg_query("SELECT x FROM generate_series(1, 2000000) AS t(x)")));
  Msg m;
  ASSERT_EQ(w.read_msg(m, 30s), ReadStatus::kOk);
  // Gone while the server is streaming rows.
}

TEST_F(BadInput, ClientDisconnectsDuringCopyIn) {
  Conn admin = conn();
  ASSERT_TRUE(admin);
  exec_ok(admin.get(), "CREATE TABLE bi_copy_gone (id integer)");
  {
    Conn c = conn();
    ASSERT_TRUE(c);
    Result start = exec(c.get(), "COPY bi_copy_gone FROM STDIN");
    ASSERT_EQ(PQresultStatus(start.get()), PGRES_COPY_IN);
    std::string data = "1\n2\n3";
    PQputCopyData(c.get(), data.data(), static_cast<int>(data.size()));
    PQflush(c.get());
    shutdown(PQsocket(c.get()), SHUT_RDWR);
  }
  EXPECT_EQ(query_value(admin.get(), "SELECT count(*) FROM bi_copy_gone"), "0");
  exec_ok(admin.get(), "DROP TABLE bi_copy_gone");
}

TEST_F(BadInput, ClientDisconnectsInsideTransaction) {
  Conn admin = conn();
  ASSERT_TRUE(admin);
  exec_ok(admin.get(), "CREATE TABLE bi_tx_gone (id integer)");
  {
    Conn c = conn();
    ASSERT_TRUE(c);
    exec_ok(c.get(), "BEGIN");
    exec_ok(c.get(), "INSERT INTO bi_tx_gone VALUES (1)");
  }
  EXPECT_EQ(query_value(admin.get(), "SELECT count(*) FROM bi_tx_gone"), "0");
  // Nothing of the abandoned transaction blocks others (retried: the server learns of the
  // disconnect asynchronously).
  auto deadline = std::chrono::steady_clock::now() + 15s;
  bool inserted = false;
  while (!inserted && std::chrono::steady_clock::now() < deadline) {
    Result r = exec(admin.get(), "INSERT INTO bi_tx_gone VALUES (2)");
    inserted = PQresultStatus(r.get()) == PGRES_COMMAND_OK;
  }
  EXPECT_TRUE(inserted);
  exec_ok(admin.get(), "DROP TABLE bi_tx_gone");
}

TEST_F(BadInput, RandomMessagesAfterAuthentication) {
  std::mt19937 rng(4242);
  const std::string kinds = "PBEDCSHQdcfFp?";
  Wire w = Wire::session(server());
  ASSERT_TRUE(w.ok());
  int reconnects = 0;
  for (int i = 0; i < 150; ++i) {
    char type = kinds[rng() % kinds.size()];
    if (type == '?') type = static_cast<char>(rng());
    std::string body(rng() % 48, '\0');
    for (auto &ch : body) ch = static_cast<char>(rng());
    // Some bodies look like what the type expects: a name, then a statement.
    if (rng() % 3 == 0) body = cstr("") + cstr("SELECT 1") + body;
    bool sent = w.send(frame(type, body) + msg_sync());
    ReadStatus st = ReadStatus::kOk;
    std::vector<Msg> msgs;
    if (sent) msgs = w.read_until('Z', 20s, &st);
    ASSERT_NE(st, ReadStatus::kTimeout) << "no answer to message '" << type << "' #" << i << ", got " << types_of(msgs);
    if (!sent || st == ReadStatus::kClosed) {
      ++reconnects;
      w = Wire::session(server());
      ASSERT_TRUE(w.ok()) << "server stopped accepting sessions after message #" << i;
    }
  }
  RecordProperty("reconnects", reconnects);
}

}  // namespace
}  // namespace mallard::it
