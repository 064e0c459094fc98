#include "pgwire/timezone.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>
#include <regex>

#include "common/error.hpp"
#include "common/strings.hpp"

namespace mallard::pgwire {

namespace {

uint32_t be32(const unsigned char *p) { return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]; }
int64_t be64(const unsigned char *p) { return static_cast<int64_t>((uint64_t(be32(p)) << 32) | be32(p + 4)); }

bool safe_name(const std::string &name) {
  if (name.empty() || name.size() > 64 || name.front() == '/' || name.find("..") != std::string::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' || c == '+';
  });
}

}  // namespace

std::shared_ptr<const ZoneOffsets> ZoneOffsets::fixed(int32_t seconds_east) {
  auto z = std::make_shared<ZoneOffsets>();
  z->initial_ = seconds_east;
  return z;
}

std::shared_ptr<const ZoneOffsets> ZoneOffsets::load(const std::string &name) {
  if (!safe_name(name)) return nullptr;
  std::ifstream in("/usr/share/zoneinfo/" + name, std::ios::binary);
  if (!in) return nullptr;
  std::vector<unsigned char> d((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // RFC 8536: a version-1 block with 32-bit times, then (version >= 2) a block with 64-bit times.
  auto header = [&](size_t at, uint32_t c[6]) {
    if (d.size() < at + 44 || std::string(d.begin() + at, d.begin() + at + 4) != "TZif") return false;
    for (int i = 0; i < 6; ++i) c[i] = be32(&d[at + 20 + 4 * i]);
    return true;
  };
  uint32_t c[6];  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  if (!header(0, c)) return nullptr;
  size_t at = 44;
  int time_size = 4;
  if (d[4] >= '2') {
    at += size_t(c[3]) * 4 + c[3] + size_t(c[4]) * 6 + c[5] + size_t(c[2]) * 8 + c[1] + c[0];
    if (!header(at, c)) return nullptr;
    at += 44;
    time_size = 8;
  }
  uint32_t timecnt = c[3], typecnt = c[4];
  size_t need = at + size_t(timecnt) * time_size + timecnt + size_t(typecnt) * 6;
  if (typecnt == 0 || d.size() < need) return nullptr;
  std::vector<int32_t> type_offset(typecnt);
  const unsigned char *types = &d[at + size_t(timecnt) * time_size + timecnt];
  for (uint32_t i = 0; i < typecnt; ++i) type_offset[i] = static_cast<int32_t>(be32(types + 6 * i));
  auto z = std::make_shared<ZoneOffsets>();
  z->initial_ = type_offset[0];
  for (uint32_t i = 0; i < timecnt; ++i) {
    const unsigned char *t = &d[at + size_t(i) * time_size];
    int64_t when = time_size == 8 ? be64(t) : static_cast<int32_t>(be32(t));
    uint8_t idx = d[at + size_t(timecnt) * time_size + i];
    if (idx >= typecnt) return nullptr;
    z->transitions_.push_back(when);
    z->offsets_.push_back(type_offset[idx]);
  }
  return z;
}

int32_t ZoneOffsets::offset_at(int64_t unix_seconds) const {
  if (transitions_.empty()) return initial_;
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), unix_seconds);
  if (it == transitions_.begin()) return initial_;
  return offsets_[static_cast<size_t>(it - transitions_.begin()) - 1];
}

namespace {

// PostgreSQL's name for a fixed offset: "<-05>+05", "<+05:30>-05:30".
std::string offset_zone_name(int32_t east) {
  int32_t a = std::abs(east);
  char hm[32];
  if (a % 3600 == 0)
    snprintf(hm, sizeof(hm), "%02d", a / 3600);
  else if (a % 60 == 0)
    snprintf(hm, sizeof(hm), "%02d:%02d", a / 3600, (a / 60) % 60);
  else
    snprintf(hm, sizeof(hm), "%02d:%02d:%02d", a / 3600, (a / 60) % 60, a % 60);
  bool east_or_zero = east >= 0;
  return std::string("<") + (east_or_zero ? "+" : "-") + hm + ">" + (east_or_zero ? "-" : "+") + hm;
}

Error invalid(const std::string &value) {
  return Error(sqlstate::kInvalidParameterValue, "invalid value for parameter \"TimeZone\": \"" + value + "\"");
}

// [+-]h[h][:mm[:ss]] as seconds (sign as written), or nullopt.
std::optional<int32_t> parse_hms(const std::string &s) {
  static const std::regex re(R"(^\s*([+-]?)(\d{1,3})(?::(\d{2}))?(?::(\d{2}))?\s*$)");
  std::smatch m;
  if (!std::regex_match(s, m, re)) return std::nullopt;
  int32_t h = std::stoi(m[2]), mi = m[3].matched ? std::stoi(m[3]) : 0, se = m[4].matched ? std::stoi(m[4]) : 0;
  if (mi > 59 || se > 59) return std::nullopt;
  int32_t v = h * 3600 + mi * 60 + se;
  return m[1] == "-" ? -v : v;
}

}  // namespace

ZoneSetting parse_zone_setting(const std::string &value) {
  ZoneSetting z;
  std::string v = value;
  // Fixed offsets beyond what PostgreSQL accepts (about a week) are refused there too.
  constexpr int32_t kMaxOffset = 168 * 3600;
  if (to_lower(v).rfind("interval", 0) == 0) {
    // INTERVAL 'hh:mm': ISO sign.
    auto q1 = v.find('\''), q2 = v.rfind('\'');
    if (q1 == std::string::npos || q2 <= q1) throw invalid(value);
    std::string body = v.substr(q1 + 1, q2 - q1 - 1);
    auto secs = parse_hms(body);
    if (!secs) {
      // '-8 hours', '5 hours 30 minutes'
      static const std::regex words(R"(^\s*([+-]?\d+)\s*hours?(?:\s+([+-]?\d+)\s*min(?:ute)?s?)?\s*$)",
                                    std::regex::icase);
      std::smatch m;
      if (!std::regex_match(body, m, words)) throw invalid(value);
      secs = std::stoi(m[1]) * 3600 + (m[2].matched ? std::stoi(m[2]) * 60 : 0);
    }
    if (std::abs(*secs) > kMaxOffset) throw invalid(value);
    z.seconds_east = *secs;
    z.display = offset_zone_name(*secs);
    return z;
  }
  {
    // A plain number of hours: ISO sign.
    double hours = 0;
    const char *b = v.data(), *e = v.data() + v.size();
    while (b < e && *b == ' ') ++b;
    if (b < e && *b == '+') ++b;  // from_chars takes no '+'
    auto [ptr, ec] = std::from_chars(b, e, hours);
    if (ec == std::errc() && ptr == e && b != e) {
      double secs = std::round(hours * 3600);
      if (std::fabs(secs) > kMaxOffset) throw invalid(value);
      z.seconds_east = static_cast<int32_t>(secs);
      z.display = offset_zone_name(*z.seconds_east);
      return z;
    }
  }
  if (ZoneOffsets::load(v) || to_lower(v) == "utc") {
    z.name = v;
    z.display = v;
    return z;
  }
  // POSIX "std offset" with no daylight-saving part: the offset counts hours west of UTC.
  static const std::regex posix(R"(^(<[^<>]+>|[A-Za-z]{3,})?([+-]?\d{1,2}(?::\d{2}){0,2})$)");
  std::smatch m;
  if (std::regex_match(v, m, posix)) {
    auto secs = parse_hms(m[2]);
    if (secs && std::abs(*secs) <= 24 * 3600) {
      z.seconds_east = -*secs;
      z.display = v;
      return z;
    }
  }
  // Otherwise a name the tz database may still know under another spelling (DuckDB decides).
  z.name = v;
  z.display = v;
  return z;
}

}  // namespace mallard::pgwire
