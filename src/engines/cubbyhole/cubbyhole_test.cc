#include "engines/cubbyhole/cubbyhole.h"

#include <gtest/gtest.h>

#include "storage/inmem/inmem.h"

namespace coffer::engines::cubbyhole {
namespace {

using core::Operation;

class CubbyholeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto b = Factory(core::BackendConfig{});
    ASSERT_TRUE(b.has_value()) << b.error().ToString();
    backend_ = std::move(*b);
  }

  Result<core::Response> Do(const std::string& token, Operation op, const std::string& path,
                            Json data = Json::object()) {
    core::Request req;
    req.operation = op;
    req.path = path;
    req.data = std::move(data);
    req.client_token = token;
    req.storage = &storage_;
    return backend_->HandleRequest(req);
  }

  storage::InmemBackend storage_;
  std::unique_ptr<core::Backend> backend_;
};

TEST_F(CubbyholeTest, ReadWriteDeleteList) {
  ASSERT_TRUE(Do("tok-a", Operation::kUpdate, "secret", {{"k", "v"}}).has_value());
  ASSERT_TRUE(Do("tok-a", Operation::kCreate, "dir/inner", {{"n", 1}}).has_value());
  auto r = Do("tok-a", Operation::kRead, "secret");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->data, Json({{"k", "v"}}));
  EXPECT_FALSE(r->secret.has_value());
  EXPECT_EQ(Do("tok-a", Operation::kList, "")->data["keys"], Json({"dir/", "secret"}));
  EXPECT_EQ(Do("tok-a", Operation::kList, "dir")->data["keys"], Json({"inner"}));
  ASSERT_TRUE(Do("tok-a", Operation::kDelete, "secret").has_value());
  EXPECT_EQ(Do("tok-a", Operation::kRead, "secret").error().code(), StatusCode::kNotFound);
}

TEST_F(CubbyholeTest, TokensAreIsolated) {
  ASSERT_TRUE(Do("tok-a", Operation::kUpdate, "shared-name", {{"owner", "a"}}).has_value());
  ASSERT_TRUE(Do("tok-b", Operation::kUpdate, "shared-name", {{"owner", "b"}}).has_value());
  EXPECT_EQ(Do("tok-a", Operation::kRead, "shared-name")->data["owner"], "a");
  EXPECT_EQ(Do("tok-b", Operation::kRead, "shared-name")->data["owner"], "b");
  ASSERT_TRUE(Do("tok-a", Operation::kUpdate, "only-a", {{"x", 1}}).has_value());
  EXPECT_EQ(Do("tok-b", Operation::kRead, "only-a").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(Do("tok-b", Operation::kList, "")->data["keys"], Json({"shared-name"}));
  ASSERT_TRUE(Do("tok-b", Operation::kDelete, "only-a").has_value());
  EXPECT_EQ(Do("tok-a", Operation::kRead, "only-a")->data["x"], 1);
  // The plaintext token never appears in storage keys.
  auto top = storage_.List("");
  ASSERT_TRUE(top.has_value());
  ASSERT_EQ(top->size(), 2u);
  for (const auto& k : *top) EXPECT_EQ(k.find("tok-"), std::string::npos) << k;
}

TEST_F(CubbyholeTest, ExistenceCheckIsPerToken) {
  ASSERT_TRUE(Do("tok-a", Operation::kUpdate, "x", {{"v", 1}}).has_value());
  core::Request req;
  req.path = "x";
  req.storage = &storage_;
  req.client_token = "tok-a";
  EXPECT_TRUE(backend_->ExistenceCheck(req)->exists);
  req.client_token = "tok-b";
  EXPECT_FALSE(backend_->ExistenceCheck(req)->exists);
}

TEST_F(CubbyholeTest, Errors) {
  auto empty = Do("tok-a", Operation::kUpdate, "x", Json::object());
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.error().message(), "missing data fields");
  auto no_token = Do("", Operation::kRead, "x");
  ASSERT_FALSE(no_token.has_value());
  EXPECT_EQ(no_token.error().code(), StatusCode::kInvalidArgument);
}

TEST_F(CubbyholeTest, DestroyCubbyholeRemovesOnlyThatToken) {
  for (const char* path : {"a", "b/c", "b/d/e"})
    ASSERT_TRUE(Do("tok-a", Operation::kUpdate, path, {{"v", 1}}).has_value());
  ASSERT_TRUE(Do("tok-b", Operation::kUpdate, "a", {{"v", 2}}).has_value());
  ASSERT_TRUE(DestroyCubbyhole(storage_, "tok-a").ok());
  EXPECT_TRUE(storage_.List(CubbyholeFolder("tok-a"))->empty());
  EXPECT_TRUE(Do("tok-a", Operation::kList, "")->data["keys"].empty());
  EXPECT_EQ(Do("tok-b", Operation::kRead, "a")->data["v"], 2);
  // Idempotent; an empty token is refused.
  EXPECT_TRUE(DestroyCubbyhole(storage_, "tok-a").ok());
  EXPECT_FALSE(DestroyCubbyhole(storage_, "").ok());
}

}  // namespace
}  // namespace coffer::engines::cubbyhole
