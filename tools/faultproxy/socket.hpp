#pragma once
// TCP sockets for the proxy: an owning descriptor, listening and connecting by "host:port", and
// whole-buffer reads and writes. Blocking I/O throughout: a session is one thread, and blocking is
// what keeps it simple (it waits exactly where PostgreSQL's own backend would).

#include <cstddef>
#include <string>
#include <string_view>

namespace mallard::faultproxy {

struct Endpoint {
  std::string host;
  int port = 0;
  std::string to_string() const { return host + ":" + std::to_string(port); }
};

// "host:port" (the port may be 0 for listening: any free port). Throws std::invalid_argument.
Endpoint parse_endpoint(std::string_view text);

class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket();
  Socket(Socket &&other) noexcept : fd_(other.release()) {}
  Socket &operator=(Socket &&other) noexcept;
  Socket(const Socket &) = delete;
  Socket &operator=(const Socket &) = delete;

  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release();

  // Reads exactly n bytes; false on end of stream or error.
  bool read_exact(void *out, size_t n);
  // Reads what is available (at least one byte, blocking until then); 0 on end of stream or error.
  size_t read_some(void *out, size_t n);
  // Writes all of data; false when the peer is gone.
  bool write_all(std::string_view data);
  // Wakes any thread blocked on this socket (reads then see end of stream) without closing the
  // descriptor, so it cannot be reused under that thread's feet.
  void shutdown_both();

 private:
  int fd_ = -1;
};

// Listens on the endpoint (port 0: a free one). Throws std::runtime_error with the reason.
Socket listen_tcp(const Endpoint &at);
// The local port a listening socket is bound to.
int local_port(const Socket &s);
// The next connection on a listening socket; an invalid Socket when accept fails.
Socket accept_tcp(const Socket &listener);
// Connects to the endpoint; an invalid Socket when that fails.
Socket connect_tcp(const Endpoint &to);

}  // namespace mallard::faultproxy
