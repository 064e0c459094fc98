#include "control/advisory_locks.hpp"

#include <chrono>

#include "control/activity.hpp"

namespace mallard::control {

bool AdvisoryLocks::grantable(const std::map<uint64_t, Holds> &holders, uint64_t owner, Mode mode) const {
  for (auto &[who, holds] : holders) {
    if (who == owner) continue;
    if (mode == Mode::kExclusive ? holds.any() : holds.exclusive()) return false;
  }
  return true;
}

bool AdvisoryLocks::acquire(uint64_t owner, Key key, Mode mode, Scope scope, bool wait,
                            const std::function<bool()> &cancelled) {
  std::unique_lock lock(mu_);
  for (;;) {
    auto it = locks_.find(key);
    if (it == locks_.end() || grantable(it->second, owner, mode)) {
      ++locks_[key][owner].count[int(mode)][int(scope)];
      waits_.erase(owner);
      return true;
    }
    if (!wait || cancelled()) {
      waits_.erase(owner);
      return false;
    }
    waits_.try_emplace(owner, Wait{key, mode, Activity::now_us()});
    // Cancels and timeouts are noticed within this interval.
    released_.wait_for(lock, std::chrono::milliseconds(20));
  }
}

std::vector<AdvisoryLocks::Lock> AdvisoryLocks::locks() {
  std::lock_guard lock(mu_);
  std::vector<Lock> out;
  for (const auto &[key, holders] : locks_)
    for (const auto &[owner, h] : holders)
      for (Mode mode : {Mode::kExclusive, Mode::kShared})
        if (h.count[int(mode)][0] || h.count[int(mode)][1]) out.push_back({key, owner, mode, true, 0});
  for (const auto &[owner, w] : waits_) out.push_back({w.key, owner, w.mode, false, w.since_us});
  return out;
}

void AdvisoryLocks::forget_empty(Key key) {
  auto it = locks_.find(key);
  if (it == locks_.end()) return;
  for (auto h = it->second.begin(); h != it->second.end();) h = h->second.any() ? std::next(h) : it->second.erase(h);
  if (it->second.empty()) locks_.erase(it);
}

bool AdvisoryLocks::release(uint64_t owner, Key key, Mode mode) {
  std::lock_guard lock(mu_);
  auto it = locks_.find(key);
  if (it == locks_.end()) return false;
  auto h = it->second.find(owner);
  if (h == it->second.end()) return false;
  int &n = h->second.count[int(mode)][int(Scope::kSession)];
  if (n == 0) return false;
  --n;
  forget_empty(key);
  released_.notify_all();
  return true;
}

void AdvisoryLocks::release_all(uint64_t owner, Scope scope, bool all) {
  std::lock_guard lock(mu_);
  bool any = false;
  for (auto it = locks_.begin(); it != locks_.end();) {
    auto h = it->second.find(owner);
    if (h != it->second.end()) {
      for (int m = 0; m < 2; ++m)
        for (int s = 0; s < 2; ++s)
          if (all || s == int(scope)) {
            any = any || h->second.count[m][s] > 0;
            h->second.count[m][s] = 0;
          }
      if (!h->second.any()) it->second.erase(h);
    }
    it = it->second.empty() ? locks_.erase(it) : std::next(it);
  }
  if (any) released_.notify_all();
}

}  // namespace mallard::control
