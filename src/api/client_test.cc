#include "api/client.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "api/testing/fake_server.h"

namespace coffer::api {
namespace {

using testing::FakeReply;
using testing::FakeRequest;
using testing::FakeServer;

ClientConfig ConfigFor(const FakeServer& server) {
  ClientConfig c;
  c.address = server.address();
  c.token = "s.test-token";
  c.timeout = std::chrono::milliseconds(10000);
  return c;
}

TEST(ClientTest, SendsVaultHeadersAndParsesJson) {
  FakeServer server([](const FakeRequest&) {
    return FakeReply{200, R"({"data":{"foo":"bar"},"lease_duration":0})", {}};
  });
  ASSERT_FALSE(server.address().empty());
  ClientConfig config = ConfigFor(server);
  config.namespace_ = "team-a/";
  Client client(config);
  Result<Response> r = client.Request("GET", "secret/foo", nullptr);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body["data"]["foo"], "bar");
  ASSERT_EQ(server.requests().size(), 1u);
  const FakeRequest req = server.requests()[0];
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.path, "/v1/secret/foo");
  EXPECT_EQ(req.Header("x-vault-token"), "s.test-token");
  EXPECT_EQ(req.Header("x-vault-request"), "true");
  EXPECT_EQ(req.Header("x-vault-namespace"), "team-a/");
  EXPECT_EQ(req.Header("x-vault-wrap-ttl"), "");
}

TEST(ClientTest, ListUsesTheListVerb) {
  FakeServer server([](const FakeRequest&) {
    return FakeReply{200, R"({"data":{"keys":["a","b/"]}})", {}};
  });
  Client client(ConfigFor(server));
  Result<std::optional<Json>> r = client.List("secret/metadata/");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((**r)["data"]["keys"].size(), 2u);
  EXPECT_EQ(server.requests()[0].method, "LIST");
  EXPECT_EQ(server.requests()[0].path, "/v1/secret/metadata/");
}

TEST(ClientTest, WriteSendsJsonBodyAndWrapTtl) {
  FakeServer server([](const FakeRequest&) { return FakeReply{204, "", {}}; });
  ClientConfig config = ConfigFor(server);
  config.wrap_ttl = "5m";
  Client client(config);
  Result<std::optional<Json>> r = client.Write("secret/foo", Json{{"a", "b"}});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_FALSE(r->has_value());  // 204: no secret
  const FakeRequest req = server.requests()[0];
  EXPECT_EQ(req.method, "PUT");
  EXPECT_EQ(Json::parse(req.body), (Json{{"a", "b"}}));
  EXPECT_EQ(req.Header("content-type"), "application/json");
  EXPECT_EQ(req.Header("x-vault-wrap-ttl"), "5m");

  RequestOptions no_wrap;
  no_wrap.allow_wrapping = false;
  ASSERT_TRUE(client.RawRequest("GET", "sys/internal/ui/mounts/secret", nullptr, {}, no_wrap));
  EXPECT_EQ(server.requests()[1].Header("x-vault-wrap-ttl"), "");
}

TEST(ClientTest, WrappingWrapIsWrappedForFiveMinutesByDefault) {
  FakeServer server([](const FakeRequest&) { return FakeReply{204, "", {}}; });
  Client client(ConfigFor(server));
  ASSERT_TRUE(client.Write("sys/wrapping/wrap", Json{{"a", "b"}}));
  ASSERT_TRUE(client.Write("sys/wrapping/wrap", Json{{"a", "b"}}, "POST"));
  ASSERT_TRUE(client.Read("sys/wrapping/wrap"));
  ASSERT_TRUE(client.Write("secret/foo", Json{{"a", "b"}}));
  ASSERT_EQ(server.requests().size(), 4u);
  EXPECT_EQ(server.requests()[0].Header("x-vault-wrap-ttl"), "5m");
  EXPECT_EQ(server.requests()[1].Header("x-vault-wrap-ttl"), "5m");
  EXPECT_EQ(server.requests()[2].Header("x-vault-wrap-ttl"), "");  // only PUT and POST
  EXPECT_EQ(server.requests()[3].Header("x-vault-wrap-ttl"), "");
  client.SetWrapTtl("30s");  // a configured TTL wins
  ASSERT_TRUE(client.Write("sys/wrapping/wrap", Json{{"a", "b"}}));
  EXPECT_EQ(server.requests()[4].Header("x-vault-wrap-ttl"), "30s");
}

TEST(ClientTest, ErrorsCarryVaultMessage) {
  FakeServer server([](const FakeRequest&) {
    return FakeReply{403, R"({"errors":["permission denied"]})", {}};
  });
  Client client(ConfigFor(server));
  Result<Response> r = client.Request("GET", "secret/foo", nullptr);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(r.error().message(), "Error making API request.\n\nURL: GET " + server.address() +
                                     "/v1/secret/foo\nCode: 403. Errors:\n\n* permission denied");
  // RawRequest hands every status back.
  Result<Response> raw = client.RawRequest("GET", "secret/foo", nullptr);
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(raw->status, 403);
}

TEST(ClientTest, ReadNotFoundIsEmptyUnlessDataCameBack) {
  FakeServer server([](const FakeRequest& req) {
    if (req.path == "/v1/secret/data/deleted")
      return FakeReply{404, R"({"data":{"data":null,"metadata":{"version":2}}})", {}};
    return FakeReply{404, R"({"errors":[]})", {}};
  });
  Client client(ConfigFor(server));
  Result<std::optional<Json>> missing = client.Read("secret/missing");
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->has_value());
  Result<std::optional<Json>> deleted = client.Read("secret/data/deleted");
  ASSERT_TRUE(deleted.has_value());
  ASSERT_TRUE(deleted->has_value());
  EXPECT_EQ((**deleted)["data"]["metadata"]["version"], 2);
}

TEST(ClientTest, QueryAndPathAreEscaped) {
  FakeServer server([](const FakeRequest&) { return FakeReply{200, "{}", {}}; });
  Client client(ConfigFor(server));
  ASSERT_TRUE(client.Read("secret/a b", {{"version", "3"}, {"x", "1&2"}}));
  EXPECT_EQ(server.requests()[0].target, "/v1/secret/a%20b?version=3&x=1%262");
}

TEST(ClientTest, FollowsStandbyRedirect) {
  FakeServer active([](const FakeRequest& req) {
    return FakeReply{200, R"({"data":{"served_by":"active","method":")" + req.method + "\"}}", {}};
  });
  std::string target = active.address();
  FakeServer standby([&target](const FakeRequest& req) {
    return FakeReply{307, "", {{"Location", target + req.target}}};
  });
  Client client(ConfigFor(standby));
  Json body = {{"k", "v"}};
  Result<Response> r = client.Request("PUT", "secret/foo", &body);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->body["data"]["served_by"], "active");
  EXPECT_EQ(r->body["data"]["method"], "PUT");
  ASSERT_EQ(active.requests().size(), 1u);
  EXPECT_EQ(active.requests()[0].Header("x-vault-token"), "s.test-token");
  EXPECT_EQ(Json::parse(active.requests()[0].body), body);
}

TEST(ClientTest, DownloadStreamsTheBodyToTheSink) {
  std::string payload(200000, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i % 251);
  FakeServer server([&payload](const FakeRequest& req) {
    if (req.path == "/v1/missing") return FakeReply{404, R"({"errors":["nope"]})", {}};
    return FakeReply{200, payload, {}};
  });
  Client client(ConfigFor(server));
  std::string got;
  int chunks = 0;
  Result<Response> r = client.Download("GET", "snap", [&](std::string_view c) {
    got.append(c);
    ++chunks;
    return Status::Ok();
  });
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(got, payload);
  EXPECT_GT(chunks, 1);
  EXPECT_TRUE(r->raw_body.empty());

  // An error reply is not handed to the sink; it comes back as Request's error.
  got.clear();
  r = client.Download("GET", "missing", [&](std::string_view c) {
    got.append(c);
    return Status::Ok();
  });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kNotFound);
  EXPECT_NE(r.error().message().find("* nope"), std::string::npos);
  EXPECT_TRUE(got.empty());

  // A sink error aborts the transfer and is returned as is.
  r = client.Download("GET", "snap", [](std::string_view) { return IoError("disk full"); });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "disk full");
}

TEST(ClientTest, UploadStreamsAFileAndResendsItOnRedirect) {
  char path[] = "/tmp/coffer_upload_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  std::string payload(100000, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i % 241);
  ASSERT_EQ(write(fd, payload.data(), payload.size()), static_cast<ssize_t>(payload.size()));
  FakeServer active([](const FakeRequest&) { return FakeReply{204, "", {}}; });
  std::string target = active.address();
  FakeServer standby([&target](const FakeRequest& req) {
    return FakeReply{307, "", {{"Location", target + req.target}}};
  });
  Client client(ConfigFor(standby));
  Result<Response> r =
      client.Upload("POST", "sys/storage/raft/snapshot", fd, static_cast<int64_t>(payload.size()));
  close(fd);
  unlink(path);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->status, 204);
  ASSERT_EQ(active.requests().size(), 1u);
  EXPECT_EQ(active.requests()[0].method, "POST");
  EXPECT_EQ(active.requests()[0].body, payload);
  EXPECT_EQ(active.requests()[0].Header("content-type"), "application/octet-stream");
}

TEST(ClientTest, ConnectionRefusedIsUnavailable) {
  std::string address;
  {
    FakeServer gone([](const FakeRequest&) { return FakeReply{}; });
    address = gone.address();
  }
  ClientConfig config;
  config.address = address;
  config.timeout = std::chrono::milliseconds(2000);
  Client client(config);
  Result<Response> r = client.Request("GET", "sys/health", nullptr);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.error().message().find("Get \"" + address + "/v1/sys/health\""), std::string::npos)
      << r.error().message();
}

}  // namespace
}  // namespace coffer::api
