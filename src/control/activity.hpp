#pragma once
// What the sessions of one warehouse are doing, for pg_stat_activity, and the signals one session
// may send another (pg_cancel_backend, pg_terminate_backend). A warehouse sees only its own
// sessions: a pid of another warehouse is unknown here.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mallard::control {

class Activity {
 public:
  // One session as pg_stat_activity shows it. Times are microseconds since the Unix epoch, 0 when
  // not set.
  struct Row {
    int32_t pid = 0;
    std::string user, application_name, client_addr;
    int client_port = -1;  // -1: a Unix socket or unknown
    int64_t backend_start = 0, xact_start = 0, query_start = 0, state_change = 0;
    std::string state, query;
  };
  struct Signals {
    std::function<void()> cancel, terminate;
  };

  // A session's entry: it updates its own row.
  class Entry {
   public:
    // A statement starts: state "active"; the transaction starts with it unless one is open.
    void started(std::string_view query);
    // The session waits for the client: state "idle", "idle in transaction" or "idle in
    // transaction (aborted)" by ReadyForQuery's status (I, T, E).
    void ready(char status, const std::string &application_name);
    Row row();

   private:
    friend class Activity;
    std::mutex mu_;
    Row row_;
    Signals signals_;
  };
  // A session's membership: its row leaves the table, and its signals can no longer be sent,
  // when the handle goes (which waits for a signal being sent to it).
  class Handle {
   public:
    Handle() = default;
    Handle(Activity *activity, std::shared_ptr<Entry> entry) : activity_(activity), entry_(std::move(entry)) {}
    Handle(Handle &&o) noexcept : activity_(std::exchange(o.activity_, nullptr)), entry_(std::move(o.entry_)) {}
    Handle &operator=(Handle &&o) noexcept;
    ~Handle() { reset(); }
    void reset();
    Entry *operator->() const { return entry_.get(); }
    explicit operator bool() const { return entry_ != nullptr; }

   private:
    Activity *activity_ = nullptr;
    std::shared_ptr<Entry> entry_;
  };

  Handle join(Row row, Signals signals);
  std::vector<Row> rows();
  // Sends the signal to the session with that pid; false when there is none.
  bool cancel(int32_t pid) { return signal(pid, false); }
  bool terminate(int32_t pid) { return signal(pid, true); }

  static int64_t now_us();
  static constexpr size_t kQueryTextBytes = 1023;

 private:
  bool signal(int32_t pid, bool terminate);
  void leave(int32_t pid);

  std::mutex mu_;
  std::map<int32_t, std::shared_ptr<Entry>> entries_;
};

}  // namespace mallard::control
