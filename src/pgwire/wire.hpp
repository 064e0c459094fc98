#pragma once
// Framing of PostgreSQL v3 protocol messages: a bounds-checked reader over one message body and a
// writer that appends backend messages to an output buffer.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace mallard::pgwire {

inline constexpr int32_t kProtocolV3 = 196608;  // 3.0
inline constexpr int32_t kSslRequestCode = 80877103;
inline constexpr int32_t kGssEncRequestCode = 80877104;
inline constexpr int32_t kCancelRequestCode = 80877102;
inline constexpr size_t kMaxStartupPacket = 10000;
// Messages that carry no payload worth more than this are refused when larger, as PostgreSQL does.
inline constexpr size_t kSmallMessageLimit = 10000;

inline void put_u8(std::string &out, uint8_t v) { out.push_back(static_cast<char>(v)); }
inline void put_i16(std::string &out, int16_t v) {
  uint16_t u = static_cast<uint16_t>(v);
  char b[2] = {static_cast<char>(u >> 8), static_cast<char>(u)};
  out.append(b, 2);
}
inline void put_i32(std::string &out, int32_t v) {
  uint32_t u = static_cast<uint32_t>(v);
  char b[4] = {static_cast<char>(u >> 24), static_cast<char>(u >> 16), static_cast<char>(u >> 8),
               static_cast<char>(u)};
  out.append(b, 4);
}
inline void put_i64(std::string &out, int64_t v) {
  put_i32(out, static_cast<int32_t>(static_cast<uint64_t>(v) >> 32));
  put_i32(out, static_cast<int32_t>(static_cast<uint64_t>(v)));
}
inline void put_cstr(std::string &out, std::string_view s) {
  out.append(s);
  out.push_back('\0');
}
inline void patch_i32(std::string &out, size_t at, int32_t v) {
  uint32_t u = static_cast<uint32_t>(v);
  out[at] = static_cast<char>(u >> 24);
  out[at + 1] = static_cast<char>(u >> 16);
  out[at + 2] = static_cast<char>(u >> 8);
  out[at + 3] = static_cast<char>(u);
}
inline int32_t get_i32(const char *p) {
  const auto *u = reinterpret_cast<const unsigned char *>(p);
  return static_cast<int32_t>((uint32_t(u[0]) << 24) | (uint32_t(u[1]) << 16) | (uint32_t(u[2]) << 8) | u[3]);
}
inline int16_t get_i16(const char *p) {
  const auto *u = reinterpret_cast<const unsigned char *>(p);
  return static_cast<int16_t>((uint16_t(u[0]) << 8) | u[1]);
}

// Starts a backend message of `type`; end_message() writes its length.
inline size_t begin_message(std::string &out, char type) {
  out.push_back(type);
  size_t at = out.size();
  out.append(4, '\0');
  return at;
}
inline void end_message(std::string &out, size_t at) {
  patch_i32(out, at, static_cast<int32_t>(out.size() - at));
}

// Appends to a std::string through raw pointers, for the many small writes of DataRow messages:
// room() grows the string ahead of the writes, in large zero-filled steps, so that a write is a
// bounds check and a pointer bump rather than a std::string append. Until finish() (or the
// destructor) cuts it back to what was written, the string ends in unwritten room, so nothing
// else may use it meanwhile.
class ByteWriter {
 public:
  explicit ByteWriter(std::string &s) : s_(s), pos_(s.size()) {}
  ~ByteWriter() { finish(); }
  ByteWriter(const ByteWriter &) = delete;
  ByteWriter &operator=(const ByteWriter &) = delete;

  // Where the next bytes go, with at least n bytes of room.
  char *room(size_t n) {
    if (s_.size() - pos_ < n) [[unlikely]]
      grow(n);
    return s_.data() + pos_;
  }
  // The bytes up to `end`, a pointer into the last room(), are written.
  void commit(char *end) { pos_ = static_cast<size_t>(end - s_.data()); }
  void append(const char *data, size_t n) {
    char *p = room(n);
    std::memcpy(p, data, n);
    commit(p + n);
  }
  void put_i32(int32_t v) {
    char *p = room(4);
    store_i32(p, v);
    commit(p + 4);
  }
  static void store_i32(char *p, int32_t v) {
    uint32_t be = __builtin_bswap32(static_cast<uint32_t>(v));
    std::memcpy(p, &be, 4);
  }
  // Bytes written so far, including what the string held before; data() + offset stays valid
  // only until the next room().
  size_t size() const { return pos_; }
  char *data() { return s_.data(); }
  // Cuts the string back to the bytes written, e.g. before it is sent.
  std::string &finish() {
    s_.resize(pos_);
    return s_;
  }
  // Goes on writing after the string was changed by other means since finish().
  void resume() { pos_ = s_.size(); }

 private:
  // Out of line, so that room() stays small enough to be inlined at every write.
  [[gnu::noinline]] void grow(size_t n) { s_.resize(pos_ + (n > kStep ? n : kStep)); }
  static constexpr size_t kStep = 64 * 1024;
  std::string &s_;
  size_t pos_;
};

// Reads fields of one frontend message body. Any read past the end is a protocol violation.
class Reader {
 public:
  explicit Reader(std::string_view body) : body_(body) {}
  int16_t i16() {
    need(2);
    int16_t v = get_i16(body_.data() + pos_);
    pos_ += 2;
    return v;
  }
  int32_t i32() {
    need(4);
    int32_t v = get_i32(body_.data() + pos_);
    pos_ += 4;
    return v;
  }
  uint8_t u8() {
    need(1);
    return static_cast<uint8_t>(body_[pos_++]);
  }
  std::string_view cstr() {
    auto end = body_.find('\0', pos_);
    if (end == std::string_view::npos) throw Error(sqlstate::kProtocolViolation, "invalid string in message");
    auto s = body_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }
  std::string_view bytes(size_t n) {
    need(n);
    auto s = body_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  size_t remaining() const { return body_.size() - pos_; }
  void expect_end() const {
    if (pos_ != body_.size()) throw Error(sqlstate::kProtocolViolation, "invalid message format");
  }

 private:
  void need(size_t n) const {
    if (body_.size() - pos_ < n) throw Error(sqlstate::kProtocolViolation, "invalid message format");
  }
  std::string_view body_;
  size_t pos_ = 0;
};

}  // namespace mallard::pgwire
