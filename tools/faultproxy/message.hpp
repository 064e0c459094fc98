#pragma once
// PostgreSQL v3 protocol messages as the proxy sees them: framing in both directions, the few
// message bodies it reads (Query, Parse, Bind, Execute, Close, ErrorResponse, ReadyForQuery) and
// the few it writes. Everything else is carried as opaque bytes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "socket.hpp"

namespace mallard::faultproxy {

// Start-up packets (StartupMessage, SSLRequest, CancelRequest...) carry no type byte.
inline constexpr char kUntyped = 0;

struct Message {
  char type = kUntyped;
  std::string body;
};

// The wire form: type byte (unless untyped), int32 length including itself, body.
std::string encode(const Message &m);

// Buffered reader of one direction of a connection, so a burst of small messages (DataRows) costs
// one recv, not two per message. Reads only when asked to, which lets the session decide when a
// side is listened to at all.
class MessageReader {
 public:
  explicit MessageReader(Socket &socket) : socket_(socket) {}
  // Takes the next complete message out of the buffer. Untyped start-up packets while
  // `startup` is set. False when no complete message is buffered.
  bool next(Message &out, bool startup = false);
  // One recv into the buffer; false at end of stream, on error, or when the peer declared an
  // impossible length (the connection cannot be followed any further).
  bool fill();
  bool broken() const { return broken_; }

 private:
  Socket &socket_;
  std::string buf_;
  size_t start_ = 0;
  bool broken_ = false;
};

// Sequential reader of a message body; any read past the end marks it bad.
class BodyReader {
 public:
  explicit BodyReader(std::string_view body) : body_(body) {}
  std::string cstr();
  int16_t int16();
  int32_t int32();
  char byte();
  bool ok() const { return ok_; }

 private:
  std::string_view body_;
  size_t at_ = 0;
  bool ok_ = true;
};

// ErrorResponse / NoticeResponse fields in their wire order: (code letter, value).
using ErrorFields = std::vector<std::pair<char, std::string>>;
ErrorFields parse_error_fields(std::string_view body);
std::string error_fields_body(const ErrorFields &fields);
std::string field_value(const ErrorFields &fields, char code);
void set_field(ErrorFields &fields, char code, std::string value);

// An ERROR with just what clients read: severity, SQLSTATE, message and optionally a hint.
Message error_message(std::string_view sqlstate, std::string_view text, std::string_view hint = {});
Message query_message(std::string_view sql);
Message parse_message(std::string_view statement, std::string_view sql);
Message ready_for_query(char status);

// Start-up request codes (the int32 after the length of an untyped packet).
inline constexpr int32_t kSslRequest = 80877103;
inline constexpr int32_t kGssEncRequest = 80877104;
inline constexpr int32_t kCancelRequest = 80877102;
int32_t startup_code(const Message &m);

}  // namespace mallard::faultproxy
