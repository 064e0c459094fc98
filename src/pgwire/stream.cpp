#include "pgwire/stream.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <spdlog/spdlog.h>

#include "pgwire/tls.hpp"

namespace mallard::pgwire {

Stream::Stream(int fd) : fd_(fd) {
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  setsockopt(fd_, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
  rbuf_.resize(64 * 1024);
}

Stream::~Stream() {
  if (ssl_) SSL_free(ssl_);
  ::close(fd_);
}

void Stream::shutdown() { ::shutdown(fd_, SHUT_RD); }

int Stream::peer_port() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getpeername(fd_, reinterpret_cast<sockaddr *>(&ss), &len) != 0) return -1;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in *>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port);
  return -1;
}

std::string Stream::peer_address() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getpeername(fd_, reinterpret_cast<sockaddr *>(&ss), &len) != 0) return "unknown";
  char buf[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in *>(&ss)->sin_addr, buf, sizeof(buf));
  else if (ss.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_addr, buf, sizeof(buf));
  else
    return "local";
  return buf;
}

bool Stream::wait_readable(int timeout_ms) {
  pollfd p{fd_, POLLIN, 0};
  while (true) {
    int r = ::poll(&p, 1, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    return r > 0;
  }
}

bool Stream::has_pending_input() {
  if (rpos_ < rlen_) return true;
  if (ssl_ && SSL_pending(ssl_) > 0) return true;
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

Stream::ReadStatus Stream::read_exact(char *buf, size_t n, int timeout_ms) {
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
  size_t got = 0;
  while (got < n) {
    size_t avail = rlen_ - rpos_;
    if (avail > 0) {
      size_t take = std::min(avail, n - got);
      std::memcpy(buf + got, rbuf_.data() + rpos_, take);
      rpos_ += take;
      got += take;
      continue;
    }
    rpos_ = 0;
    rlen_ = 0;
    bool ssl_buffered = ssl_ && SSL_pending(ssl_) > 0;
    if (!ssl_buffered) {
      int wait = -1;
      if (timeout_ms >= 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return ReadStatus::kTimeout;
        wait = static_cast<int>(left);
      }
      if (!wait_readable(wait)) return timeout_ms >= 0 ? ReadStatus::kTimeout : ReadStatus::kClosed;
    }
    // A large request reads straight into the caller's buffer to avoid a copy.
    char *dst = rbuf_.data();
    size_t cap = rbuf_.size();
    bool direct = (n - got) >= rbuf_.size();
    if (direct) {
      dst = buf + got;
      cap = n - got;
    }
    ssize_t r;
    if (ssl_) {
      r = SSL_read(ssl_, dst, static_cast<int>(std::min<size_t>(cap, INT32_MAX)));
      if (r <= 0) {
        int e = SSL_get_error(ssl_, static_cast<int>(r));
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) continue;
        return ReadStatus::kClosed;
      }
    } else {
      r = ::recv(fd_, dst, cap, 0);
      if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (r <= 0) return ReadStatus::kClosed;
    }
    if (direct) {
      got += static_cast<size_t>(r);
    } else {
      rlen_ = static_cast<size_t>(r);
    }
  }
  return ReadStatus::kOk;
}

bool Stream::write_all(const char *buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t w;
    if (ssl_) {
      w = SSL_write(ssl_, buf + done, static_cast<int>(std::min<size_t>(n - done, INT32_MAX)));
      if (w <= 0) {
        int e = SSL_get_error(ssl_, static_cast<int>(w));
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) continue;
        return false;
      }
    } else {
      w = ::send(fd_, buf + done, n - done, MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return false;
    }
    done += static_cast<size_t>(w);
  }
  return true;
}

bool Stream::start_tls(const TlsContext &ctx) {
  // Bytes the client pipelined after SSLRequest would be plaintext injected before the
  // handshake (CVE-2021-23214): refuse them.
  if (rpos_ < rlen_) {
    spdlog::warn("unencrypted data after SSL request from {}", peer_address());
    return false;
  }
  ssl_ = ctx.new_ssl(fd_);
  if (!ssl_) return false;
  if (SSL_accept(ssl_) != 1) {
    spdlog::info("TLS handshake with {} failed", peer_address());
    return false;
  }
  return true;
}

}  // namespace mallard::pgwire
