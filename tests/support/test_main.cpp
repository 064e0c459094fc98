// main() of every test binary. It differs from gtest's own in one way: a test counts as skipped
// for ctest only when it was skipped on purpose, with a reason. gtest also reports "[  SKIPPED ]"
// for every test of a suite whose SetUpTestSuite failed; without this, ctest would show those
// tests as skipped and the failure that caused it would go unnoticed.

#include <gtest/gtest.h>

#include <cstdio>

namespace {

class DeliberateSkips : public testing::EmptyTestEventListener {
  void OnTestPartResult(const testing::TestPartResult &result) override {
    if (result.skipped() && result.message() != nullptr && result.message()[0] != '\0')
      std::printf("MALLARD-SKIP: %s\n", result.message());
  }
};

}  // namespace

int main(int argc, char **argv) {
  testing::InitGoogleTest(&argc, argv);
  testing::UnitTest::GetInstance()->listeners().Append(new DeliberateSkips);
  return RUN_ALL_TESTS();
}
