// faultproxy refuses what CockroachDB refuses, with CockroachDB's SQLSTATE and text, and leaves the
// connection exactly where a server-side error would: failed transaction, skip to Sync.

#include <vector>

#include "faultproxy/pg_fixture.hpp"
#include "support/wire.hpp"

namespace mallard::it {
namespace {

class FaultProxyRefusal : public FaultProxyTest {
 protected:
  void SetUp() override {
    FaultProxyTest::SetUp();
    start_proxy();
    Conn d = direct();
    exec_ok(d.get(), "DROP TABLE IF EXISTS rt; CREATE TABLE rt (id int PRIMARY KEY, note text)");
    exec_ok(d.get(), "INSERT INTO rt VALUES (1, 'one')");
  }
  std::string rows() {
    Conn d = direct();
    return query_value(d.get(), "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM rt");
  }
};

constexpr const char *kBinaryCopy = "unimplemented: binary format for COPY TO not implemented";
constexpr const char *kNoCtid = "column \"ctid\" does not exist";

TEST_F(FaultProxyRefusal, BinaryCopyToInEverySpelling) {
  Conn c = through_proxy();
  ASSERT_TRUE(c);
  const char *forms[] = {
      "COPY rt TO STDOUT (FORMAT binary)",
      "copy rt to stdout with (format 'binary')",
      "COPY rt TO STDOUT WITH BINARY",
      "COPY rt TO STDOUT BINARY",
      "COPY (SELECT id FROM rt WHERE note <> 'binary') TO STDOUT (FORMAT \"binary\")",
      "/* leading comment */ COPY rt (id, note) TO STDOUT (FORMAT binary, HEADER false)",
  };
  for (const char *sql : forms) {
    SqlError e = exec_error(c.get(), sql);
    EXPECT_EQ(e.sqlstate, "0A000") << sql;
    EXPECT_EQ(e.message, kBinaryCopy) << sql;
    Result r = exec_params(c.get(), sql);
    EXPECT_EQ(error_of(r.get()).sqlstate, "0A000") << sql;
    EXPECT_EQ(query_value(c.get(), "SELECT 1"), "1");
  }
  EXPECT_EQ(proxy().stats().refused_binary_copy, 2 * std::size(forms));

  // Text COPY TO is fine, and so is binary COPY FROM.
  Result text(PQexec(c.get(), "COPY rt TO STDOUT (FORMAT csv)"));
  ASSERT_EQ(PQresultStatus(text.get()), PGRES_COPY_OUT) << PQerrorMessage(c.get());
  char *buf = nullptr;
  while (PQgetCopyData(c.get(), &buf, 0) > 0) PQfreemem(buf);
  while (Result more{PQgetResult(c.get())}) {
  }
  Result from(PQexec(c.get(), "COPY rt FROM STDIN (FORMAT binary)"));
  ASSERT_EQ(PQresultStatus(from.get()), PGRES_COPY_IN) << PQerrorMessage(c.get());
  PQputCopyEnd(c.get(), "never mind");
  Result aborted(PQgetResult(c.get()));
  EXPECT_EQ(error_of(aborted.get()).sqlstate, "57014");
  while (Result more{PQgetResult(c.get())}) {
  }
  // A file name or a column that merely says "binary" is not the binary format.
  EXPECT_EQ(exec_error(c.get(), "COPY rt TO '/nonexistent/binary'").sqlstate, "58P01");
}

TEST_F(FaultProxyRefusal, CtidAsANameButNotInLiteralsOrComments) {
  Conn c = through_proxy();
  ASSERT_TRUE(c);
  const char *refused[] = {
      "SELECT ctid FROM rt",
      "SELECT \"ctid\", id FROM rt",
      "SELECT rt.CTID FROM rt",
      "DELETE FROM rt WHERE ctid = '(0,1)'",
      "UPDATE rt SET note = 'x' WHERE ctid IN (SELECT ctid FROM rt LIMIT 1)",
  };
  for (const char *sql : refused) {
    SqlError e = exec_error(c.get(), sql);
    EXPECT_EQ(e.sqlstate, "42703") << sql;
    EXPECT_EQ(e.message, kNoCtid) << sql;
    EXPECT_EQ(e.position, 0) << "a position would point into text the client never sent";
  }
  EXPECT_EQ(proxy().stats().refused_ctid, std::size(refused));
  EXPECT_EQ(rows(), "1");

  EXPECT_EQ(query_value(c.get(), "SELECT 'ctid'"), "ctid");
  EXPECT_EQ(query_value(c.get(), "SELECT $$ctid$$"), "ctid");
  EXPECT_EQ(query_value(c.get(), "SELECT E'\\'ctid'"), "'ctid");
  EXPECT_EQ(query_value(c.get(), "SELECT 1 -- ctid"), "1");
  EXPECT_EQ(query_value(c.get(), "SELECT /* ctid */ 1"), "1");
  EXPECT_EQ(query_value(c.get(), "SELECT id AS \"CTID\" FROM rt"), "1");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) AS ctid_count FROM rt"), "1");
  EXPECT_EQ(proxy().stats().refused_ctid, std::size(refused));
}

TEST_F(FaultProxyRefusal, ARefusalFailsTheTransactionLikeAnyError) {
  Conn c = through_proxy();
  ASSERT_TRUE(c);
  exec_ok(c.get(), "BEGIN");
  exec_ok(c.get(), "INSERT INTO rt VALUES (2, 'two')");
  EXPECT_EQ(exec_error(c.get(), "SELECT ctid FROM rt").sqlstate, "42703");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INERROR);
  EXPECT_EQ(exec_error(c.get(), "SELECT 1").sqlstate, "25P02");
  // In a failed transaction the server's own 25P02 comes first, as it would from CockroachDB.
  EXPECT_EQ(exec_error(c.get(), "SELECT ctid FROM rt").sqlstate, "25P02");
  EXPECT_EQ(exec_ok(c.get(), "COMMIT"), "ROLLBACK");
  EXPECT_EQ(rows(), "1");

  // Several statements in one Query are one implicit transaction: the earlier ones are undone,
  // the later ones never run.
  SqlError e = exec_error(c.get(), "INSERT INTO rt VALUES (3, 'three'); SELECT ctid FROM rt; INSERT INTO rt VALUES (4, 'four')");
  EXPECT_EQ(e.sqlstate, "42703");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  EXPECT_EQ(rows(), "1");

  // Extended protocol: the statement is not created, and a transaction fails.
  Result prep(PQprepare(c.get(), "by_ctid", "SELECT id FROM rt WHERE ctid = $1", 0, nullptr));
  EXPECT_EQ(error_of(prep.get()).sqlstate, "42703");
  EXPECT_EQ(error_of(prep.get()).message, kNoCtid);
  Result use(PQexecPrepared(c.get(), "by_ctid", 0, nullptr, nullptr, nullptr, 0));
  EXPECT_EQ(error_of(use.get()).sqlstate, "26000");
  exec_ok(c.get(), "BEGIN");
  Result inside = exec_params(c.get(), "SELECT id FROM rt WHERE ctid = $1", {"(0,1)"});
  EXPECT_EQ(error_of(inside.get()).sqlstate, "42703");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INERROR);
  exec_ok(c.get(), "ROLLBACK");
  EXPECT_EQ(query_value(c.get(), "SELECT count(*) FROM rt"), "1");
}

std::string types(const std::vector<Msg> &msgs) {
  std::string s;
  for (const auto &m : msgs) s += m.type;
  return s;
}

TEST_F(FaultProxyRefusal, ExtendedProtocolSkipsToSyncAndReportsTheStatus) {
  Wire w = Wire::session(via_proxy("sslmode=disable"));
  ASSERT_TRUE(w.ok());
  auto refused_batch = msg_parse("", "SELECT ctid FROM rt") + msg_bind("", "", {}) + msg_describe('P', "") +
                       msg_execute("") + msg_sync();
  auto good_batch = msg_parse("", "SELECT id FROM rt") + msg_bind("", "", {}) + msg_execute("") + msg_sync();

  ASSERT_TRUE(w.send(refused_batch));
  auto msgs = w.read_until('Z');
  ASSERT_EQ(types(msgs), "EZ");
  EXPECT_EQ(error_fields(msgs[0])['C'], "42703");
  EXPECT_EQ(error_fields(msgs[0])['M'], kNoCtid);
  EXPECT_EQ(msgs[1].body, "I");

  // Two batches sent at once: the refusal does not leak into the next one.
  ASSERT_TRUE(w.send(refused_batch + good_batch));
  msgs = w.read_until('Z');
  EXPECT_EQ(types(msgs), "EZ");
  msgs = w.read_until('Z');
  EXPECT_EQ(types(msgs), "12DCZ");

  // Inside a transaction block the block fails.
  ASSERT_TRUE(w.send(msg_query("BEGIN")));
  msgs = w.read_until('Z');
  ASSERT_EQ(types(msgs), "CZ");
  EXPECT_EQ(msgs.back().body, "T");
  ASSERT_TRUE(w.send(refused_batch));
  msgs = w.read_until('Z');
  ASSERT_EQ(types(msgs), "EZ");
  EXPECT_EQ(msgs.back().body, "E");
  ASSERT_TRUE(w.send(msg_query("ROLLBACK")));
  msgs = w.read_until('Z');
  EXPECT_EQ(msgs.back().body, "I");
}

}  // namespace
}  // namespace mallard::it
