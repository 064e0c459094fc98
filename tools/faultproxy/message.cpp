#include "message.hpp"

namespace mallard::faultproxy {

namespace {

// Larger than any message PostgreSQL accepts (1 GB of data plus framing); anything beyond is a
// corrupt stream, not data.
constexpr uint32_t kMaxLength = (1u << 30) + 1024;

void put32(std::string &out, uint32_t v) {
  out += static_cast<char>(v >> 24);
  out += static_cast<char>(v >> 16);
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v);
}

uint32_t get32(std::string_view s, size_t at) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[at + i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

}  // namespace

std::string encode(const Message &m) {
  std::string out;
  out.reserve(m.body.size() + 5);
  if (m.type != kUntyped) out += m.type;
  put32(out, static_cast<uint32_t>(m.body.size() + 4));
  out += m.body;
  return out;
}

bool MessageReader::next(Message &out, bool startup) {
  std::string_view avail(buf_.data() + start_, buf_.size() - start_);
  size_t header = startup ? 4 : 5;
  if (avail.size() < header) return false;
  uint32_t length = get32(avail, header - 4);
  if (length < 4 || length > kMaxLength) {
    broken_ = true;
    return false;
  }
  size_t total = header - 4 + length;
  if (avail.size() < total) return false;
  out.type = startup ? kUntyped : avail[0];
  out.body.assign(avail.substr(header, total - header));
  start_ += total;
  if (start_ == buf_.size()) {
    buf_.clear();
    start_ = 0;
  }
  return true;
}

bool MessageReader::fill() {
  if (broken_) return false;
  // Drop consumed bytes before growing, so the buffer holds at most one partial message plus
  // one read's worth.
  if (start_ > 0) {
    buf_.erase(0, start_);
    start_ = 0;
  }
  size_t old = buf_.size();
  buf_.resize(old + 65536);
  size_t got = socket_.read_some(buf_.data() + old, 65536);
  buf_.resize(old + got);
  return got > 0;
}

std::string BodyReader::cstr() {
  auto end = body_.find('\0', at_);
  if (end == std::string_view::npos) {
    ok_ = false;
    at_ = body_.size();
    return {};
  }
  std::string s(body_.substr(at_, end - at_));
  at_ = end + 1;
  return s;
}

int32_t BodyReader::int32() {
  if (body_.size() - at_ < 4) {
    ok_ = false;
    at_ = body_.size();
    return 0;
  }
  auto v = static_cast<int32_t>(get32(body_, at_));
  at_ += 4;
  return v;
}

int16_t BodyReader::int16() {
  if (body_.size() - at_ < 2) {
    ok_ = false;
    at_ = body_.size();
    return 0;
  }
  auto v = static_cast<int16_t>((static_cast<unsigned char>(body_[at_]) << 8) | static_cast<unsigned char>(body_[at_ + 1]));
  at_ += 2;
  return v;
}

char BodyReader::byte() {
  if (at_ >= body_.size()) {
    ok_ = false;
    return 0;
  }
  return body_[at_++];
}

ErrorFields parse_error_fields(std::string_view body) {
  ErrorFields fields;
  BodyReader r(body);
  while (r.ok()) {
    char code = r.byte();
    if (!r.ok() || code == '\0') break;
    std::string value = r.cstr();
    if (!r.ok()) break;
    fields.emplace_back(code, std::move(value));
  }
  return fields;
}

std::string error_fields_body(const ErrorFields &fields) {
  std::string body;
  for (const auto &[code, value] : fields) {
    body += code;
    body += value;
    body += '\0';
  }
  body += '\0';
  return body;
}

std::string field_value(const ErrorFields &fields, char code) {
  for (const auto &[c, v] : fields)
    if (c == code) return v;
  return {};
}

void set_field(ErrorFields &fields, char code, std::string value) {
  for (auto &[c, v] : fields) {
    if (c == code) {
      v = std::move(value);
      return;
    }
  }
  fields.emplace_back(code, std::move(value));
}

Message error_message(std::string_view sqlstate, std::string_view text, std::string_view hint) {
  ErrorFields f = {{'S', "ERROR"}, {'V', "ERROR"}, {'C', std::string(sqlstate)}, {'M', std::string(text)}};
  if (!hint.empty()) f.emplace_back('H', std::string(hint));
  return {'E', error_fields_body(f)};
}

Message query_message(std::string_view sql) {
  Message m{'Q', std::string(sql)};
  m.body += '\0';
  return m;
}

Message parse_message(std::string_view statement, std::string_view sql) {
  Message m{'P', std::string(statement)};
  m.body += '\0';
  m.body += sql;
  m.body += '\0';
  m.body.append(2, '\0');  // no parameter types
  return m;
}

Message ready_for_query(char status) { return {'Z', std::string(1, status)}; }

int32_t startup_code(const Message &m) {
  BodyReader r(m.body);
  int32_t code = r.int32();
  return r.ok() ? code : 0;
}

}  // namespace mallard::faultproxy
