#include "http/response.h"

#include <gtest/gtest.h>

namespace coffer::http {
namespace {

using core::Operation;

Json BodyJson(const HttpResponse& r) { return Json::parse(r.body); }

std::string Header(const HttpResponse& r, std::string_view name) {
  const std::string* v = FindHeader(r.headers, name);
  return v ? *v : "<absent>";
}

core::Request ReqFor(Operation op) {
  core::Request req;
  req.id = "11111111-2222-4333-8444-555555555555";
  req.operation = op;
  req.path = "secret/foo";
  req.mount_type = "kv";
  return req;
}

TEST(HttpStatusForTest, OneTable) {
  const std::vector<std::pair<StatusCode, int>> table = {
      {StatusCode::kInvalidArgument, 400},
      {StatusCode::kNotInitialized, 400},
      {StatusCode::kPermissionDenied, 403},
      {StatusCode::kNotFound, 404},
      {StatusCode::kUnsupportedOperation, 405},
      {StatusCode::kPreconditionFailed, 412},
      {StatusCode::kRateLimited, 429},
      {StatusCode::kInternal, 500},
      {StatusCode::kIoError, 500},
      {StatusCode::kCorruption, 500},
      {StatusCode::kSealed, 503},
      {StatusCode::kUnavailable, 503},
  };
  for (const auto& [code, http] : table) {
    EXPECT_EQ(HttpStatusFor(code), http) << static_cast<int>(code);
    HttpResponse r = RenderLogical(ReqFor(Operation::kRead), Err(Status(code, "boom")));
    EXPECT_EQ(r.status, http);
    EXPECT_EQ(BodyJson(r), (Json{{"errors", {"boom"}}}));
  }
}

TEST(ErrorResponseTest, VaultShapes) {
  HttpResponse sealed = ErrorResponse(Sealed());
  EXPECT_EQ(sealed.status, 503);
  EXPECT_EQ(BodyJson(sealed), (Json{{"errors", {"Vault is sealed"}}}));

  HttpResponse not_found = RenderLogical(ReqFor(Operation::kRead), Err(NotFound("")));
  EXPECT_EQ(not_found.status, 404);
  EXPECT_EQ(BodyJson(not_found), (Json{{"errors", Json::array()}}));

  HttpResponse denied = ErrorResponse(PermissionDenied());
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(BodyJson(denied), (Json{{"errors", {"permission denied"}}}));

  HttpResponse http = ErrorResponse(HttpError{415, "nope"});
  EXPECT_EQ(http.status, 415);
  EXPECT_EQ(BodyJson(http), (Json{{"errors", {"nope"}}}));
}

TEST(ResponseHeadersTest, EveryResponseIsJsonAndNotCached) {
  core::Response data = core::Response::WithData(Json{{"a", 1}});
  std::vector<HttpResponse> all = {
      ErrorResponse(Sealed()),
      EmptyResponse(204),
      JsonResponse(200, Json::object()),
      RenderLogical(ReqFor(Operation::kRead), data),
      RenderLogical(ReqFor(Operation::kUpdate), core::Response()),
      RenderLogical(ReqFor(Operation::kRead), core::Response()),
  };
  for (const auto& r : all) {
    EXPECT_EQ(Header(r, "Content-Type"), "application/json") << r.status;
    EXPECT_EQ(Header(r, "Cache-Control"), "no-store") << r.status;
  }
}

TEST(EnvelopeTest, Data) {
  core::Request req = ReqFor(Operation::kRead);
  HttpResponse r = RenderLogical(req, core::Response::WithData(Json{{"foo", "bar"}}));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(BodyJson(r), (Json{{"request_id", req.id},
                               {"lease_id", ""},
                               {"renewable", false},
                               {"lease_duration", 0},
                               {"data", {{"foo", "bar"}}},
                               {"wrap_info", nullptr},
                               {"warnings", nullptr},
                               {"auth", nullptr},
                               {"mount_type", "kv"}}));
}

TEST(EnvelopeTest, SecretLease) {
  core::Response resp = core::Response::WithData(Json{{"access_key", "AKIA"}});
  resp.secret.emplace();
  resp.secret->lease_id = "aws/creds/r/abc";
  resp.secret->ttl = std::chrono::seconds(3600);
  resp.secret->renewable = true;
  resp.warnings = {"careful"};
  Json j = BodyJson(RenderLogical(ReqFor(Operation::kRead), resp));
  EXPECT_EQ(j["lease_id"], "aws/creds/r/abc");
  EXPECT_EQ(j["lease_duration"], 3600);
  EXPECT_EQ(j["renewable"], true);
  EXPECT_EQ(j["data"]["access_key"], "AKIA");
  EXPECT_EQ(j["warnings"], (Json{"careful"}));
}

TEST(EnvelopeTest, Auth) {
  core::Response resp;
  resp.auth.emplace();
  core::Auth& a = *resp.auth;
  a.client_token = "hvs.tok";
  a.accessor = "acc";
  a.policies = {"default", "dev"};
  a.token_policies = {"default", "dev"};
  a.metadata = {{"username", "bob"}};
  a.lease_duration = std::chrono::seconds(2764800);
  a.renewable = true;
  a.entity_id = "ent";
  a.orphan = true;
  a.num_uses = 3;
  core::Request req = ReqFor(Operation::kUpdate);
  req.mount_type = "userpass";
  HttpResponse r = RenderLogical(req, resp);
  EXPECT_EQ(r.status, 200);
  Json j = BodyJson(r);
  EXPECT_EQ(j["data"], nullptr);
  EXPECT_EQ(j["mount_type"], "userpass");
  EXPECT_EQ(j["auth"], (Json{{"client_token", "hvs.tok"},
                             {"accessor", "acc"},
                             {"policies", {"default", "dev"}},
                             {"token_policies", {"default", "dev"}},
                             {"metadata", {{"username", "bob"}}},
                             {"lease_duration", 2764800},
                             {"renewable", true},
                             {"entity_id", "ent"},
                             {"token_type", "service"},
                             {"orphan", true},
                             {"mfa_requirement", nullptr},
                             {"num_uses", 3}}));

  a.token_type = core::TokenType::kBatch;
  a.metadata.clear();
  Json batch = BodyJson(RenderLogical(req, resp));
  EXPECT_EQ(batch["auth"]["token_type"], "batch");
  EXPECT_EQ(batch["auth"]["metadata"], nullptr);
}

TEST(EnvelopeTest, WrappedResponseHasOnlyWrapInfo) {
  core::Response resp = core::Response::WithData(Json{{"secret", "value"}});
  resp.auth.emplace();
  resp.auth->client_token = "must-not-leak";
  resp.wrap_info.emplace();
  resp.wrap_info->token = "hvs.wrap";
  resp.wrap_info->accessor = "wacc";
  resp.wrap_info->ttl = std::chrono::seconds(300);
  resp.wrap_info->creation_time = "2024-01-02T03:04:05.123456789Z";
  resp.wrap_info->creation_path = "secret/data/foo";
  HttpResponse r = RenderLogical(ReqFor(Operation::kRead), resp);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find("must-not-leak"), std::string::npos);
  EXPECT_EQ(r.body.find("value"), std::string::npos);
  Json j = BodyJson(r);
  EXPECT_EQ(j["data"], nullptr);
  EXPECT_EQ(j["auth"], nullptr);
  EXPECT_EQ(j["request_id"], "");
  EXPECT_EQ(j["wrap_info"], (Json{{"token", "hvs.wrap"},
                                  {"accessor", "wacc"},
                                  {"ttl", 300},
                                  {"creation_time", "2024-01-02T03:04:05.123456789Z"},
                                  {"creation_path", "secret/data/foo"}}));
  resp.wrap_info->wrapped_accessor = "inner";
  EXPECT_EQ(
      BodyJson(RenderLogical(ReqFor(Operation::kUpdate), resp))["wrap_info"]["wrapped_accessor"],
      "inner");
}

TEST(EnvelopeTest, EmptyWritesAre204) {
  for (Operation op : {Operation::kUpdate, Operation::kCreate, Operation::kDelete}) {
    HttpResponse r = RenderLogical(ReqFor(op), core::Response());
    EXPECT_EQ(r.status, 204) << core::OperationName(op);
    EXPECT_EQ(r.body, "");
    HttpResponse empty_obj = RenderLogical(ReqFor(op), core::Response::WithData(Json::object()));
    EXPECT_EQ(empty_obj.status, 204);
  }
  core::Response warned;
  warned.warnings = {"w"};
  EXPECT_EQ(RenderLogical(ReqFor(Operation::kUpdate), warned).status, 200);
}

TEST(EnvelopeTest, EmptyReadsAndListsAre404) {
  HttpResponse read = RenderLogical(ReqFor(Operation::kRead), core::Response());
  EXPECT_EQ(read.status, 404);
  EXPECT_EQ(BodyJson(read), (Json{{"errors", Json::array()}}));
  EXPECT_EQ(RenderLogical(ReqFor(Operation::kPatch), core::Response()).status, 404);

  struct ListCase {
    Json data;
    std::vector<std::string> warnings;
    int status;
  };
  const std::vector<ListCase> cases = {
      {nullptr, {}, 404},
      {Json::object(), {}, 404},
      {Json::object(), {"w"}, 200},
      {Json{{"keys", Json::array()}}, {}, 404},
      {Json{{"keys", nullptr}}, {}, 200},  // other data (a null key) returned as is
      {Json{{"keys", {"a", "b/"}}}, {}, 200},
      {Json{{"keys", "a"}}, {}, 500},
      {Json{{"keys", {1}}}, {}, 500},
      {Json{{"key_info", {{"a", 1}}}}, {}, 200},
  };
  for (const auto& c : cases) {
    core::Response resp = core::Response::WithData(c.data);
    resp.warnings = c.warnings;
    EXPECT_EQ(RenderLogical(ReqFor(Operation::kList), resp).status, c.status) << c.data.dump();
  }
  HttpResponse keys = RenderLogical(ReqFor(Operation::kList), core::Response::ListResponse({"a"}));
  EXPECT_EQ(BodyJson(keys)["data"], (Json{{"keys", {"a"}}}));
}

TEST(EnvelopeTest, SysDataAtTopLevel) {
  core::Response resp = core::Response::WithData(
      Json{{"secret/", {{"type", "kv"}}}, {"data", "clash"}, {"request_id", "clash"}});
  resp.data_at_top_level = true;
  core::Request req = ReqFor(Operation::kRead);
  Json j = BodyJson(RenderLogical(req, resp));
  EXPECT_EQ(j["secret/"], (Json{{"type", "kv"}}));
  EXPECT_EQ(j["request_id"], req.id);  // envelope fields win
  EXPECT_EQ(j["data"]["secret/"], (Json{{"type", "kv"}}));
  EXPECT_EQ(j["data"]["data"], "clash");

  resp.data_at_top_level = false;
  EXPECT_FALSE(BodyJson(RenderLogical(req, resp)).contains("secret/"));
}

TEST(EnvelopeTest, RawPassthrough) {
  core::Response text;
  text.http_status = 200;
  text.raw_body = "# HELP x\nx 1\n";
  text.raw_content_type = "text/plain; version=0.0.4";
  HttpResponse r = RenderLogical(ReqFor(Operation::kRead), text);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "# HELP x\nx 1\n");
  EXPECT_EQ(Header(r, "Content-Type"), "text/plain; version=0.0.4");
  EXPECT_EQ(Header(r, "Cache-Control"), "no-store");

  core::Response health = core::Response::WithData(Json{{"sealed", false}});
  health.http_status = 429;
  HttpResponse h = RenderLogical(ReqFor(Operation::kRead), health);
  EXPECT_EQ(h.status, 429);
  EXPECT_EQ(BodyJson(h), (Json{{"sealed", false}}));
  EXPECT_EQ(Header(h, "Content-Type"), "application/json");

  core::Response with_auth = text;
  with_auth.auth.emplace();
  EXPECT_EQ(RenderLogical(ReqFor(Operation::kRead), with_auth).status, 500);
}

TEST(EnvelopeTest, ResponseHeadersAreCopied) {
  core::Response resp = core::Response::WithData(Json{{"a", 1}});
  resp.headers = {{"X-Vault-Index", "abc"}};
  HttpResponse r = RenderLogical(ReqFor(Operation::kRead), resp);
  EXPECT_EQ(Header(r, "x-vault-index"), "abc");
  core::Response empty;
  empty.headers = {{"Retry-After", "1"}};
  HttpResponse e = RenderLogical(ReqFor(Operation::kUpdate), empty);
  EXPECT_EQ(e.status, 204);
  EXPECT_EQ(Header(e, "Retry-After"), "1");
}

TEST(EnvelopeTest, InvalidUtf8IsReplacedNotThrown) {
  core::Response resp = core::Response::WithData(Json{{"v", std::string("\xff\xfe")}});
  HttpResponse r = RenderLogical(ReqFor(Operation::kRead), resp);
  EXPECT_EQ(r.status, 200);
  EXPECT_NO_THROW(Json::parse(r.body));
}

}  // namespace
}  // namespace coffer::http
