#include "pgwire/timezone.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>

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

}  // namespace mallard::pgwire
