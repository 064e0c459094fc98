#pragma once
// PostgreSQL's advisory locks among the sessions of one warehouse. A lock is named by a key (one
// bigint, or two integers: separate key spaces, as in PostgreSQL) and held exclusively by one
// session or shared by several. A session never conflicts with itself and may take a lock several
// times; each hold is released once. Session-level holds last until released or the session ends,
// transaction-level holds until its transaction ends (the session releases them then).

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace mallard::control {

class AdvisoryLocks {
 public:
  using Key = std::pair<int64_t, int>;  // (value, key space: 1 for one bigint, 2 for two integers)
  enum class Mode { kExclusive, kShared };
  enum class Scope { kSession, kTransaction };

  // Takes the lock for `owner`. Without `wait`, false at once when another session holds it in a
  // conflicting mode. With it, waits until granted, or until `cancelled()` (polled) is true: false.
  bool acquire(uint64_t owner, Key key, Mode mode, Scope scope, bool wait, const std::function<bool()> &cancelled);
  // Releases one session-level hold; false when the owner holds none in that mode.
  bool release(uint64_t owner, Key key, Mode mode);
  // Releases every hold of the owner in that scope (both, with `all`).
  void release_all(uint64_t owner, Scope scope, bool all = false);

  // Every hold and every wait, as pg_locks lists them: one row per key, owner and mode.
  struct Lock {
    Key key;
    uint64_t owner;
    Mode mode;
    bool granted;
    int64_t wait_start_us;  // since the Unix epoch, for a wait
  };
  std::vector<Lock> locks();

 private:
  struct Holds {
    int count[2][2] = {};  // [mode][scope]
    bool any() const { return count[0][0] || count[0][1] || count[1][0] || count[1][1]; }
    bool exclusive() const { return count[0][0] || count[0][1]; }
  };
  bool grantable(const std::map<uint64_t, Holds> &holders, uint64_t owner, Mode mode) const;
  void forget_empty(Key key);

  std::mutex mu_;
  std::condition_variable released_;
  std::map<Key, std::map<uint64_t, Holds>> locks_;
  struct Wait {
    Key key;
    Mode mode;
    int64_t since_us;
  };
  std::map<uint64_t, Wait> waits_;  // by owner: a session waits for one lock at a time
};

}  // namespace mallard::control
