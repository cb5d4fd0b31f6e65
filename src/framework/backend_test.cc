#include "framework/backend.h"

#include <gtest/gtest.h>

namespace coffer::framework {
namespace {

using core::Operation;

TEST(ConvertGoRegexTest, NamedGroupsAndClasses) {
  std::vector<std::string> names;
  std::string re = ConvertGoRegex("users/" + GenericNameRegex("name"), &names);
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[0], "name");
  EXPECT_EQ(names[1], "");
  EXPECT_TRUE(std::regex_match("users/alice-b.c", std::regex("^" + re + "$")));
  EXPECT_FALSE(std::regex_match("users/-bad", std::regex("^" + re + "$")));
}

class TestBackend : public Backend {
 public:
  TestBackend() {
    Path p;
    p.pattern = "items/" + GenericNameRegex("name");
    p.fields = {{"name", {FieldType::kString}},
                {"ttl", {FieldType::kDurationSecond, Json(60)}},
                {"tags", {FieldType::kStringSlice}}};
    p.operations[Operation::kRead] = [](core::Request&, FieldData& d) -> Result<core::Response> {
      return core::Response::WithData({{"name", d.GetString("name")},
                                       {"ttl", d.GetInt("ttl")},
                                       {"tags", d.GetStringSlice("tags")}});
    };
    p.operations[Operation::kUpdate] = [](core::Request&, FieldData& d) -> Result<core::Response> {
      return core::Response::WithData({{"ttl", d.GetDuration("ttl").count()}});
    };
    p.existence_check = [](core::Request&, FieldData& d) -> Result<bool> {
      return d.GetString("name") == "exists";
    };
    AddPaths({std::move(p)});
  }
};

TEST(FrameworkBackendTest, DispatchesWithCapturesAndDefaults) {
  TestBackend b;
  ASSERT_TRUE(b.Initialize().ok());
  core::Request req;
  req.operation = Operation::kRead;
  req.path = "items/widget";
  req.data = {{"tags", "a,b"}};
  auto r = b.HandleRequest(req);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->data["name"], "widget");
  EXPECT_EQ(r->data["ttl"], 60);
  EXPECT_EQ(r->data["tags"], Json::array({"a", "b"}));
}

TEST(FrameworkBackendTest, CreateFallsBackToUpdateAndConvertsDurations) {
  TestBackend b;
  core::Request req;
  req.operation = Operation::kCreate;
  req.path = "items/x";
  req.data = {{"ttl", "1h"}};
  auto r = b.HandleRequest(req);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->data["ttl"], 3600);
}

TEST(FrameworkBackendTest, ErrorsForUnknownPathOperationAndBadField) {
  TestBackend b;
  core::Request req;
  req.operation = Operation::kRead;
  req.path = "nothing/here";
  EXPECT_EQ(b.HandleRequest(req).error().code(), StatusCode::kNotFound);
  req.path = "items/x";
  req.operation = Operation::kDelete;
  EXPECT_EQ(b.HandleRequest(req).error().code(), StatusCode::kUnsupportedOperation);
  req.operation = Operation::kUpdate;
  req.data = {{"ttl", "forever"}};
  auto r = b.HandleRequest(req);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.error().message().find("ttl"), std::string::npos);
}

TEST(FrameworkBackendTest, ExistenceCheck) {
  TestBackend b;
  core::Request req;
  req.path = "items/exists";
  auto e = b.ExistenceCheck(req);
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->checked);
  EXPECT_TRUE(e->exists);
  req.path = "items/other";
  EXPECT_FALSE(b.ExistenceCheck(req)->exists);
}

}  // namespace
}  // namespace coffer::framework
