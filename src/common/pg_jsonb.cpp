#include "common/pg_jsonb.hpp"

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace mallard {

namespace {

using Json = nlohmann::ordered_json;

Json parse(std::string_view text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    throw Error(sqlstate::kInvalidTextRepresentation, "invalid input syntax for type json: \"" + std::string(text) + "\"");
  return j;
}

bool has_key(const Json &doc, std::string_view key) {
  if (doc.is_object()) return doc.contains(key);
  if (doc.is_array()) {
    for (const auto &e : doc)
      if (e.is_string() && e.get_ref<const std::string &>() == key) return true;
    return false;
  }
  return doc.is_string() && doc.get_ref<const std::string &>() == key;
}

bool contains(const Json &a, const Json &b, bool top);

// Whether `b`, found where `a` is, is contained: containers by containment, scalars by equality
// (numbers by value).
bool contains_value(const Json &a, const Json &b) {
  if (b.is_structured()) return contains(a, b, false);
  return !a.is_structured() && a == b;
}

bool contains(const Json &a, const Json &b, bool top) {
  if (b.is_object()) {
    if (!a.is_object()) return false;
    for (const auto &[k, v] : b.items()) {
      auto it = a.find(k);
      if (it == a.end() || !contains_value(*it, v)) return false;
    }
    return true;
  }
  if (b.is_array()) {
    if (!a.is_array()) return false;
    for (const auto &be : b) {
      bool found = false;
      for (const auto &ae : a)
        if ((found = contains_value(ae, be))) break;
      if (!found) return false;
    }
    return true;
  }
  // A scalar: equal, or (only at the top) an element of an array.
  if (a.is_array() && top) {
    for (const auto &ae : a)
      if (!ae.is_structured() && ae == b) return true;
    return false;
  }
  return !a.is_structured() && a == b;
}

}  // namespace

bool jsonb_has_key(std::string_view doc, std::string_view key) { return has_key(parse(doc), key); }

bool jsonb_has_keys(std::string_view doc, const std::vector<std::optional<std::string_view>> &keys, bool all) {
  const Json j = parse(doc);
  for (const auto &k : keys) {
    if (!k) continue;
    if (has_key(j, *k) != all) return !all;
  }
  return all;
}

bool jsonb_contains(std::string_view doc, std::string_view other) { return contains(parse(doc), parse(other), true); }

std::string jsonb_concat(std::string_view a, std::string_view b) {
  Json left = parse(a), right = parse(b);
  if (left.is_object() && right.is_object()) {
    for (auto &[k, v] : right.items()) left[k] = v;
    return left.dump();
  }
  Json out = Json::array();
  for (Json *side : {&left, &right}) {
    if (side->is_array())
      for (auto &e : *side) out.push_back(e);
    else
      out.push_back(*side);
  }
  return out.dump();
}

}  // namespace mallard
