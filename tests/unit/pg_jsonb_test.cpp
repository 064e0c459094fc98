// jsonb's operators over JSON text, with PostgreSQL's rules.

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "common/pg_jsonb.hpp"

namespace mallard {
namespace {

TEST(PgJsonb, KeysExistAtTheTopLevel) {
  EXPECT_TRUE(jsonb_has_key(R"({"a": {"b": 1}})", "a"));
  EXPECT_FALSE(jsonb_has_key(R"({"a": {"b": 1}})", "b"));
  EXPECT_TRUE(jsonb_has_key(R"(["a", 1])", "a"));
  EXPECT_FALSE(jsonb_has_key(R"([["a"]])", "a"));
  EXPECT_TRUE(jsonb_has_key(R"("a")", "a"));
  EXPECT_FALSE(jsonb_has_key("1", "1"));
  std::vector<std::optional<std::string_view>> keys{"a", std::nullopt, "c"};
  EXPECT_TRUE(jsonb_has_keys(R"({"a": 1})", keys, false));
  EXPECT_FALSE(jsonb_has_keys(R"({"a": 1})", keys, true));
  EXPECT_TRUE(jsonb_has_keys(R"({"a": 1, "c": 2})", keys, true));
  EXPECT_TRUE(jsonb_has_keys("{}", {}, true));
  EXPECT_FALSE(jsonb_has_keys("{}", {}, false));
}

TEST(PgJsonb, Containment) {
  EXPECT_TRUE(jsonb_contains(R"({"a": 1, "b": [1, 2, {"c": 3}]})", R"({"b": [{"c": 3}, 2]})"));
  EXPECT_FALSE(jsonb_contains(R"({"a": 1})", R"({"a": 1, "b": null})"));
  EXPECT_TRUE(jsonb_contains(R"([1, 2, [1, 3]])", "[[1, 3]]"));
  EXPECT_FALSE(jsonb_contains(R"([1, 2, [1, 3]])", "[1, 3]"));
  EXPECT_TRUE(jsonb_contains(R"(["foo", "bar"])", R"("foo")"));       // a scalar in a top-level array
  EXPECT_FALSE(jsonb_contains(R"({"a": ["foo"]})", R"({"a": "foo"})"));  // but not further down
  EXPECT_TRUE(jsonb_contains(R"({"a": 1})", R"({"a": 1.0})"));
  EXPECT_FALSE(jsonb_contains(R"({"a": "1"})", R"({"a": 1})"));
  EXPECT_TRUE(jsonb_contains("[1, 1]", "[1]"));
  EXPECT_TRUE(jsonb_contains("[]", "[]"));
  EXPECT_FALSE(jsonb_contains("{}", "[]"));
}

TEST(PgJsonb, Concatenation) {
  EXPECT_EQ(jsonb_concat(R"({"a": 1, "b": 2})", R"({"b": 3, "c": 4})"), R"({"a":1,"b":3,"c":4})");
  EXPECT_EQ(jsonb_concat("[1]", "[2, 3]"), "[1,2,3]");
  EXPECT_EQ(jsonb_concat("[1]", R"({"a": 1})"), R"([1,{"a":1}])");
  EXPECT_EQ(jsonb_concat(R"({"a": 1})", "[1]"), R"([{"a":1},1])");
  EXPECT_EQ(jsonb_concat("1", "2"), "[1,2]");
}

TEST(PgJsonb, SetAtAPath) {
  using Path = std::vector<std::optional<std::string_view>>;
  EXPECT_EQ(jsonb_set(R"({"a": {"b": [1, 2]}})", Path{"a", "b", "1"}, "true", true), R"({"a":{"b":[1,true]}})");
  EXPECT_EQ(jsonb_set(R"([1, 2])", Path{"-2"}, "0", true), "[0,2]");
  EXPECT_EQ(jsonb_set(R"([1, 2])", Path{"9"}, "3", true), "[1,2,3]");
  EXPECT_EQ(jsonb_set(R"([1, 2])", Path{"-9"}, "0", true), "[0,1,2]");
  EXPECT_EQ(jsonb_set(R"([1, 2])", Path{"9"}, "3", false), "[1,2]");
  EXPECT_EQ(jsonb_set(R"({"a": 1})", Path{"b", "c"}, "3", true), R"({"a":1})");  // only the last step is made
  EXPECT_EQ(jsonb_set(R"({"a": 1})", Path{}, "3", true), R"({"a":1})");
  EXPECT_EQ(jsonb_set(R"({"a": 1})", Path{"a", "b"}, "3", true), R"({"a":1})");  // a scalar on the way
  auto state = [](std::string_view doc, Path path) {
    try {
      jsonb_set(doc, path, "1", true);
    } catch (const Error &e) {
      return e.sqlstate();
    }
    return std::string();
  };
  EXPECT_EQ(state("[1]", Path{"x"}), "22P02");
  EXPECT_EQ(state("[1]", Path{"1x"}), "22P02");
  EXPECT_EQ(state("{}", Path{std::nullopt}), "22004");
  EXPECT_EQ(state("1", Path{"a"}), "22023");
}

TEST(PgJsonb, TextThatIsNotJsonIs22P02) {
  try {
    jsonb_has_key("{", "a");
    FAIL();
  } catch (const Error &e) {
    EXPECT_EQ(e.sqlstate(), "22P02");
  }
}

}  // namespace
}  // namespace mallard
