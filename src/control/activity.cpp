#include "control/activity.hpp"

#include <algorithm>
#include <chrono>

namespace mallard::control {

int64_t Activity::now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Activity::Entry::started(std::string_view query) {
  // As PostgreSQL keeps it (track_activity_query_size): the first 1023 bytes, whole characters.
  size_t n = std::min(query.size(), kQueryTextBytes);
  while (n < query.size() && n > 0 && (static_cast<unsigned char>(query[n]) & 0xC0) == 0x80) --n;
  int64_t now = now_us();
  std::lock_guard lock(mu_);
  row_.state = "active";
  row_.query.assign(query.data(), n);
  row_.query_start = row_.state_change = now;
  if (row_.xact_start == 0) row_.xact_start = now;
}

void Activity::Entry::ready(char status, const std::string &application_name) {
  int64_t now = now_us();
  std::lock_guard lock(mu_);
  row_.state = status == 'I' ? "idle" : status == 'T' ? "idle in transaction" : "idle in transaction (aborted)";
  if (status == 'I') row_.xact_start = 0;
  row_.state_change = now;
  if (row_.application_name != application_name) row_.application_name = application_name;
}

Activity::Row Activity::Entry::row() {
  std::lock_guard lock(mu_);
  return row_;
}

Activity::Handle &Activity::Handle::operator=(Handle &&o) noexcept {
  if (this != &o) {
    reset();
    activity_ = std::exchange(o.activity_, nullptr);
    entry_ = std::move(o.entry_);
  }
  return *this;
}

void Activity::Handle::reset() {
  if (activity_ && entry_) activity_->leave(entry_->row_.pid);
  activity_ = nullptr;
  entry_.reset();
}

Activity::Handle Activity::join(Row row, Signals signals) {
  auto entry = std::make_shared<Entry>();
  entry->row_ = std::move(row);
  entry->row_.state = "idle";
  entry->row_.state_change = now_us();
  entry->signals_ = std::move(signals);
  std::lock_guard lock(mu_);
  entries_[entry->row_.pid] = entry;
  return Handle(this, entry);
}

void Activity::leave(int32_t pid) {
  std::lock_guard lock(mu_);
  entries_.erase(pid);
}

std::vector<Activity::Row> Activity::rows() {
  std::vector<std::shared_ptr<Entry>> live;
  {
    std::lock_guard lock(mu_);
    for (auto &[pid, e] : entries_) live.push_back(e);
  }
  std::vector<Row> out;
  out.reserve(live.size());
  for (auto &e : live) out.push_back(e->row());
  return out;
}

bool Activity::signal(int32_t pid, bool terminate) {
  // Sent under the registry's lock: a session leaves (after which its signals would reach a
  // session that is gone) only after taking it.
  std::lock_guard lock(mu_);
  auto it = entries_.find(pid);
  if (it == entries_.end()) return false;
  const auto &fn = terminate ? it->second->signals_.terminate : it->second->signals_.cancel;
  if (fn) fn();
  return true;
}

}  // namespace mallard::control
