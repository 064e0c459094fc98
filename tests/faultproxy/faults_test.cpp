// faultproxy's seeded fault decisions, without a server.

#include <gtest/gtest.h>

#include "faultproxy/faults.hpp"

namespace mallard::faultproxy {
namespace {

TEST(FaultProxyFaults, SameSeedSameDecisionsAndStreamsAreIndependent) {
  FaultConfig c;
  c.statement_restart = 0.5;
  c.seed = 77;
  Faults a(c), b(c);
  c.commit_restart = 0.9;
  Faults with_commits(c);
  int yes = 0;
  for (int i = 0; i < 1000; ++i) {
    bool d = a.decide(Fault::kStatementRestart);
    EXPECT_EQ(d, b.decide(Fault::kStatementRestart));
    // Drawing COMMIT decisions in between does not shift the statement stream.
    with_commits.decide(Fault::kCommitRestart);
    EXPECT_EQ(d, with_commits.decide(Fault::kStatementRestart));
    yes += d;
  }
  EXPECT_GT(yes, 400);
  EXPECT_LT(yes, 600);
  Faults never(FaultConfig{}), always([] {
    FaultConfig f;
    f.drop_after_commit = 1;
    return f;
  }());
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(never.decide(Fault::kStatementRestart));
    EXPECT_TRUE(always.decide(Fault::kDropAfterCommit));
  }
}

}  // namespace
}  // namespace mallard::faultproxy
