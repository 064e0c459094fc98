// What faultproxy recognises in SQL text, without a server.

#include <gtest/gtest.h>

#include "faultproxy/cockroach.hpp"
#include "faultproxy/statement.hpp"

namespace mallard::faultproxy {
namespace {

std::string refused(const char *sql) {
  auto r = refusal(sql);
  return r ? r->error.sqlstate : "";
}

TEST(FaultProxyStatement, BinaryCopyTo) {
  EXPECT_EQ(refused("COPY t TO STDOUT (FORMAT binary)"), "0A000");
  EXPECT_EQ(refused("COPY t TO STDOUT (FORMAT BINARY)"), "0A000");
  EXPECT_EQ(refused("COPY t TO '/tmp/out' WITH BINARY"), "0A000");
  EXPECT_EQ(refused("COPY (SELECT 1 FROM x) TO STDOUT (FORMAT 'binary')"), "0A000");
  EXPECT_EQ(refused("COPY t TO STDOUT"), "");
  EXPECT_EQ(refused("COPY t TO STDOUT (FORMAT csv)"), "");
  EXPECT_EQ(refused("COPY t TO STDOUT (FORMAT 'BINARY')"), "") << "not a format PostgreSQL knows either";
  EXPECT_EQ(refused("COPY t FROM STDIN (FORMAT binary)"), "");
  EXPECT_EQ(refused("COPY (SELECT 1 FROM binary) TO STDOUT"), "") << "inside the query, not an option";
  EXPECT_EQ(refused("COPY t TO '/tmp/binary'"), "");
  EXPECT_EQ(refused("SELECT 'COPY t TO STDOUT BINARY'"), "");
}

TEST(FaultProxyStatement, Ctid) {
  EXPECT_EQ(refused("SELECT ctid FROM t"), "42703");
  EXPECT_EQ(refused("select CTID from t"), "42703");
  EXPECT_EQ(refused("SELECT t.\"ctid\" FROM t"), "42703");
  EXPECT_EQ(refused("DELETE FROM t WHERE (ctid) = ANY($1)"), "42703");
  EXPECT_EQ(refused("SELECT 'ctid', $$ctid$$, $q$ ctid $q$, E'\\' ctid', \"CTID\" FROM t -- ctid"), "");
  EXPECT_EQ(refused("SELECT /* ctid /* nested */ ctid */ 1"), "");
  EXPECT_EQ(refused("SELECT ctid_of, my_ctid, ctid$x FROM t"), "");
}

TEST(FaultProxyStatement, Tokens) {
  auto t = tokenize("SELECT \"A\"\"b\", x'1F', 3.5e2 FROM s.T; -- c");
  ASSERT_EQ(t.size(), 11u);
  EXPECT_EQ(t[0].text, "select");
  EXPECT_EQ(t[1].kind, Token::kQuotedIdentifier);
  EXPECT_EQ(t[1].text, "A\"b");
  EXPECT_EQ(t[3].kind, Token::kString);
  EXPECT_EQ(t[3].text, "'1F'");
  EXPECT_EQ(t[5].text, "3.5e2");
  EXPECT_EQ(t[8].text, ".");
  EXPECT_EQ(t[9].text, "t");
  EXPECT_EQ(t[10].text, ";");
}

TEST(FaultProxyStatement, Roles) {
  EXPECT_EQ(role_of("BEGIN"), Role::kBegin);
  EXPECT_EQ(role_of("start transaction isolation level serializable"), Role::kBegin);
  EXPECT_EQ(role_of("COMMIT"), Role::kCommit);
  EXPECT_EQ(role_of("end"), Role::kCommit);
  EXPECT_EQ(role_of("ROLLBACK"), Role::kRollback);
  EXPECT_EQ(role_of("abort"), Role::kRollback);
  EXPECT_EQ(role_of("ROLLBACK TO SAVEPOINT s"), Role::kControl);
  EXPECT_EQ(role_of("ROLLBACK PREPARED 'x'"), Role::kControl);
  EXPECT_EQ(role_of("COMMIT PREPARED 'x'"), Role::kControl);
  EXPECT_EQ(role_of("SAVEPOINT cockroach_restart"), Role::kControl);
  EXPECT_EQ(role_of("RELEASE SAVEPOINT cockroach_restart"), Role::kControl);
  EXPECT_EQ(role_of("SET x = 1"), Role::kControl);
  EXPECT_EQ(role_of("SHOW x"), Role::kControl);
  EXPECT_EQ(role_of("SELECT 1"), Role::kData);
  EXPECT_EQ(role_of("/* c */ INSERT INTO t VALUES (1)"), Role::kData);
  EXPECT_EQ(role_of("CREATE TABLE t (a int)"), Role::kData);
  EXPECT_EQ(role_of("COPY t FROM STDIN"), Role::kData);
}

}  // namespace
}  // namespace mallard::faultproxy
