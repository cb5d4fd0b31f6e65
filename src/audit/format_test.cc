#include "audit/format.h"

#include <gtest/gtest.h>

#include <regex>

#include "audit/entry.h"
#include "audit/test_util.h"
#include "crypto/hash.h"

namespace coffer::audit {
namespace {

using testing::kMarker;
using testing::Sample;

EntryFormatter MakeFmt(const Sample& s, std::map<std::string, std::string> options = {}) {
  auto opts = ParseFormatOptions(options);
  EXPECT_TRUE(opts.has_value()) << opts.error().ToString();
  auto f = EntryFormatter::Create(*opts, &s.salt);
  EXPECT_TRUE(f.has_value());
  return std::move(*f);
}

Json Parse(const std::string& line) {
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one entry per line";
  auto j = ParseJson(line);
  EXPECT_TRUE(j.has_value()) << line;
  return j ? *j : Json();
}

TEST(AuditFormat, HashIsHmacSha256WithTheSalt) {
  // RFC 4231 test case 2.
  SecretBytes salt = SecretBytes::FromString("Jefe");
  EXPECT_EQ(HashString(salt, "what do ya want for nothing?"),
            "hmac-sha256:5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  Sample s;
  EntryFormatter a = MakeFmt(s);
  EntryFormatter b = MakeFmt(s, {{"log_raw", "true"}});  // Hash ignores log_raw
  EXPECT_EQ(a.Hash("x"), b.Hash("x"));
  SecretBytes other = SecretBytes::FromString(std::string(32, 'z'));
  EXPECT_NE(a.Hash("x"), HashString(other, "x"));
}

TEST(AuditFormat, NoPlaintextSecretInAnyEntry) {
  Sample s;
  EntryFormatter f = MakeFmt(s);
  for (const std::string& line :
       {f.FormatRequest(s.RequestInput()), f.FormatResponse(s.ResponseInput())}) {
    EXPECT_EQ(line.find(kMarker), std::string::npos) << line;
  }
  EntryFormatter x = MakeFmt(s, {{"format", "jsonx"}});
  EXPECT_EQ(x.FormatResponse(s.ResponseInput()).find(kMarker), std::string::npos);
}

TEST(AuditFormat, RequestEntryShapeAndHashedFields) {
  Sample s;
  EntryFormatter f = MakeFmt(s);
  Json e = Parse(f.FormatRequest(s.RequestInput()));
  EXPECT_EQ(e["type"], "request");
  EXPECT_EQ(e["time"], "2025-12-05T10:00:16.123456Z");
  EXPECT_FALSE(e.contains("response"));
  EXPECT_FALSE(e.contains("error"));
  const Json& auth = e["auth"];
  EXPECT_EQ(auth["client_token"], f.Hash(s.token.id));
  EXPECT_EQ(auth["accessor"], f.Hash(s.token.accessor));
  EXPECT_EQ(auth["display_name"], "token-app");
  EXPECT_EQ(auth["policies"], Json({"default", "app"}));
  EXPECT_EQ(auth["token_policies"], Json({"default", "app"}));
  EXPECT_EQ(auth["metadata"], Json({{"team", "infra"}}));
  EXPECT_EQ(auth["entity_id"], "ent-1");
  EXPECT_EQ(auth["token_type"], "service");
  EXPECT_EQ(auth["token_ttl"], 2764800);
  EXPECT_EQ(auth["token_issue_time"], "2025-12-05T09:46:40Z");
  EXPECT_FALSE(auth.contains("remaining_uses"));
  const Json& r = e["request"];
  EXPECT_EQ(r["id"], s.request.id);
  EXPECT_EQ(r["operation"], "update");
  EXPECT_EQ(r["mount_point"], "secret/");
  EXPECT_EQ(r["mount_type"], "kv");
  EXPECT_EQ(r["mount_accessor"], "kv_1234abcd");
  EXPECT_EQ(r["client_token"], f.Hash(s.request.client_token));
  EXPECT_EQ(r["client_token_accessor"], f.Hash(s.token.accessor));
  EXPECT_EQ(r["namespace"], Json({{"id", "root"}}));
  EXPECT_EQ(r["path"], "secret/data/app");
  EXPECT_EQ(r["remote_address"], "127.0.0.1");
  EXPECT_EQ(r["remote_port"], 54321);
  EXPECT_FALSE(r.contains("wrap_ttl"));
  // Strings hashed recursively; numbers and booleans as they are.
  EXPECT_EQ(r["data"]["password"], f.Hash(std::string("pw-") + kMarker));
  EXPECT_EQ(r["data"]["nested"]["list"][0], f.Hash(std::string("a-") + kMarker));
  EXPECT_EQ(r["data"]["nested"]["list"][1], 42);
  EXPECT_EQ(r["data"]["nested"]["list"][2], true);
  EXPECT_EQ(r["data"]["count"], 7);
  EXPECT_EQ(r["data"]["enabled"], false);
}

TEST(AuditFormat, ResponseEntryShapeAndHashedFields) {
  Sample s;
  EntryFormatter f = MakeFmt(s);
  core::AuditInput in = s.ResponseInput();
  in.error = "1 error occurred";
  Json e = Parse(f.FormatResponse(in));
  EXPECT_EQ(e["type"], "response");
  EXPECT_EQ(e["error"], "1 error occurred");
  EXPECT_EQ(e["request"]["client_token"], f.Hash(s.request.client_token));
  const Json& r = e["response"];
  EXPECT_EQ(r["mount_point"], "secret/");
  EXPECT_EQ(r["mount_type"], "kv");
  EXPECT_EQ(r["mount_accessor"], "kv_1234abcd");
  EXPECT_EQ(r["auth"]["client_token"], f.Hash(s.response.auth->client_token));
  EXPECT_EQ(r["auth"]["accessor"], f.Hash(s.response.auth->accessor));
  EXPECT_EQ(r["auth"]["token_ttl"], 3600);
  EXPECT_EQ(r["auth"]["token_type"], "service");
  EXPECT_EQ(r["secret"], Json({{"lease_id", "secret/creds/abc"}}));  // not hashed
  EXPECT_EQ(r["data"]["data"]["api_key"], f.Hash(std::string("key-") + kMarker));
  EXPECT_EQ(r["data"]["version"], 3);
  const Json& w = r["wrap_info"];
  EXPECT_EQ(w["token"], f.Hash(s.response.wrap_info->token));
  EXPECT_EQ(w["accessor"], f.Hash(s.response.wrap_info->accessor));
  EXPECT_EQ(w["wrapped_accessor"], f.Hash(s.response.wrap_info->wrapped_accessor));
  EXPECT_EQ(w["ttl"], 300);
  EXPECT_EQ(w["creation_path"], "secret/data/app");
  EXPECT_EQ(w["creation_time"], "2026-12-05T10:00:00Z");
  EXPECT_EQ(r["warnings"], Json({"a warning"}));
}

TEST(AuditFormat, UnauthenticatedRequestHasDefaultTokenType) {
  Sample s;
  s.request.client_token.clear();
  s.request.data = Json::object();
  core::AuditInput in = s.RequestInput();
  in.token = nullptr;
  EntryFormatter f = MakeFmt(s);
  Json e = Parse(f.FormatRequest(in));
  EXPECT_EQ(e["auth"], Json({{"token_type", "default"}}));
  EXPECT_FALSE(e["request"].contains("client_token"));
  EXPECT_FALSE(e["request"].contains("client_token_accessor"));
  EXPECT_FALSE(e["request"].contains("data"));
}

TEST(AuditFormat, LogRawWritesPlaintext) {
  Sample s;
  EntryFormatter f = MakeFmt(s, {{"log_raw", "true"}});
  Json e = Parse(f.FormatResponse(s.ResponseInput()));
  EXPECT_EQ(e["auth"]["client_token"], s.token.id);
  EXPECT_EQ(e["request"]["data"]["password"], std::string("pw-") + kMarker);
  EXPECT_EQ(e["response"]["wrap_info"]["token"], s.response.wrap_info->token);
  EXPECT_EQ(e["response"]["data"]["data"]["api_key"], std::string("key-") + kMarker);
}

TEST(AuditFormat, HmacAccessorFalseLeavesAccessorsOnly) {
  Sample s;
  EntryFormatter f = MakeFmt(s, {{"hmac_accessor", "false"}});
  Json e = Parse(f.FormatResponse(s.ResponseInput()));
  EXPECT_EQ(e["auth"]["accessor"], s.token.accessor);
  EXPECT_EQ(e["request"]["client_token_accessor"], s.token.accessor);
  EXPECT_EQ(e["response"]["auth"]["accessor"], s.response.auth->accessor);
  EXPECT_EQ(e["response"]["wrap_info"]["accessor"], s.response.wrap_info->accessor);
  EXPECT_EQ(e["response"]["wrap_info"]["wrapped_accessor"], s.response.wrap_info->wrapped_accessor);
  // Tokens stay hashed.
  EXPECT_EQ(e["auth"]["client_token"], f.Hash(s.token.id));
  EXPECT_EQ(e["response"]["wrap_info"]["token"], f.Hash(s.response.wrap_info->token));
}

TEST(AuditFormat, ElideListResponsesReplacesKeysByCount) {
  Sample s;
  s.request.operation = core::Operation::kList;
  s.response = core::Response::ListResponse({"a", "b", "c"});
  s.response.data["key_info"] = Json{{"a", {{"x", 1}}}, {"b", {{"x", 2}}}};
  EntryFormatter elide = MakeFmt(s, {{"elide_list_responses", "true"}});
  Json e = Parse(elide.FormatResponse(s.ResponseInput()));
  EXPECT_EQ(e["response"]["data"]["keys"], 3);
  EXPECT_EQ(e["response"]["data"]["key_info"], 2);
  EntryFormatter keep = MakeFmt(s);
  e = Parse(keep.FormatResponse(s.ResponseInput()));
  ASSERT_TRUE(e["response"]["data"]["keys"].is_array());
  EXPECT_EQ(e["response"]["data"]["keys"][0], keep.Hash("a"));
  // Only list operations are elided.
  s.request.operation = core::Operation::kRead;
  e = Parse(elide.FormatResponse(s.ResponseInput()));
  EXPECT_TRUE(e["response"]["data"]["keys"].is_array());
}

TEST(AuditFormat, PrefixBeforeEveryEntry) {
  Sample s;
  EntryFormatter f = MakeFmt(s, {{"prefix", "@cee: "}});
  std::string line = f.FormatRequest(s.RequestInput());
  ASSERT_EQ(line.rfind("@cee: {\"time\":\"2025-12-05T10:00:16.123456Z\",\"auth\":{", 0), 0u)
      << line;
  EXPECT_TRUE(ParseJson(line.substr(6)).has_value());
}

TEST(AuditFormat, JsonxShape) {
  Sample s;
  EntryFormatter f = MakeFmt(s, {{"format", "jsonx"}, {"prefix", "P"}});
  std::string line = f.FormatRequest(s.RequestInput());
  EXPECT_EQ(line.rfind("P<json:object name=\"auth\">", 0), 0u) << line;
  EXPECT_NE(line.find("<json:string name=\"type\">request</json:string>\n"), std::string::npos);
  EXPECT_NE(line.find("<json:number name=\"count\">7</json:number>"), std::string::npos);
  EXPECT_NE(line.find("<json:boolean name=\"enabled\">false</json:boolean>"), std::string::npos);
  EXPECT_NE(line.find("<json:array name=\"list\"><json:string>hmac-sha256:"), std::string::npos);
  EXPECT_EQ(line.find('\n'), line.size() - 1);
}

TEST(AuditFormat, JsonxEscapesNamesAndValues) {
  EXPECT_EQ(internal::ToJsonx(Json{{"a<b", "x&\"y\""}, {"n", nullptr}}),
            "<json:string name=\"a&lt;b\">x&amp;&#34;y&#34;</json:string><json:null name=\"n\" />");
}

TEST(AuditFormat, Rfc3339NanoTrimsZeros) {
  using namespace std::chrono;
  system_clock::time_point t(seconds(1764928816));
  EXPECT_EQ(internal::FormatRfc3339Nano(t), "2025-12-05T10:00:16Z");
  EXPECT_EQ(internal::FormatRfc3339Nano(t + milliseconds(500)), "2025-12-05T10:00:16.5Z");
  EXPECT_EQ(internal::FormatRfc3339Nano(t + nanoseconds(7)), "2025-12-05T10:00:16.000000007Z");
}

TEST(AuditFormat, InvalidOptionsNameTheOption) {
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"format", "yaml"},
                                                        {"log_raw", "maybe"},
                                                        {"hmac_accessor", "yes"},
                                                        {"elide_list_responses", "2"}}) {
    auto r = ParseFormatOptions({{key, value}});
    ASSERT_FALSE(r.has_value()) << key;
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find(key), std::string::npos) << r.error().message();
  }
  auto ok = ParseFormatOptions({{"log_raw", "T"}, {"hmac_accessor", "0"}});
  ASSERT_TRUE(ok.has_value());
  EXPECT_TRUE(ok->log_raw);
  EXPECT_FALSE(ok->hmac_accessor);
  EXPECT_FALSE(EntryFormatter::Create(FormatOptions{}, nullptr).has_value());
}

}  // namespace
}  // namespace coffer::audit
