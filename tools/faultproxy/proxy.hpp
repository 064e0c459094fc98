#pragma once
// The proxy: a listener, and one thread per client connection (a Session). Usable in-process
// (tests start one per test and reconfigure it while it runs) or through the `faultproxy`
// executable (main.cpp).

#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "faults.hpp"
#include "socket.hpp"
#include "stats.hpp"

namespace mallard::faultproxy {

class Session;

struct ProxyOptions {
  Endpoint listen{"127.0.0.1", 0};
  Endpoint upstream;
  FaultConfig faults;
};

class Proxy {
 public:
  explicit Proxy(ProxyOptions options);
  ~Proxy();
  Proxy(const Proxy &) = delete;
  Proxy &operator=(const Proxy &) = delete;

  // Binds the listening socket (throws std::runtime_error when it cannot) and starts accepting.
  void start();
  // Stops accepting, ends every session (their sockets are closed; the upstream server rolls back
  // whatever they had open) and waits for their threads. Idempotent.
  void stop();

  int port() const { return port_; }
  const ProxyOptions &options() const { return options_; }
  // Applies to every session from its next decision on.
  void configure(const FaultConfig &faults) { faults_.configure(faults); }
  FaultConfig faults() const { return faults_.config(); }
  Stats stats() const { return counters_.snapshot(); }

 private:
  struct Worker;
  void accept_loop();
  void reap_finished();  // with mu_ held

  ProxyOptions options_;
  Faults faults_;
  Counters counters_;
  Socket listener_;
  Socket wake_read_, wake_write_;  // a byte on this pair wakes the accept loop for stop()
  int port_ = 0;
  std::thread acceptor_;
  std::mutex mu_;
  bool stopping_ = false;
  std::list<std::unique_ptr<Worker>> workers_;
};

}  // namespace mallard::faultproxy
