#pragma once
// The PostgreSQL listener: accepts connections, runs one session thread per client, routes
// CancelRequests, throttles repeated authentication failures and shuts down cleanly.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/timer.hpp"
#include "control/warehouse.hpp"
#include "pgwire/tls.hpp"

namespace mallard::pgwire {

class Session;

enum class AuthMethod { kScramSha256, kMd5, kPassword };

struct ServerConfig {
  std::string data_dir;
  std::string host = "127.0.0.1";
  int port = 5433;
  AuthMethod auth_method = AuthMethod::kScramSha256;
  std::string tls_cert, tls_key;
  bool tls_required = false;
  int max_connections = 100;
  size_t max_message_size = 256u << 20;
  int authentication_timeout_ms = 60000;
};

class Server {
 public:
  Server(ServerConfig config, control::Registry &registry);
  ~Server();
  // Binds the listening socket (throws Error on failure); then run() serves until stop().
  void listen();
  int bound_port() const { return bound_port_; }
  void run();
  // Safe from any thread (the signal thread): stops accepting, interrupts sessions, and makes run()
  // return once every session has ended.
  void stop();

  const ServerConfig &config() const { return config_; }
  control::Registry &registry() { return registry_; }
  const TlsContext *tls() const { return tls_.get(); }
  Timer &timer() { return timer_; }
  bool stopping() const { return stopping_.load(); }

  // Session bookkeeping (called by sessions).
  void unregister_session(int32_t pid);
  int active_sessions();
  void cancel(int32_t pid, int32_t key);
  // Seconds to wait before answering a failed authentication from this address.
  int auth_failure_delay_ms(const std::string &address);
  void record_auth_failure(const std::string &address);
  void record_auth_success(const std::string &address);

 private:
  void serve_client(int fd);
  ServerConfig config_;
  control::Registry &registry_;
  std::unique_ptr<TlsContext> tls_;
  Timer timer_;
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  int bound_port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int32_t> next_pid_{1000};

  std::mutex mu_;
  std::condition_variable sessions_done_;
  int live_threads_ = 0;
  std::map<int32_t, Session *> sessions_;
  struct Failures {
    int count = 0;
    std::chrono::steady_clock::time_point last;
  };
  std::map<std::string, Failures> failures_;
};

}  // namespace mallard::pgwire
