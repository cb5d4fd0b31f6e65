#include "cli/kv_path.h"

#include <gtest/gtest.h>

#include "api/testing/fake_server.h"

namespace coffer::cli {
namespace {

using api::testing::FakeReply;
using api::testing::FakeRequest;
using api::testing::FakeServer;

TEST(PathJoinTest, CleansLikeGo) {
  EXPECT_EQ(PathJoin({"secret/", "data", "foo"}), "secret/data/foo");
  EXPECT_EQ(PathJoin({"secret/", "data", ""}), "secret/data");
  EXPECT_EQ(PathJoin({"a//b", "./c", "../d"}), "a/b/d");
  EXPECT_EQ(PathJoin({"", ""}), "");
}

TEST(AddPrefixToKvPathTest, InsertsAfterMount) {
  EXPECT_EQ(AddPrefixToKvPath("secret/foo", "secret/", "data"), "secret/data/foo");
  EXPECT_EQ(AddPrefixToKvPath("secret/a/b/c", "secret/", "metadata"), "secret/metadata/a/b/c");
  EXPECT_EQ(AddPrefixToKvPath("secret", "secret/", "metadata"), "secret/metadata");
  EXPECT_EQ(AddPrefixToKvPath("secret/", "secret/", "data"), "secret/data");
  EXPECT_EQ(AddPrefixToKvPath("kv/apps/x", "kv/apps/", "delete"), "kv/apps/delete/x");
  // A mount path that carries a namespace the given path does not.
  EXPECT_EQ(AddPrefixToKvPath("secret/foo", "ns1/secret/", "data"), "secret/data/foo");
}

FakeServer::Handler MountsHandler() {
  return [](const FakeRequest& req) {
    if (req.path == "/v1/sys/internal/ui/mounts/secret/foo" ||
        req.path == "/v1/sys/internal/ui/mounts/secret")
      return FakeReply{
          200, R"({"data":{"path":"secret/","type":"kv","options":{"version":"2"}}})", {}};
    if (req.path == "/v1/sys/internal/ui/mounts/kv1/foo" ||
        req.path == "/v1/sys/internal/ui/mounts/kv1")
      return FakeReply{200, R"({"data":{"path":"kv1/","type":"kv","options":null}})", {}};
    if (req.path == "/v1/sys/internal/ui/mounts/denied/x")
      return FakeReply{403, R"({"errors":["permission denied"]})", {}};
    return FakeReply{404, R"({"errors":[]})", {}};
  };
}

api::Client ClientFor(const FakeServer& s) {
  api::ClientConfig c;
  c.address = s.address();
  c.wrap_ttl = "1m";  // the preflight must never be wrapped
  return api::Client(c);
}

TEST(KvPreflightTest, VersionsAndMountPath) {
  FakeServer server(MountsHandler());
  api::Client client = ClientFor(server);
  Result<KvMount> v2 = KvPreflight(client, "secret/foo");
  ASSERT_TRUE(v2.has_value());
  EXPECT_EQ(v2->version, 2);
  EXPECT_EQ(v2->mount_path, "secret/");
  Result<KvMount> v1 = KvPreflight(client, "kv1/foo");
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ(v1->version, 1);
  Result<KvMount> old = KvPreflight(client, "unknown/foo");  // 404: an old server
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->version, 1);
  EXPECT_EQ(old->mount_path, "");
  Result<KvMount> denied = KvPreflight(client, "denied/x");
  ASSERT_FALSE(denied.has_value());
  EXPECT_NE(denied.error().message().find("Code: 403"), std::string::npos);
  for (const FakeRequest& r : server.requests()) EXPECT_EQ(r.Header("x-vault-wrap-ttl"), "");
}

TEST(ResolveKvTargetTest, PathLikeAndMountFlagSyntax) {
  FakeServer server(MountsHandler());
  api::Client client = ClientFor(server);
  Result<KvTarget> a = ResolveKvTarget(client, "/secret/foo/", "");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->Full("data"), "secret/data/foo");
  EXPECT_EQ(a->Full("metadata"), "secret/metadata/foo");
  Result<KvTarget> b = ResolveKvTarget(client, "foo", "secret");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->Full("data"), "secret/data/foo");
  EXPECT_EQ(b->Full("destroy"), "secret/destroy/foo");
  Result<KvTarget> c = ResolveKvTarget(client, "foo", "kv1");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->Full("data"), "kv1/foo");  // v1: no prefix
  Result<KvTarget> d = ResolveKvTarget(client, "kv1/foo", "");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->Full("data"), "kv1/foo");
}

}  // namespace
}  // namespace coffer::cli
