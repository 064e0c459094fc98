#pragma once
// UTC offsets of a session time zone, for timestamptz/timetz text output. Named zones are read from
// the system's compiled tz database (TZif files), so values on either side of a daylight-saving
// change get their own offset, as PostgreSQL prints them.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mallard::pgwire {

class ZoneOffsets {
 public:
  // A zone with a constant offset (seconds east of UTC).
  static std::shared_ptr<const ZoneOffsets> fixed(int32_t seconds_east);
  // The named zone from the tz database ("Europe/Berlin", "UTC"), or nullptr if there is none.
  static std::shared_ptr<const ZoneOffsets> load(const std::string &name);

  // Offset east of UTC in effect at the given instant (seconds since the Unix epoch).
  int32_t offset_at(int64_t unix_seconds) const;
  bool is_fixed() const { return transitions_.empty(); }

 private:
  int32_t initial_ = 0;
  std::vector<int64_t> transitions_;  // ascending
  std::vector<int32_t> offsets_;      // offset from transitions_[i] on
};

}  // namespace mallard::pgwire
