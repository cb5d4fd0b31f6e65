#include "http/request_builder.h"

#include <gtest/gtest.h>

#include <random>
#include <regex>

#include "crypto/fake_random.h"

namespace coffer::http {
namespace {

using core::Operation;

HttpRequest Req(std::string method, std::string target, HeaderList headers = {},
                std::string body = {}) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  r.body = std::move(body);
  r.remote_addr = "10.1.2.3";
  return r;
}

class RequestBuilderTest : public ::testing::Test {
 protected:
  tl::expected<core::Request, HttpError> Build(const HttpRequest& r) {
    return BuildRequest(r, random_);
  }
  core::Request MustBuild(const HttpRequest& r) {
    auto out = Build(r);
    EXPECT_TRUE(out.has_value()) << r.method << " " << r.target << " → "
                                 << (out ? "" : out.error().message);
    return out ? *out : core::Request();
  }
  HttpError MustFail(const HttpRequest& r) {
    auto out = Build(r);
    EXPECT_FALSE(out.has_value()) << r.method << " " << r.target;
    return out ? HttpError{0, ""} : out.error();
  }
  crypto::SeededRandom random_{42};
};

struct VerbCase {
  std::string method;
  std::string target;
  Operation op;
  std::string path;
};

TEST_F(RequestBuilderTest, VerbsMapToOperations) {
  const std::vector<VerbCase> cases = {
      {"GET", "/v1/secret/foo", Operation::kRead, "secret/foo"},
      {"GET", "/v1/secret/foo?list=true", Operation::kList, "secret/foo/"},
      {"GET", "/v1/secret/foo/?list=1", Operation::kList, "secret/foo/"},
      {"GET", "/v1/secret/foo?list=false", Operation::kRead, "secret/foo"},
      {"GET", "/v1/secret/foo?list=", Operation::kRead, "secret/foo"},
      {"GET", "/v1/secret/foo?help=1", Operation::kHelp, "secret/foo"},
      {"LIST", "/v1/secret/foo/", Operation::kList, "secret/foo/"},
      {"LIST", "/v1/secret/foo", Operation::kList, "secret/foo/"},
      {"POST", "/v1/secret/foo", Operation::kUpdate, "secret/foo"},
      {"PUT", "/v1/secret/foo", Operation::kUpdate, "secret/foo"},
      {"DELETE", "/v1/secret/foo", Operation::kDelete, "secret/foo"},
      {"GET", "/v1/secret/foo%2Fbar", Operation::kRead, "secret/foo/bar"},
      {"GET", "/v1/secret/foo..bar", Operation::kRead, "secret/foo..bar"},
      {"GET", "/v1/secret/a+b", Operation::kRead, "secret/a+b"},
      {"DELETE", "/v1/secret/dir/", Operation::kDelete, "secret/dir/"},
  };
  for (const auto& c : cases) {
    core::Request req = MustBuild(Req(c.method, c.target));
    EXPECT_EQ(req.operation, c.op) << c.method << " " << c.target;
    EXPECT_EQ(req.path, c.path) << c.method << " " << c.target;
  }
  core::Request patch = MustBuild(Req("PATCH", "/v1/secret/data/foo",
                                      {{"Content-Type", "application/merge-patch+json"}}, "{}"));
  EXPECT_EQ(patch.operation, Operation::kPatch);
}

TEST_F(RequestBuilderTest, UnknownVerbsAre405) {
  for (const char* m : {"HEAD", "OPTIONS", "TRACE", "CONNECT", "get", "FOO"}) {
    EXPECT_EQ(MustFail(Req(m, "/v1/secret/foo")).status, 405) << m;
  }
}

TEST_F(RequestBuilderTest, BadListValueIs400) {
  HttpError e = MustFail(Req("GET", "/v1/secret/foo?list=maybe"));
  EXPECT_EQ(e.status, 400);
}

TEST_F(RequestBuilderTest, QueryParametersAreDecodedAndMergedForReads) {
  core::Request req =
      MustBuild(Req("GET", "/v1/secret/foo?x=1&y=2&y=3&z=a%20b+c&list=false&help="));
  EXPECT_EQ(req.data, (Json{{"x", "1"}, {"y", {"2", "3"}}, {"z", "a b c"}, {"list", "false"}}));
  EXPECT_EQ(req.query.at("x"), "1");
  EXPECT_EQ(req.query.at("y"), "2");
  EXPECT_EQ(req.query.at("z"), "a b c");

  core::Request list = MustBuild(Req("GET", "/v1/secret/?list=true&after=k"));
  EXPECT_EQ(list.data, (Json{{"after", "k"}}));  // "list" itself is not data
  EXPECT_EQ(list.query.at("list"), "true");

  core::Request del = MustBuild(Req("DELETE", "/v1/secret/foo?versions=1"));
  EXPECT_EQ(del.data, (Json{{"versions", "1"}}));
  core::Request lst = MustBuild(Req("LIST", "/v1/secret/?after=b"));
  EXPECT_EQ(lst.data, (Json{{"after", "b"}}));

  // Writes take their data from the body only.
  core::Request put = MustBuild(Req("PUT", "/v1/secret/foo?x=1", {}, R"({"a":1})"));
  EXPECT_EQ(put.data, (Json{{"a", 1}}));
  EXPECT_EQ(put.query.at("x"), "1");
}

TEST_F(RequestBuilderTest, BodiesMustBeJsonObjects) {
  EXPECT_EQ(MustBuild(Req("POST", "/v1/a", {}, R"({"a":{"b":[1,2]}})")).data,
            (Json{{"a", {{"b", {1, 2}}}}}));
  EXPECT_EQ(MustBuild(Req("POST", "/v1/a", {}, "")).data, Json::object());
  EXPECT_EQ(MustBuild(Req("POST", "/v1/a", {}, " \r\n\t")).data, Json::object());
  EXPECT_EQ(MustBuild(Req("PUT", "/v1/a", {}, "null")).data, Json::object());
  for (const char* bad : {"[1,2]", "\"str\"", "12", "{bad", "{\"a\":1} trailing", "true"}) {
    HttpError e = MustFail(Req("POST", "/v1/a", {}, bad));
    EXPECT_EQ(e.status, 400) << bad;
    EXPECT_EQ(e.message, "failed to parse JSON input") << bad;
  }
}

TEST_F(RequestBuilderTest, FormBodiesAreAccepted) {
  core::Request req = MustBuild(Req("POST", "/v1/auth/userpass/login/bob",
                                    {{"Content-Type", "application/x-www-form-urlencoded"}},
                                    "password=p%40ss&x=1&x=2"));
  EXPECT_EQ(req.data, (Json{{"password", "p@ss"}, {"x", {"1", "2"}}}));
  // A JSON body mislabelled as a form is still JSON, as Vault sniffs it.
  core::Request json = MustBuild(Req(
      "POST", "/v1/a", {{"Content-Type", "application/x-www-form-urlencoded"}}, R"({"a":"b"})"));
  EXPECT_EQ(json.data, (Json{{"a", "b"}}));
}

TEST_F(RequestBuilderTest, PatchNeedsMergePatchContentType) {
  HttpError none = MustFail(Req("PATCH", "/v1/secret/data/foo", {}, "{}"));
  EXPECT_EQ(none.status, 400);
  HttpError json =
      MustFail(Req("PATCH", "/v1/secret/data/foo", {{"Content-Type", "application/json"}}, "{}"));
  EXPECT_EQ(json.status, 415);
  EXPECT_EQ(json.message,
            "PATCH requires Content-Type of application/merge-patch+json, provided "
            "application/json");
  core::Request ok = MustBuild(Req(
      "PATCH", "/v1/secret/data/foo",
      {{"content-type", "Application/Merge-Patch+JSON; charset=utf-8"}}, R"({"data":{"a":null}})"));
  EXPECT_EQ(ok.data, (Json{{"data", {{"a", nullptr}}}}));
  HttpError bad = MustFail(Req("PATCH", "/v1/secret/data/foo",
                               {{"Content-Type", "application/merge-patch+json"}}, "[1]"));
  EXPECT_EQ(bad.status, 400);
}

TEST_F(RequestBuilderTest, TokenFromVaultHeaderOrBearer) {
  core::Request vault = MustBuild(Req("GET", "/v1/a", {{"X-Vault-Token", "hvs.abc"}}));
  EXPECT_EQ(vault.client_token, "hvs.abc");
  EXPECT_EQ(vault.headers.count("x-vault-token"), 0u);  // never copied into headers

  core::Request bearer = MustBuild(Req("GET", "/v1/a", {{"Authorization", "Bearer  hvs.xyz "}}));
  EXPECT_EQ(bearer.client_token, "hvs.xyz");
  EXPECT_EQ(bearer.headers.count("authorization"), 0u);

  core::Request both = MustBuild(
      Req("GET", "/v1/a", {{"Authorization", "Bearer other"}, {"x-vault-token", "mine"}}));
  EXPECT_EQ(both.client_token, "mine");

  core::Request basic = MustBuild(Req("GET", "/v1/a", {{"Authorization", "Basic dXNlcg=="}}));
  EXPECT_EQ(basic.client_token, "");
  EXPECT_EQ(basic.headers.at("authorization"), "Basic dXNlcg==");  // left for plugins

  core::Request none = MustBuild(Req("GET", "/v1/a"));
  EXPECT_EQ(none.client_token, "");
}

TEST_F(RequestBuilderTest, HeadersAreLowerCased) {
  core::Request req = MustBuild(
      Req("GET", "/v1/a", {{"X-Custom-Thing", "v1"}, {"x-custom-thing", "v2"}, {"Accept", "*/*"}}));
  EXPECT_EQ(req.headers.at("x-custom-thing"), "v1,v2");
  EXPECT_EQ(req.headers.at("accept"), "*/*");
  EXPECT_EQ(req.remote_addr, "10.1.2.3");
}

TEST_F(RequestBuilderTest, WrapTtl) {
  EXPECT_EQ(MustBuild(Req("GET", "/v1/a", {{"X-Vault-Wrap-TTL", "5m"}})).wrap_ttl,
            std::chrono::seconds(300));
  EXPECT_EQ(MustBuild(Req("GET", "/v1/a", {{"x-vault-wrap-ttl", "90"}})).wrap_ttl,
            std::chrono::seconds(90));
  EXPECT_EQ(MustBuild(Req("GET", "/v1/a")).wrap_ttl, std::chrono::seconds(0));
  for (const char* bad : {"bogus", "-5s", "5x"}) {
    HttpError e = MustFail(Req("GET", "/v1/a", {{"X-Vault-Wrap-TTL", bad}}));
    EXPECT_EQ(e.status, 400) << bad;
    EXPECT_EQ(e.message.rfind("error parsing X-Vault-Wrap-TTL header", 0), 0u) << e.message;
  }
}

TEST_F(RequestBuilderTest, PathsOutsideV1Are404) {
  for (const char* t : {"/", "/v1", "/v1/", "/v2/secret/foo", "/ui/", "v1/secret", "/V1/secret"}) {
    HttpError e = MustFail(Req("GET", t));
    EXPECT_EQ(e.status, 404) << t;
    EXPECT_EQ(e.message, "") << t;
  }
}

TEST_F(RequestBuilderTest, TraversalAndEncodingTricksAre400) {
  for (const char* t :
       {"/v1/secret/../sys/raw", "/v1/secret/%2e%2e/sys", "/v1/secret/%2E%2E", "/v1/../v1/sys",
        "/v1/secret/./foo", "/v1/./secret", "/v1/secret//foo", "/v1//secret", "/v1/secret/%2F/foo",
        "/v1/a%00b", "/v1/a\\b", "/v1/a%5cb", "/v1/a%5C..%5Cb", "/v1/a%zz", "/v1/a%4", "/v1/a%",
        "/v1/secret?x=%zz", "/v1/.."}) {
    HttpError e = MustFail(Req("GET", t));
    EXPECT_EQ(e.status, 400) << t;
  }
}

TEST_F(RequestBuilderTest, RequestIdIsAUuidV4) {
  std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  core::Request a = MustBuild(Req("GET", "/v1/a"));
  core::Request b = MustBuild(Req("GET", "/v1/a"));
  EXPECT_TRUE(std::regex_match(a.id, uuid)) << a.id;
  EXPECT_NE(a.id, b.id);
  crypto::FailingRandom failing;
  auto out = BuildRequest(Req("GET", "/v1/a"), failing);
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().status, 500);
}

TEST(MediaTypeTest, Parses) {
  EXPECT_EQ(MediaType("application/json"), "application/json");
  EXPECT_EQ(MediaType(" Text/Plain ; charset=utf-8"), "text/plain");
  EXPECT_EQ(MediaType(""), "");
  EXPECT_EQ(MediaType("json"), "");
  EXPECT_EQ(MediaType("/json"), "");
}

// Random targets and bodies: never crashes, and every failure is one of the statuses the
// builder documents.
TEST_F(RequestBuilderTest, RandomInputsNeverCrash) {
  std::mt19937 gen(7);
  const std::string alphabet = "/v1%.2eE5cC0aA?&=+\\ \"{}[]:,x";
  const std::vector<std::string> methods = {"GET",   "LIST",   "POST", "PUT",
                                            "PATCH", "DELETE", "HEAD"};
  for (int i = 0; i < 5000; ++i) {
    std::string target = "/v1/";
    std::string body;
    int n = static_cast<int>(gen() % 24);
    for (int j = 0; j < n; ++j) target.push_back(alphabet[gen() % alphabet.size()]);
    int m = static_cast<int>(gen() % 16);
    for (int j = 0; j < m; ++j) body.push_back(static_cast<char>(gen() % 256));
    HttpRequest r = Req(methods[gen() % methods.size()], target,
                        {{"Content-Type", "application/merge-patch+json"}}, body);
    auto out = Build(r);
    if (out) {
      EXPECT_FALSE(out->path.empty());
      std::string wrapped = "/" + out->path + "/";
      EXPECT_EQ(wrapped.find("/../"), std::string::npos) << target;
      EXPECT_EQ(wrapped.find("/./"), std::string::npos) << target;
      EXPECT_TRUE(out->data.is_object());
    } else {
      int s = out.error().status;
      EXPECT_TRUE(s == 400 || s == 404 || s == 405) << s << " " << target;
    }
  }
}

}  // namespace
}  // namespace coffer::http
