#include "pgwire/server.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include <spdlog/spdlog.h>

#include "pgwire/session.hpp"
#include "pgwire/wire.hpp"

namespace mallard::pgwire {

Server::Server(ServerConfig config, control::Registry &registry)
    : config_(std::move(config)), registry_(registry) {
  tls_ = std::make_unique<TlsContext>(config_.data_dir, config_.tls_cert, config_.tls_key);
  if (pipe(wake_pipe_) != 0) throw Error(sqlstate::kInternalError, "pipe() failed");
}

Server::~Server() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
  ::close(wake_pipe_[0]);
  ::close(wake_pipe_[1]);
}

void Server::listen() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo *res = nullptr;
  std::string port = std::to_string(config_.port);
  const char *host = config_.host.empty() || config_.host == "*" ? nullptr : config_.host.c_str();
  if (int rc = getaddrinfo(host, port.c_str(), &hints, &res); rc != 0)
    throw Error(sqlstate::kConnectionException, "cannot resolve listen address \"" + config_.host + "\": " + gai_strerror(rc));
  std::string last_error;
  for (addrinfo *a = res; a; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 256) == 0) {
      listen_fd_ = fd;
      sockaddr_storage ss{};
      socklen_t len = sizeof(ss);
      getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len);
      bound_port_ = ntohs(ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in *>(&ss)->sin_port
                                                  : reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port);
      break;
    }
    last_error = std::strerror(errno);
    ::close(fd);
  }
  freeaddrinfo(res);
  if (listen_fd_ < 0)
    throw Error(sqlstate::kConnectionException,
                "could not listen on " + config_.host + ":" + port + ": " + last_error);
}

void Server::run() {
  spdlog::info("listening on {}:{}", config_.host, bound_port_);
  while (!stopping_) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    int r = ::poll(fds, 2, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      spdlog::error("poll: {}", std::strerror(errno));
      break;
    }
    if (fds[1].revents) break;
    if (!(fds[0].revents & POLLIN)) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
        spdlog::warn("accept: {}", std::strerror(errno));
        // Out of descriptors: back off instead of spinning.
        if (errno == EMFILE || errno == ENFILE) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      continue;
    }
    {
      std::lock_guard lock(mu_);
      ++live_threads_;
    }
    try {
      std::thread([this, fd] { serve_client(fd); }).detach();
    } catch (const std::exception &e) {
      spdlog::error("cannot start session thread: {}", e.what());
      ::close(fd);
      std::lock_guard lock(mu_);
      --live_threads_;
    }
  }
  ::close(listen_fd_);
  listen_fd_ = -1;
  // Interrupt every session and wait for all of them to end.
  std::unique_lock lock(mu_);
  for (auto &[pid, s] : sessions_) s->terminate();
  sessions_done_.wait(lock, [&] { return live_threads_ == 0; });
  spdlog::info("all sessions ended");
}

void Server::stop() {
  bool was = stopping_.exchange(true);
  if (was) return;
  char b = 1;
  [[maybe_unused]] auto n = ::write(wake_pipe_[1], &b, 1);
}

void Server::serve_client(int fd) {
  auto stream = std::make_unique<Stream>(fd);
  int32_t pid = next_pid_.fetch_add(1);
  {
    Session session(*this, std::move(stream), pid);
    bool admitted = false;
    {
      std::lock_guard lock(mu_);
      if (!stopping_) {
        sessions_[pid] = &session;
        admitted = true;
      }
    }
    if (admitted) {
      session.run();
      unregister_session(pid);
    }
  }
  std::lock_guard lock(mu_);
  --live_threads_;
  sessions_done_.notify_all();
}

void Server::unregister_session(int32_t pid) {
  std::lock_guard lock(mu_);
  sessions_.erase(pid);
}

int Server::active_sessions() {
  std::lock_guard lock(mu_);
  return static_cast<int>(sessions_.size());
}

void Server::cancel(int32_t pid, int32_t key) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(pid);
  if (it != sessions_.end()) it->second->cancel(key);
}

int Server::auth_failure_delay_ms(const std::string &address) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(address);
  if (it == failures_.end() || it->second.count <= 1) return 0;
  // Doubles with every consecutive failure from the same address, capped at 5 s.
  int shift = std::min(it->second.count - 2, 6);
  return std::min(100 << shift, 5000);
}

void Server::record_auth_failure(const std::string &address) {
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  auto &f = failures_[address];
  if (now - f.last > std::chrono::minutes(5)) f.count = 0;
  ++f.count;
  f.last = now;
  if (failures_.size() > 10000) failures_.clear();  // bounded memory under address churn
}

void Server::record_auth_success(const std::string &address) {
  std::lock_guard lock(mu_);
  failures_.erase(address);
}

}  // namespace mallard::pgwire
