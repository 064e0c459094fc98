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

void set_path(Json &node, const std::vector<std::optional<std::string_view>> &path, size_t k, const Json &value,
              bool create_missing) {
  const std::string step(*path[k]);
  const bool last = k + 1 == path.size();
  if (node.is_object()) {
    auto it = node.find(step);
    if (last) {
      if (it != node.end() || create_missing) node[step] = value;
    } else if (it != node.end()) {
      set_path(*it, path, k + 1, value, create_missing);
    }
    return;
  }
  if (!node.is_array()) return;  // a scalar below the top: nothing to change
  long long index = 0;
  size_t used = 0;
  try {
    index = std::stoll(step, &used);
  } catch (const std::exception &) {
    used = 0;
  }
  if (used == 0 || used != step.size())
    throw Error(sqlstate::kInvalidTextRepresentation,
                "path element at position " + std::to_string(k + 1) + " is not an integer: \"" + step + "\"");
  const long long size = static_cast<long long>(node.size());
  if (index < 0) index += size;
  if (index >= 0 && index < size) {
    if (last)
      node[static_cast<size_t>(index)] = value;
    else
      set_path(node[static_cast<size_t>(index)], path, k + 1, value, create_missing);
  } else if (last && create_missing) {
    node.insert(index < 0 ? node.begin() : node.end(), value);
  }
}

}  // namespace

std::string jsonb_set(std::string_view doc, const std::vector<std::optional<std::string_view>> &path,
                      std::string_view value, bool create_missing) {
  Json j = parse(doc);
  for (size_t k = 0; k < path.size(); ++k)
    if (!path[k])
      throw Error(sqlstate::kNullValueNotAllowed, "path element at position " + std::to_string(k + 1) + " is null");
  if (!j.is_structured()) throw Error(sqlstate::kInvalidParameterValue, "cannot set path in scalar");
  if (!path.empty()) set_path(j, path, 0, parse(value), create_missing);
  return j.dump();
}

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
