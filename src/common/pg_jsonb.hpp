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

}  // namespace mallard
