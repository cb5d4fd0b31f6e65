#include "base/json.h"

#include <gtest/gtest.h>

namespace coffer {
namespace {

TEST(JsonTest, StringListsAcceptCommaStringsAndArrays) {
  EXPECT_EQ(JsonToStringList(Json("a, b,,c")).value(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(JsonToStringList(Json::array({"x", " y "})).value(),
            (std::vector<std::string>{"x", "y"}));
  EXPECT_FALSE(JsonToStringList(Json::object()).has_value());
}

TEST(JsonTest, WeakBoolAndInt) {
  EXPECT_TRUE(JsonToBool(Json("true")).value());
  EXPECT_FALSE(JsonToBool(Json(0)).value());
  EXPECT_FALSE(JsonToBool(Json("maybe")).has_value());
  EXPECT_EQ(JsonToInt(Json("42")).value(), 42);
  EXPECT_EQ(JsonToInt(Json(7.0)).value(), 7);
  EXPECT_FALSE(JsonToInt(Json("4x")).has_value());
}

TEST(JsonTest, ParseJsonDoesNotThrow) {
  EXPECT_FALSE(ParseJson("{bad").has_value());
  EXPECT_EQ(ParseJson("{\"a\":1}").value()["a"], 1);
}

}  // namespace
}  // namespace coffer
