#include "socket.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mallard::faultproxy {

Endpoint parse_endpoint(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
    throw std::invalid_argument("expected host:port, got \"" + std::string(text) + "\"");
  Endpoint e;
  e.host = std::string(text.substr(0, colon));
  // [::1]:5432 style brackets around IPv6 literals.
  if (e.host.size() > 2 && e.host.front() == '[' && e.host.back() == ']') e.host = e.host.substr(1, e.host.size() - 2);
  std::string port(text.substr(colon + 1));
  size_t used = 0;
  int value = -1;
  try {
    value = std::stoi(port, &used);
  } catch (const std::exception &) {
  }
  if (used != port.size() || value < 0 || value > 65535)
    throw std::invalid_argument("invalid port in \"" + std::string(text) + "\"");
  e.port = value;
  return e;
}

Socket::~Socket() {
  if (fd_ >= 0) ::close(fd_);
}

Socket &Socket::operator=(Socket &&other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

int Socket::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

bool Socket::read_exact(void *out, size_t n) {
  auto *p = static_cast<char *>(out);
  while (n > 0) {
    size_t got = read_some(p, n);
    if (got == 0) return false;
    p += got;
    n -= got;
  }
  return true;
}

size_t Socket::read_some(void *out, size_t n) {
  while (true) {
    ssize_t r = ::recv(fd_, out, n, 0);
    if (r > 0) return static_cast<size_t>(r);
    if (r < 0 && errno == EINTR) continue;
    return 0;
  }
}

bool Socket::write_all(std::string_view data) {
  while (!data.empty()) {
    // MSG_NOSIGNAL: a vanished peer is an error return, not a SIGPIPE for the whole process.
    ssize_t r = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    data.remove_prefix(static_cast<size_t>(r));
  }
  return true;
}

void Socket::shutdown_both() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

namespace {

struct AddrInfo {
  addrinfo *list = nullptr;
  ~AddrInfo() {
    if (list) freeaddrinfo(list);
  }
};

// Resolves numerically first and by name otherwise; `passive` for a listening address.
int resolve(const Endpoint &e, bool passive, AddrInfo &out) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  std::string port = std::to_string(e.port);
  return getaddrinfo(e.host.empty() ? nullptr : e.host.c_str(), port.c_str(), &hints, &out.list);
}

void no_delay(int fd) {
  // Protocol messages are small and latency-bound; Nagle would add delays the proxy must not add.
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace

Socket listen_tcp(const Endpoint &at) {
  AddrInfo ai;
  if (int rc = resolve(at, true, ai); rc != 0)
    throw std::runtime_error("cannot resolve " + at.to_string() + ": " + gai_strerror(rc));
  std::string last_error = "no address";
  for (addrinfo *a = ai.list; a; a = a->ai_next) {
    Socket s(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
    if (!s.valid()) {
      last_error = std::strerror(errno);
      continue;
    }
    int one = 1;
    setsockopt(s.fd(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(s.fd(), a->ai_addr, a->ai_addrlen) != 0 || ::listen(s.fd(), 128) != 0) {
      last_error = std::strerror(errno);
      continue;
    }
    return s;
  }
  throw std::runtime_error("cannot listen on " + at.to_string() + ": " + last_error);
}

int local_port(const Socket &s) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getsockname(s.fd(), reinterpret_cast<sockaddr *>(&addr), &len) != 0) return 0;
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in *>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6 *>(&addr)->sin6_port);
  return 0;
}

Socket accept_tcp(const Socket &listener) {
  Socket s(::accept4(listener.fd(), nullptr, nullptr, SOCK_CLOEXEC));
  if (s.valid()) no_delay(s.fd());
  return s;
}

Socket connect_tcp(const Endpoint &to) {
  AddrInfo ai;
  if (resolve(to, false, ai) != 0) return {};
  for (addrinfo *a = ai.list; a; a = a->ai_next) {
    Socket s(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
    if (!s.valid()) continue;
    if (::connect(s.fd(), a->ai_addr, a->ai_addrlen) != 0) continue;
    no_delay(s.fd());
    return s;
  }
  return {};
}

}  // namespace mallard::faultproxy
