#pragma once
// Hand-made PostgreSQL v3 protocol messages over a plain socket, for what libpq cannot express
// (row-limited Execute, named portals, malformed or out-of-order input).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/server.hpp"

namespace mallard::it {

struct Msg {
  char type = 0;
  std::string body;
};

enum class ReadStatus { kOk, kClosed, kTimeout };

class Wire {
 public:
  Wire() = default;
  ~Wire();
  Wire(Wire &&other) noexcept;
  Wire &operator=(Wire &&other) noexcept;

  // A plain TCP connection to 127.0.0.1:port, nothing sent yet.
  static Wire connect_tcp(int port);
  // An authenticated session: libpq runs the start-up (sslmode=disable), then the socket is used raw.
  static Wire session(const Server &server);
  // The same through any libpq connection string (e.g. a proxy in front of a server).
  static Wire session(const std::string &conninfo);

  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  // False when the peer has closed the connection (EPIPE/ECONNRESET).
  bool send(std::string_view bytes);
  void shutdown_write();

  // One message ('type' + int32 length + body). Declared lengths over 64 MiB count as a protocol
  // error on the server's side and end the read with kClosed.
  ReadStatus read_msg(Msg &out, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // A single byte (SSLRequest / GSSENCRequest answers).
  ReadStatus read_byte(char &out, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Messages until one of type `stop` (included) arrives, the peer closes, or the timeout passes.
  std::vector<Msg> read_until(char stop, std::chrono::milliseconds timeout = std::chrono::seconds(10),
                              ReadStatus *status = nullptr);
  // Reads and discards until the peer closes; true if it closed within the timeout.
  bool wait_closed(std::chrono::milliseconds timeout, std::vector<Msg> *seen = nullptr);

 private:
  ReadStatus fill(size_t need, std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  Conn owner_;  // keeps the adopted libpq connection (and its socket) alive
  std::string buf_;
};

// ---- message builders ----
std::string be16(int16_t v);
std::string be32(int32_t v);
std::string be64(int64_t v);
std::string cstr(std::string_view s);  // s + '\0'
std::string frame(char type, std::string_view body);

std::string startup_packet(int32_t version, const std::vector<std::pair<std::string, std::string>> &params);
std::string default_startup();  // protocol 3.0, user and database mallard
std::string ssl_request();
std::string gssenc_request();
std::string cancel_request(int32_t pid, int32_t key);

std::string msg_query(std::string_view sql);
std::string msg_parse(std::string_view name, std::string_view sql, const std::vector<uint32_t> &oids = {});
// Parameters: nullopt is NULL. Formats: one entry per parameter, or a single shared one, or none (text).
std::string msg_bind(std::string_view portal, std::string_view stmt, const std::vector<std::optional<std::string>> &params,
                     const std::vector<int16_t> &param_formats = {}, const std::vector<int16_t> &result_formats = {});
std::string msg_describe(char kind, std::string_view name);
std::string msg_execute(std::string_view portal, int32_t max_rows = 0);
std::string msg_close(char kind, std::string_view name);
std::string msg_sync();
std::string msg_flush();
std::string msg_terminate();

// ---- message readers ----
int16_t get16(std::string_view b, size_t at);
int32_t get32(std::string_view b, size_t at);
int64_t get64(std::string_view b, size_t at);
// ErrorResponse / NoticeResponse fields by code letter ('C' sqlstate, 'M' message, 'S'/'V' severity...).
std::map<char, std::string> error_fields(const Msg &m);
std::string command_tag(const Msg &m);
std::vector<std::optional<std::string>> data_row(const Msg &m);
// RowDescription: (name, type oid, format) per column.
struct FieldDesc {
  std::string name;
  uint32_t type_oid = 0;
  int16_t format = 0;
};
std::vector<FieldDesc> row_description(const Msg &m);
std::vector<uint32_t> parameter_description(const Msg &m);
// "1CE..." style summary of message types, for failure messages.
std::string types_of(const std::vector<Msg> &msgs);

}  // namespace mallard::it
