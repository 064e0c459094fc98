#pragma once
// UTC offsets of a session time zone, for timestamptz/timetz text output. Named zones are read from
// the system's compiled tz database (TZif files), so values on either side of a daylight-saving
// change get their own offset, as PostgreSQL prints them.

#include <cstdint>
#include <memory>
#include <optional>
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

// A value of the TimeZone setting read as PostgreSQL reads it (check_timezone):
//   - a number of hours ("-5", "5.5", from SET TIME ZONE -5): a fixed offset, ISO sign (east is +);
//   - "INTERVAL '-08:00'" (from SET TIME ZONE INTERVAL '-08:00' HOUR TO MINUTE): a fixed offset;
//   - a tz database name ("Europe/Berlin", "UTC", "EST5EDT");
//   - a POSIX zone without daylight-saving rules ("+02:00", "UTC+2", "EST5"): a fixed offset
//     with POSIX's sign (west is +).
// Fixed offsets from numbers and intervals are shown as PostgreSQL shows them ("<-05>+05").
struct ZoneSetting {
  std::string display;                  // what SHOW TimeZone answers
  std::string name;                     // tz database name (empty for fixed offsets)
  std::optional<int32_t> seconds_east;  // fixed offsets
};
// Throws Error 22023 for values PostgreSQL would refuse too.
ZoneSetting parse_zone_setting(const std::string &value);

}  // namespace mallard::pgwire
