#include "support/wire.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mallard::it {

using Clock = std::chrono::steady_clock;

Wire::~Wire() {
  if (fd_ >= 0 && !owner_) close(fd_);
}

Wire::Wire(Wire &&other) noexcept { *this = std::move(other); }

Wire &Wire::operator=(Wire &&other) noexcept {
  if (this != &other) {
    if (fd_ >= 0 && !owner_) close(fd_);
    fd_ = other.fd_;
    owner_ = std::move(other.owner_);
    buf_ = std::move(other.buf_);
    other.fd_ = -1;
  }
  return *this;
}

Wire Wire::connect_tcp(int port) {
  Wire w;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return w;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
    close(fd);
    return w;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  w.fd_ = fd;
  return w;
}

Wire Wire::session(const Server &server) { return session(server.conninfo("sslmode=disable")); }

Wire Wire::session(const std::string &conninfo) {
  Wire w;
  ConnectAttempt a = try_connect(conninfo);
  if (!a.ok) {
    ADD_FAILURE() << "could not open a session: " << a.message;
    return w;
  }
  w.fd_ = PQsocket(a.conn.get());
  w.owner_ = std::move(a.conn);
  return w;
}

bool Wire::send(std::string_view bytes) {
  size_t done = 0;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (done < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      if (Clock::now() > deadline) return false;
      pollfd p{fd_, POLLOUT, 0};
      poll(&p, 1, 100);
      continue;
    }
    return false;
  }
  return true;
}

void Wire::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

ReadStatus Wire::fill(size_t need, Clock::time_point deadline) {
  char tmp[65536];
  while (buf_.size() < need) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return ReadStatus::kTimeout;
    pollfd p{fd_, POLLIN, 0};
    int rc = poll(&p, 1, static_cast<int>(left));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) continue;
    ssize_t n = recv(fd_, tmp, sizeof tmp, 0);
    if (n > 0) {
      buf_.append(tmp, static_cast<size_t>(n));
    } else if (n == 0) {
      return ReadStatus::kClosed;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return ReadStatus::kClosed;  // ECONNRESET counts as closed
    }
  }
  return ReadStatus::kOk;
}

ReadStatus Wire::read_msg(Msg &out, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  ReadStatus st = fill(5, deadline);
  if (st != ReadStatus::kOk) return st;
  int32_t len = get32(buf_, 1);
  if (len < 4 || len > (64 << 20)) return ReadStatus::kClosed;
  st = fill(1 + static_cast<size_t>(len), deadline);
  if (st != ReadStatus::kOk) return st;
  out.type = buf_[0];
  out.body = buf_.substr(5, static_cast<size_t>(len) - 4);
  buf_.erase(0, 1 + static_cast<size_t>(len));
  return ReadStatus::kOk;
}

ReadStatus Wire::read_byte(char &out, std::chrono::milliseconds timeout) {
  ReadStatus st = fill(1, Clock::now() + timeout);
  if (st != ReadStatus::kOk) return st;
  out = buf_[0];
  buf_.erase(0, 1);
  return ReadStatus::kOk;
}

std::vector<Msg> Wire::read_until(char stop, std::chrono::milliseconds timeout, ReadStatus *status) {
  std::vector<Msg> msgs;
  auto deadline = Clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    Msg m;
    ReadStatus st = read_msg(m, left.count() > 0 ? left : std::chrono::milliseconds(0));
    if (st != ReadStatus::kOk) {
      if (status) *status = st;
      return msgs;
    }
    msgs.push_back(m);
    if (m.type == stop) {
      if (status) *status = ReadStatus::kOk;
      return msgs;
    }
  }
}

bool Wire::wait_closed(std::chrono::milliseconds timeout, std::vector<Msg> *seen) {
  // Raw bytes until EOF: what the server sends before closing need not be well-formed v3 messages
  // (an answer to a protocol 2 client, for one).
  auto deadline = Clock::now() + timeout;
  ReadStatus st = ReadStatus::kOk;
  while (st == ReadStatus::kOk) st = fill(buf_.size() + 1, deadline);
  while (seen && buf_.size() >= 5) {
    int32_t len = get32(buf_, 1);
    if (len < 4 || static_cast<size_t>(len) + 1 > buf_.size()) break;
    seen->push_back({buf_[0], buf_.substr(5, static_cast<size_t>(len) - 4)});
    buf_.erase(0, 1 + static_cast<size_t>(len));
  }
  return st == ReadStatus::kClosed;
}

// ---- builders ----

std::string be16(int16_t v) {
  uint16_t n = htons(static_cast<uint16_t>(v));
  return std::string(reinterpret_cast<const char *>(&n), 2);
}
std::string be32(int32_t v) {
  uint32_t n = htonl(static_cast<uint32_t>(v));
  return std::string(reinterpret_cast<const char *>(&n), 4);
}
std::string be64(int64_t v) {
  return be32(static_cast<int32_t>(static_cast<uint64_t>(v) >> 32)) + be32(static_cast<int32_t>(v & 0xffffffff));
}
std::string cstr(std::string_view s) { return std::string(s) + '\0'; }
std::string frame(char type, std::string_view body) {
  return std::string(1, type) + be32(static_cast<int32_t>(body.size() + 4)) + std::string(body);
}

std::string startup_packet(int32_t version, const std::vector<std::pair<std::string, std::string>> &params) {
  std::string body = be32(version);
  for (const auto &kv : params) body += cstr(kv.first) + cstr(kv.second);
  body += '\0';
  return be32(static_cast<int32_t>(body.size() + 4)) + body;
}
std::string default_startup() { return startup_packet(196608, {{"user", kUser}, {"database", kDatabase}}); }
std::string ssl_request() { return be32(8) + be32(80877103); }
std::string gssenc_request() { return be32(8) + be32(80877104); }
std::string cancel_request(int32_t pid, int32_t key) { return be32(16) + be32(80877102) + be32(pid) + be32(key); }

std::string msg_query(std::string_view sql) { return frame('Q', cstr(sql)); }
std::string msg_parse(std::string_view name, std::string_view sql, const std::vector<uint32_t> &oids) {
  std::string body = cstr(name) + cstr(sql) + be16(static_cast<int16_t>(oids.size()));
  for (uint32_t o : oids) body += be32(static_cast<int32_t>(o));
  return frame('P', body);
}
std::string msg_bind(std::string_view portal, std::string_view stmt, const std::vector<std::optional<std::string>> &params,
                     const std::vector<int16_t> &param_formats, const std::vector<int16_t> &result_formats) {
  std::string body = cstr(portal) + cstr(stmt) + be16(static_cast<int16_t>(param_formats.size()));
  for (int16_t f : param_formats) body += be16(f);
  body += be16(static_cast<int16_t>(params.size()));
  for (const auto &p : params) {
    if (!p) {
      body += be32(-1);
    } else {
      body += be32(static_cast<int32_t>(p->size())) + *p;
    }
  }
  body += be16(static_cast<int16_t>(result_formats.size()));
  for (int16_t f : result_formats) body += be16(f);
  return frame('B', body);
}
std::string msg_describe(char kind, std::string_view name) { return frame('D', std::string(1, kind) + cstr(name)); }
std::string msg_execute(std::string_view portal, int32_t max_rows) { return frame('E', cstr(portal) + be32(max_rows)); }
std::string msg_close(char kind, std::string_view name) { return frame('C', std::string(1, kind) + cstr(name)); }
std::string msg_sync() { return frame('S', ""); }
std::string msg_flush() { return frame('H', ""); }
std::string msg_terminate() { return frame('X', ""); }

// ---- readers ----

int16_t get16(std::string_view b, size_t at) {
  if (at + 2 > b.size()) return 0;
  uint16_t n;
  memcpy(&n, b.data() + at, 2);
  return static_cast<int16_t>(ntohs(n));
}
int32_t get32(std::string_view b, size_t at) {
  if (at + 4 > b.size()) return 0;
  uint32_t n;
  memcpy(&n, b.data() + at, 4);
  return static_cast<int32_t>(ntohl(n));
}
int64_t get64(std::string_view b, size_t at) {
  return static_cast<int64_t>((static_cast<uint64_t>(static_cast<uint32_t>(get32(b, at))) << 32) |
                              static_cast<uint32_t>(get32(b, at + 4)));
}

std::map<char, std::string> error_fields(const Msg &m) {
  std::map<char, std::string> f;
  size_t i = 0;
  while (i < m.body.size() && m.body[i] != '\0') {
    char code = m.body[i++];
    size_t end = m.body.find('\0', i);
    if (end == std::string::npos) break;
    f[code] = m.body.substr(i, end - i);
    i = end + 1;
  }
  return f;
}

std::string command_tag(const Msg &m) {
  size_t end = m.body.find('\0');
  return m.body.substr(0, end);
}

std::vector<std::optional<std::string>> data_row(const Msg &m) {
  std::vector<std::optional<std::string>> row;
  int16_t n = get16(m.body, 0);
  size_t at = 2;
  for (int i = 0; i < n; ++i) {
    int32_t len = get32(m.body, at);
    at += 4;
    if (len < 0) {
      row.push_back(std::nullopt);
    } else {
      row.push_back(m.body.substr(at, static_cast<size_t>(len)));
      at += static_cast<size_t>(len);
    }
  }
  return row;
}

std::vector<FieldDesc> row_description(const Msg &m) {
  std::vector<FieldDesc> out;
  int16_t n = get16(m.body, 0);
  size_t at = 2;
  for (int i = 0; i < n; ++i) {
    FieldDesc d;
    size_t end = m.body.find('\0', at);
    if (end == std::string::npos) break;
    d.name = m.body.substr(at, end - at);
    at = end + 1;
    d.type_oid = static_cast<uint32_t>(get32(m.body, at + 6));
    d.format = get16(m.body, at + 16);
    at += 18;
    out.push_back(d);
  }
  return out;
}

std::vector<uint32_t> parameter_description(const Msg &m) {
  std::vector<uint32_t> out;
  int16_t n = get16(m.body, 0);
  for (int i = 0; i < n; ++i) out.push_back(static_cast<uint32_t>(get32(m.body, 2 + 4 * static_cast<size_t>(i))));
  return out;
}

std::string types_of(const std::vector<Msg> &msgs) {
  std::string s;
  for (const auto &m : msgs) {
    s += m.type;
    if (m.type == 'E') s += "(" + error_fields(m)['C'] + ": " + error_fields(m)['M'] + ")";
  }
  return s;
}

}  // namespace mallard::it
