#pragma once
// PostgreSQL's jsonb operators over JSON text, for the functions that stand for them
// (control/catalog registers them; sql/rewrite turns the operators into calls):
//   doc ? key, doc ?| keys, doc ?& keys   a top-level key (or string array element) exists
//   a @> b, b <@ a                         containment, with jsonb's rules
//   a || b                                 objects merged, anything else concatenated as arrays
// Text that is not JSON is 22P02.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mallard {

bool jsonb_has_key(std::string_view doc, std::string_view key);
// Keys that are NULL are skipped; with `all`, every other key must exist, else one of them.
bool jsonb_has_keys(std::string_view doc, const std::vector<std::optional<std::string_view>> &keys, bool all);
bool jsonb_contains(std::string_view doc, std::string_view other);
std::string jsonb_concat(std::string_view a, std::string_view b);
// jsonb_set: `value` at `path` (object keys, or array positions counted from the end when
// negative); a missing last step is added when `create_missing` (before the first element or
// after the last for positions outside an array), a missing step before it changes nothing.
// 22004 for a NULL step, 22P02 for a position that is not an integer, 22023 for a scalar.
std::string jsonb_set(std::string_view doc, const std::vector<std::optional<std::string_view>> &path,
                      std::string_view value, bool create_missing);

}  // namespace mallard
