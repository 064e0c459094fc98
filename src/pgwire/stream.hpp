#pragma once
// A client socket, optionally wrapped in TLS after SSLRequest. Reads honour a deadline so that
// idle and authentication timeouts can end a session; writes are buffered by the caller.

#include <openssl/ssl.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>

namespace mallard::pgwire {

class TlsContext;

class Stream {
 public:
  explicit Stream(int fd);
  ~Stream();
  Stream(const Stream &) = delete;
  Stream &operator=(const Stream &) = delete;

  enum class ReadStatus { kOk, kClosed, kTimeout };
  // Fills buf with exactly n bytes. timeout_ms < 0 waits forever; a wake-up via interrupt() ends
  // the wait with kClosed.
  ReadStatus read_exact(char *buf, size_t n, int timeout_ms);
  // Writes all bytes; false when the peer is gone.
  bool write_all(const char *buf, size_t n);
  // Performs the TLS handshake on this socket. Returns false (and logs) on failure.
  bool start_tls(const TlsContext &ctx);
  bool is_tls() const { return ssl_ != nullptr; }
  // True when bytes are buffered or readable without blocking (used to detect pipelined input).
  bool has_pending_input();
  // Wakes any blocked read and makes further reads fail, while writes still work (so a final
  // error can be sent); safe from another thread.
  void shutdown();
  int fd() const { return fd_; }
  std::string peer_address() const;
  int peer_port() const;  // -1 for a Unix socket

 private:
  bool wait_readable(int timeout_ms);
  int fd_;
  SSL *ssl_ = nullptr;
  std::string rbuf_;
  size_t rpos_ = 0;
  size_t rlen_ = 0;
};

}  // namespace mallard::pgwire
