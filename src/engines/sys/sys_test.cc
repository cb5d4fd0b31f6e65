// sys/ through a real dev-mode CoreImpl: mount tables, tuning, remount, policies,
// capabilities, the UI mount listing, key status, host info, hashing and sudo paths.
#include "crypto/hash.h"
#include "engines/sys/sys_test_fixture.h"
#include "telemetry/metrics.h"

namespace coffer::engines::sys {
namespace {

using core::Operation;

class SysTest : public testing::DevCoreTest {};

bool HasKey(const Json& j, const std::string& k) { return j.is_object() && j.contains(k); }

TEST_F(SysTest, MountsListsDefaultMountsWithVaultFields) {
  auto r = Ok(Operation::kRead, "sys/mounts");
  for (const char* p : {"secret/", "sys/", "cubbyhole/"}) ASSERT_TRUE(HasKey(r.data, p)) << p;
  const Json& kv = r.data["secret/"];
  EXPECT_EQ(kv["type"], "kv");
  EXPECT_EQ(kv["options"]["version"], "2");
  EXPECT_EQ(kv["config"]["default_lease_ttl"], 0);
  EXPECT_EQ(kv["config"]["max_lease_ttl"], 0);
  EXPECT_EQ(kv["config"]["force_no_cache"], false);
  EXPECT_FALSE(HasKey(kv["config"], "token_type"));
  for (const char* f : {"accessor", "uuid", "local", "seal_wrap", "external_entropy_access",
                        "description", "running_plugin_version"})
    EXPECT_TRUE(HasKey(kv, f)) << f;
  EXPECT_EQ(r.data["sys/"]["type"], "system");
}

TEST_F(SysTest, EnableReadTuneAndDisableMount) {
  Ok(Operation::kUpdate, "sys/mounts/team",
     {{"type", "kv"},
      {"description", "team secrets"},
      {"config", {{"default_lease_ttl", "1h"}, {"max_lease_ttl", 7200}}},
      {"options", {{"version", "1"}}}});
  auto read = Ok(Operation::kRead, "sys/mounts/team");
  EXPECT_EQ(read.data["description"], "team secrets");
  EXPECT_EQ(read.data["config"]["default_lease_ttl"], 3600);
  EXPECT_EQ(read.data["config"]["max_lease_ttl"], 7200);

  auto tune = Ok(Operation::kRead, "sys/mounts/team/tune");
  EXPECT_EQ(tune.data["default_lease_ttl"], 3600);
  EXPECT_EQ(tune.data["max_lease_ttl"], 7200);
  EXPECT_EQ(tune.data["options"]["version"], "1");
  EXPECT_FALSE(HasKey(tune.data, "token_type"));

  Ok(Operation::kUpdate, "sys/mounts/team/tune",
     {{"default_lease_ttl", "30m"}, {"description", "renamed"}, {"listing_visibility", "unauth"}});
  tune = Ok(Operation::kRead, "sys/mounts/team/tune");
  EXPECT_EQ(tune.data["default_lease_ttl"], 1800);
  EXPECT_EQ(tune.data["max_lease_ttl"], 7200);
  EXPECT_EQ(tune.data["description"], "renamed");
  EXPECT_EQ(tune.data["listing_visibility"], "unauth");

  // The default may not exceed the max.
  auto bad = Fail(Operation::kUpdate, "sys/mounts/team/tune", {{"default_lease_ttl", "3h"}});
  EXPECT_EQ(bad.message(),
            "backend max lease TTL of 7200 would be less than backend default "
            "lease TTL of 10800");
  // A KV mount can be upgraded but not downgraded.
  auto up = Ok(Operation::kUpdate, "sys/mounts/team/tune", {{"options", {{"version", "2"}}}});
  ASSERT_EQ(up.warnings.size(), 1u);
  EXPECT_NE(up.warnings[0].find("Upgrading mount from version 1 to version 2"), std::string::npos);
  EXPECT_EQ(
      Fail(Operation::kUpdate, "sys/mounts/team/tune", {{"options", {{"version", "1"}}}}).message(),
      "cannot downgrade mount from version 2");

  Ok(Operation::kDelete, "sys/mounts/team");
  EXPECT_FALSE(HasKey(Ok(Operation::kRead, "sys/mounts").data, "team/"));
  Ok(Operation::kDelete, "sys/mounts/team");  // disabling nothing succeeds, as in Vault
  EXPECT_EQ(Fail(Operation::kRead, "sys/mounts/team").message(), "No secret engine mount at team/");
}

TEST_F(SysTest, EnableMountRejectsWhatVaultRejects) {
  auto st = Fail(Operation::kUpdate, "sys/mounts/secret/nested", {{"type", "kv"}});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "path is already in use at secret/");
  st = Fail(Operation::kUpdate, "sys/mounts/sys", {{"type", "kv"}});
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(st.message(), "cannot mount \"sys/\"");
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/mounts/auth/x", {{"type", "kv"}}).message(),
            "cannot mount \"auth/x/\"");
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/mounts/c2", {{"type", "cubbyhole"}}).message(),
            "mount type of \"cubbyhole\" is not mountable");
  st = Fail(Operation::kUpdate, "sys/mounts/x", {{"type", "nope"}});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "plugin not found in the catalog: nope");
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/mounts/x", Json::object()).message(),
            "backend type must be specified as a string");
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/mounts/x",
                 {{"type", "cubbyhole2"}, {"options", {{"version", "2"}}}})
                .message(),
            "secrets engine \"cubbyhole2\" does not allow setting a version");
  EXPECT_EQ(
      Fail(Operation::kUpdate, "sys/mounts/x",
           {{"type", "kv"}, {"config", {{"default_lease_ttl", "2h"}, {"max_lease_ttl", "1h"}}}})
          .message(),
      "given default lease TTL greater than given max lease TTL");
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/mounts/x",
                 {{"type", "kv"}, {"config", {{"listing_visibility", "loud"}}}})
                .message(),
            "invalid listing_visibility loud");
  EXPECT_EQ(Fail(Operation::kDelete, "sys/mounts/sys").message(), "cannot unmount \"sys/\"");
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/mounts/cubbyhole/tune", {{"description", "x"}}).message(),
            "cannot tune \"cubbyhole/\"");

  // "kv-v2" is an alias for kv with options.version 2.
  Ok(Operation::kUpdate, "sys/mounts/v2", {{"type", "kv-v2"}});
  auto read = Ok(Operation::kRead, "sys/mounts/v2");
  EXPECT_EQ(read.data["type"], "kv");
  EXPECT_EQ(read.data["options"]["version"], "2");
}

TEST_F(SysTest, RemountMovesDataAndReportsMigration) {
  Ok(Operation::kUpdate, "sys/mounts/old", {{"type", "kv"}, {"options", {{"version", "1"}}}});
  Ok(Operation::kUpdate, "old/app", {{"password", "s3cret"}});
  auto r = Ok(Operation::kUpdate, "sys/remount", {{"from", "old"}, {"to", "new"}});
  ASSERT_TRUE(r.data["migration_id"].is_string());
  std::string id = r.data["migration_id"];
  EXPECT_EQ(r.warnings.size(), 1u);
  auto status = Ok(Operation::kRead, "sys/remount/status/" + id);
  EXPECT_EQ(status.data["migration_info"]["status"], "success");
  EXPECT_EQ(status.data["migration_info"]["source_mount"], "old/");
  EXPECT_EQ(status.data["migration_info"]["target_mount"], "new/");
  EXPECT_EQ(Ok(Operation::kRead, "new/app").data["password"], "s3cret");
  auto mounts = Ok(Operation::kRead, "sys/mounts").data;
  EXPECT_FALSE(HasKey(mounts, "old/"));
  EXPECT_TRUE(HasKey(mounts, "new/"));

  EXPECT_EQ(Fail(Operation::kUpdate, "sys/remount", {{"from", "missing"}, {"to", "x"}}).message(),
            "no matching mount at \"missing/\"");
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/remount", {{"from", "new"}, {"to", "secret"}}).message(),
            "path already in use at \"secret/\"");
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/remount", {{"from", "sys"}, {"to", "x"}}).message(),
            "cannot remount \"sys/\"");
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/remount", {{"from", "new"}, {"to", "a//b"}}).message(),
            "invalid destination mount: path 'a//b/' does not match cleaned path 'a/b/'");
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/remount", {{"from", "new"}}).message(),
            "both 'from' and 'to' path must be specified as a string");
  EXPECT_EQ(Fail(Operation::kRead, "sys/remount/status/nope").code(), StatusCode::kNotFound);
}

TEST_F(SysTest, AuthMethodsEnableListTuneRemountAndDisable) {
  Ok(Operation::kUpdate, "sys/auth/users", {{"type", "userpass"}, {"description", "people"}});
  auto list = Ok(Operation::kRead, "sys/auth").data;
  ASSERT_TRUE(HasKey(list, "users/"));
  ASSERT_TRUE(HasKey(list, "token/"));
  EXPECT_EQ(list["users/"]["type"], "userpass");
  EXPECT_EQ(list["users/"]["config"]["token_type"], "default-service");
  EXPECT_EQ(list["token/"]["type"], "token");
  EXPECT_EQ(Ok(Operation::kRead, "sys/auth/users").data["description"], "people");

  auto tune = Ok(Operation::kRead, "sys/auth/users/tune").data;
  EXPECT_EQ(tune["token_type"], "default-service");
  EXPECT_EQ(tune["default_lease_ttl"], 768 * 3600);
  Ok(Operation::kUpdate, "sys/auth/users/tune",
     {{"token_type", "batch"}, {"default_lease_ttl", "1h"}, {"max_lease_ttl", "5h"}});
  tune = Ok(Operation::kRead, "sys/mounts/auth/users/tune").data;  // the legacy form works too
  EXPECT_EQ(tune["token_type"], "batch");
  EXPECT_EQ(tune["max_lease_ttl"], 5 * 3600);
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/auth/token/tune", {{"token_type", "batch"}}).message(),
            "'token_type' cannot be set for 'token' or 'ns_token' auth mounts");
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/mounts/secret/tune", {{"token_type", "batch"}}).message(),
            "'token_type' can only be modified on auth mounts");

  EXPECT_EQ(Fail(Operation::kUpdate, "sys/auth/users", {{"type", "userpass"}}).message(),
            "path is already in use at users/");
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/auth/tok2", {{"type", "token"}}).message(),
            "token credential backend cannot be instantiated");
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/auth/x",
                 {{"type", "userpass"}, {"config", {{"token_type", "odd"}}}})
                .message(),
            "invalid value for 'token_type'");
  EXPECT_EQ(Fail(Operation::kRead, "sys/auth/none").message(), "No auth engine at none/");

  Ok(Operation::kUpdate, "sys/remount", {{"from", "auth/users"}, {"to", "auth/people"}});
  EXPECT_TRUE(HasKey(Ok(Operation::kRead, "sys/auth").data, "people/"));
  EXPECT_EQ(
      Fail(Operation::kUpdate, "sys/remount", {{"from", "auth/people"}, {"to", "kv9"}}).message(),
      "cannot remount auth mount to non-auth mount \"kv9/\"");

  Ok(Operation::kDelete, "sys/auth/people");
  EXPECT_FALSE(HasKey(Ok(Operation::kRead, "sys/auth").data, "people/"));
  EXPECT_EQ(Fail(Operation::kDelete, "sys/auth/token").message(),
            "token credential backend cannot be disabled");
}

TEST_F(SysTest, PolicyCrudOnBothApis) {
  const std::string hcl = "path \"secret/*\" {\n  capabilities = [\"read\"]\n}\n";
  auto w = Ok(Operation::kUpdate, "sys/policy/Ops", {{"rules", hcl}});
  EXPECT_EQ(w.warnings.size(), 2u);  // name lower-cased; 'rules' deprecated
  auto legacy = Ok(Operation::kRead, "sys/policy/ops").data;
  EXPECT_EQ(legacy["name"], "ops");
  EXPECT_EQ(legacy["rules"], hcl);
  Ok(Operation::kUpdate, "sys/policies/acl/dev", {{"policy", hcl}});
  auto acl = Ok(Operation::kRead, "sys/policies/acl/dev").data;
  EXPECT_EQ(acl["policy"], hcl);
  EXPECT_FALSE(HasKey(acl, "rules"));

  auto list = Ok(Operation::kList, "sys/policies/acl").data;
  EXPECT_EQ(list["keys"], Json::array({"default", "dev", "ops", "root"}));
  EXPECT_FALSE(HasKey(list, "policies"));
  auto old = Ok(Operation::kRead, "sys/policy").data;
  EXPECT_EQ(old["policies"], old["keys"]);

  Ok(Operation::kDelete, "sys/policies/acl/dev");
  EXPECT_EQ(Fail(Operation::kRead, "sys/policies/acl/dev").code(), StatusCode::kNotFound);
  EXPECT_EQ(Fail(Operation::kDelete, "sys/policy/default").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/policies/acl/x", Json::object()).message(),
            "'policy' parameter not supplied or empty");
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/policies/acl/x", {{"policy", "path {"}}).code(),
            StatusCode::kInvalidArgument);
  // A base64-encoded policy is accepted, as Vault does.
  Ok(Operation::kUpdate, "sys/policies/acl/b64", {{"policy", crypto::Base64Encode(hcl)}});
  EXPECT_EQ(Ok(Operation::kRead, "sys/policies/acl/b64").data["policy"], hcl);
}

TEST_F(SysTest, CapabilitiesForTokenSelfAndAccessor) {
  WritePolicy("reader", "path \"secret/data/*\" { capabilities = [\"read\", \"list\"] }");
  auto created = Ok(Operation::kUpdate, "auth/token/create", {{"policies", {"reader"}}});
  std::string token = created.auth->client_token, accessor = created.auth->accessor;

  auto one =
      Ok(Operation::kUpdate, "sys/capabilities", {{"token", token}, {"path", "secret/data/app"}})
          .data;
  EXPECT_EQ(one["capabilities"], Json::array({"list", "read"}));
  EXPECT_EQ(one["secret/data/app"], one["capabilities"]);

  auto two = Ok(Operation::kUpdate, "sys/capabilities",
                {{"token", token}, {"paths", {"secret/data/a", "sys/mounts"}}})
                 .data;
  EXPECT_FALSE(HasKey(two, "capabilities"));
  EXPECT_EQ(two["sys/mounts"], Json::array({"deny"}));

  WritePolicy("selfcheck", "path \"sys/capabilities-self\" { capabilities = [\"update\"] }");
  std::string both = NewToken({"reader", "selfcheck"});
  auto self = Ok(Operation::kUpdate, "sys/capabilities-self", {{"paths", "secret/data/x"}}, both);
  EXPECT_EQ(self.data["capabilities"], Json::array({"list", "read"}));

  auto by_accessor = Ok(Operation::kUpdate, "sys/capabilities-accessor",
                        {{"accessor", accessor}, {"paths", "secret/data/x"}})
                         .data;
  EXPECT_EQ(by_accessor["capabilities"], Json::array({"list", "read"}));
  EXPECT_EQ(Ok(Operation::kUpdate, "sys/capabilities", {{"token", "root"}, {"path", "x"}})
                .data["capabilities"],
            Json::array({"root"}));

  EXPECT_EQ(
      Fail(Operation::kUpdate, "sys/capabilities", {{"token", "bogus"}, {"path", "x"}}).message(),
      "invalid token");
  EXPECT_EQ(
      Fail(Operation::kUpdate, "sys/capabilities-accessor", {{"accessor", "bogus"}, {"path", "x"}})
          .message(),
      "invalid accessor");
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/capabilities", {{"token", token}}).message(),
            "paths must be supplied");
}

TEST_F(SysTest, InternalUiMountsFollowVisibilityAndAcl) {
  // Without a token only unauth-visible mounts show, with the short form.
  auto anon = Ok(Operation::kRead, "sys/internal/ui/mounts", Json::object(), "").data;
  EXPECT_TRUE(anon["secret"].empty());
  EXPECT_TRUE(anon["auth"].empty());
  Ok(Operation::kUpdate, "sys/mounts/secret/tune", {{"listing_visibility", "unauth"}});
  anon = Ok(Operation::kRead, "sys/internal/ui/mounts", Json::object(), "").data;
  ASSERT_TRUE(HasKey(anon["secret"], "secret/"));
  EXPECT_EQ(anon["secret"]["secret/"], Json({{"type", "kv"},
                                             {"description", "key/value secret storage"},
                                             {"options", {{"version", "2"}}}}));

  // With a token: the mounts its policies reach, in full.
  WritePolicy("app", "path \"secret/data/app/*\" { capabilities = [\"read\"] }");
  std::string token = NewToken({"app"}, {{"no_default_policy", true}});
  auto authed = Ok(Operation::kRead, "sys/internal/ui/mounts", Json::object(), token).data;
  ASSERT_TRUE(HasKey(authed["secret"], "secret/"));
  EXPECT_TRUE(HasKey(authed["secret"]["secret/"], "accessor"));
  EXPECT_FALSE(HasKey(authed["secret"], "sys/"));  // "default" would reach sys/ and cubbyhole/
  EXPECT_FALSE(HasKey(authed["secret"], "cubbyhole/"));
  EXPECT_TRUE(HasKey(Ok(Operation::kRead, "sys/internal/ui/mounts").data["auth"], "token/"));

  // The CLI's KV preflight.
  auto pre =
      Ok(Operation::kRead, "sys/internal/ui/mounts/secret/app/config", Json::object(), token);
  EXPECT_EQ(pre.data["path"], "secret/");
  EXPECT_EQ(pre.data["type"], "kv");
  EXPECT_EQ(pre.data["options"], Json({{"version", "2"}}));
  auto denied = Fail(Operation::kRead, "sys/internal/ui/mounts/cubbyhole/x", Json::object(),
                     NewToken({"app"}, {{"no_default_policy", true}}));
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message(),
            "preflight capability check returned 403, please ensure client's policies grant "
            "access to path \"cubbyhole/x/\"");
  EXPECT_EQ(
      Fail(Operation::kRead, "sys/internal/ui/mounts/nomount/x", Json::object(), token).code(),
      StatusCode::kPermissionDenied);
  EXPECT_EQ(Fail(Operation::kRead, "sys/internal/ui/mounts", Json::object(), "bogus").code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(Fail(Operation::kRead, "sys/internal/ui/mounts/secret", Json::object(), "").code(),
            StatusCode::kPermissionDenied);
}

TEST_F(SysTest, KeyStatusAndRotate) {
  auto before = Ok(Operation::kRead, "sys/key-status").data;
  EXPECT_EQ(before["term"], 1);
  EXPECT_TRUE(before["install_time"].is_string());
  EXPECT_TRUE(before["encryptions"].is_number());
  Ok(Operation::kUpdate, "sys/rotate");
  EXPECT_EQ(Ok(Operation::kRead, "sys/key-status").data["term"], 2);
  // Data written before the rotation still reads.
  EXPECT_TRUE(HasKey(Ok(Operation::kRead, "sys/mounts").data, "secret/"));
}

TEST_F(SysTest, HostInfoReportsThisMachine) {
  auto r = Ok(Operation::kRead, "sys/host-info");
  EXPECT_TRUE(r.data["timestamp"].is_string());
  EXPECT_TRUE(r.data["host"]["hostname"].is_string());
  EXPECT_EQ(r.data["host"]["os"], "linux");
  EXPECT_GT(r.data["memory"]["total"].get<uint64_t>(), 0u);
  EXPECT_GE(r.data["cpu"].size(), 1u);
}

TEST_F(SysTest, ToolsHash) {
  std::string input = crypto::Base64Encode("hello");
  EXPECT_EQ(Ok(Operation::kUpdate, "sys/tools/hash", {{"input", input}}).data["sum"],
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(
      Ok(Operation::kUpdate, "sys/tools/hash/sha2-224", {{"input", input}, {"format", "base64"}})
          .data["sum"],
      crypto::Base64Encode(
          *crypto::HexDecode("ea09ae9cc6768c50fcee903ed054556e5bfc8347907f12598aa24193")));
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/tools/hash", {{"input", input}, {"algorithm", "md5"}})
                .message(),
            "unsupported algorithm md5");
  EXPECT_EQ(
      Fail(Operation::kUpdate, "sys/tools/hash", {{"input", input}, {"format", "raw"}}).message(),
      "unsupported encoding format raw; must be \"hex\" or \"base64\"");
  EXPECT_EQ(Fail(Operation::kUpdate, "sys/tools/hash", {{"input", "%%"}}).code(),
            StatusCode::kInvalidArgument);
}

TEST_F(SysTest, SudoPathsNeedSudo) {
  WritePolicy(
      "admin",
      "path \"sys/*\" { capabilities = [\"create\", \"read\", \"update\", \"delete\", \"list\"] }");
  std::string admin = NewToken({"admin"});
  // Not sudo-protected: mounting a secrets engine.
  Ok(Operation::kUpdate, "sys/mounts/adm", {{"type", "kv"}}, admin);
  for (const auto& [path, data] :
       std::vector<std::pair<std::string, Json>>{{"sys/auth/up", {{"type", "userpass"}}},
                                                 {"sys/remount", {{"from", "adm"}, {"to", "adm2"}}},
                                                 {"sys/rotate", Json::object()}}) {
    EXPECT_EQ(Fail(Operation::kUpdate, path, data, admin).code(), StatusCode::kPermissionDenied)
        << path;
  }
  WritePolicy("sudoer",
              "path \"sys/*\" { capabilities = [\"create\", \"read\", \"update\", \"delete\", "
              "\"list\", \"sudo\"] }");
  std::string sudoer = NewToken({"sudoer"});
  Ok(Operation::kUpdate, "sys/auth/up", {{"type", "userpass"}}, sudoer);
  Ok(Operation::kUpdate, "sys/remount", {{"from", "adm"}, {"to", "adm2"}}, sudoer);
  Ok(Operation::kUpdate, "sys/rotate", Json::object(), sudoer);
}

TEST_F(SysTest, MetricsJsonAndPrometheusAsRawBodies) {
  telemetry::Options o;
  o.hostname = "node-1";
  o.prometheus_retention_time = std::chrono::seconds(0);
  telemetry::Configure(o);
  telemetry::IncrCounter("token.creation", 1, {{"auth_method", "token"}});

  auto json = Ok(Operation::kRead, "sys/metrics");
  EXPECT_EQ(json.http_status, 200);
  EXPECT_EQ(json.raw_content_type, "application/json");
  ASSERT_TRUE(json.raw_body.has_value());
  Json doc = Json::parse(*json.raw_body);
  EXPECT_TRUE(doc["Timestamp"].is_string());
  ASSERT_EQ(doc["Counters"].size(), 1u);
  EXPECT_EQ(doc["Counters"][0]["Name"], "vault.token.creation");

  // Prometheus off (retention 0): Vault answers 400 text/plain.
  core::Request req;
  req.operation = Operation::kRead;
  req.path = "sys/metrics";
  req.client_token = "root";
  req.query["format"] = "prometheus";
  auto off = core_->HandleRequest(req);
  ASSERT_TRUE(off.has_value());
  EXPECT_EQ(off->http_status, 400);
  EXPECT_EQ(off->raw_body, "prometheus is not enabled");

  o.prometheus_retention_time = std::chrono::hours(1);
  telemetry::Configure(o);
  telemetry::IncrCounter("token.creation", 1, {{"auth_method", "token"}});
  auto prom = core_->HandleRequest(req);
  ASSERT_TRUE(prom.has_value());
  EXPECT_EQ(prom->http_status, 200);
  EXPECT_EQ(prom->raw_content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(prom->raw_body->find("vault_token_creation{auth_method=\"token\"} 1\n"),
            std::string::npos)
      << *prom->raw_body;

  // A Prometheus scraper's Accept header selects the text format too.
  req.query.clear();
  req.headers["accept"] = "application/openmetrics-text; version=0.0.1";
  auto scraped = core_->HandleRequest(req);
  ASSERT_TRUE(scraped.has_value());
  EXPECT_EQ(scraped->raw_content_type, "text/plain; version=0.0.4; charset=utf-8");

  // Without read on sys/metrics a token is refused, as any other path.
  WritePolicy("nothing", R"(path "secret/*" { capabilities = ["read"] })");
  EXPECT_EQ(Fail(Operation::kRead, "sys/metrics", Json::object(), NewToken({"nothing"})).code(),
            StatusCode::kPermissionDenied);
  telemetry::ResetForTests();
}

}  // namespace
}  // namespace coffer::engines::sys
