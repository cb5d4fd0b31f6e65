// K/V version 1 (PassthroughBackend): CRUD, list, TTL hints, errors.

#include <gtest/gtest.h>

#include "engines/kv/kv_test_util.h"

namespace coffer::engines::kv {
namespace {

using core::Operation;

TEST(KvV1Test, WriteReadDelete) {
  KvHarness h("");
  ASSERT_TRUE(h.Write("foo", {{"bar", "baz"}, {"n", 1}}).has_value());
  auto r = h.Read("foo");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->data, Json({{"bar", "baz"}, {"n", 1}}));
  ASSERT_TRUE(r->secret.has_value());
  EXPECT_EQ(r->secret->ttl, std::chrono::hours(768));  // the mount default as a hint
  EXPECT_FALSE(r->secret->renewable);
  EXPECT_TRUE(r->secret->lease_id.empty());

  // A write replaces the whole object.
  ASSERT_TRUE(h.Write("foo", {{"other", true}}).has_value());
  EXPECT_EQ(h.Read("foo")->data, Json({{"other", true}}));

  ASSERT_TRUE(h.Do(Operation::kDelete, "foo").has_value());
  auto gone = h.Read("foo");
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code(), StatusCode::kNotFound);
  // Deleting again is fine.
  EXPECT_TRUE(h.Do(Operation::kDelete, "foo").has_value());
}

TEST(KvV1Test, TtlFieldIsTheRefreshHint) {
  KvHarness h("1");
  ASSERT_TRUE(h.Write("a", {{"v", 1}, {"ttl", "1h"}}).has_value());
  ASSERT_TRUE(h.Write("b", {{"v", 1}, {"lease", 90}}).has_value());
  EXPECT_EQ(h.Read("a")->secret->ttl, std::chrono::hours(1));
  EXPECT_EQ(h.Read("b")->secret->ttl, std::chrono::seconds(90));
}

TEST(KvV1Test, ListShowsKeysAndFolders) {
  KvHarness h("1");
  ASSERT_TRUE(h.Write("app/db", {{"p", "1"}}).has_value());
  ASSERT_TRUE(h.Write("app/nested/x", {{"p", "2"}}).has_value());
  ASSERT_TRUE(h.Write("top", {{"p", "3"}}).has_value());
  auto root = h.Do(Operation::kList, "");
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->data["keys"], Json({"app/", "top"}));
  auto app = h.Do(Operation::kList, "app/");
  ASSERT_TRUE(app.has_value());
  EXPECT_EQ(app->data["keys"], Json({"db", "nested/"}));
  // Without the trailing slash too.
  EXPECT_EQ(h.Do(Operation::kList, "app")->data["keys"], Json({"db", "nested/"}));
}

TEST(KvV1Test, WriteWithoutDataIsRejected) {
  KvHarness h("1");
  auto r = h.Write("foo", Json::object());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.error().message(), "missing data fields");
}

TEST(KvV1Test, ExistenceCheck) {
  KvHarness h("1");
  EXPECT_FALSE(*h.Exists("foo"));
  ASSERT_TRUE(h.Write("foo", {{"a", "b"}}).has_value());
  EXPECT_TRUE(*h.Exists("foo"));
}

TEST(KvV1Test, BodyFieldNamedPathIsStoredVerbatim) {
  KvHarness h("1");
  ASSERT_TRUE(h.Write("foo", {{"path", "not-the-key"}}).has_value());
  EXPECT_EQ(h.Read("foo")->data, Json({{"path", "not-the-key"}}));
}

TEST(KvFactoryTest, RejectsUnknownVersion) {
  core::BackendConfig config;
  config.options["version"] = "3";
  auto b = Factory(config);
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace coffer::engines::kv
