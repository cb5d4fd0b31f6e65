#include "http/sys_handlers.h"

#include <gtest/gtest.h>

#include "crypto/fake_random.h"
#include "http/fake_core.h"
#include "http/handler.h"
#include "telemetry/metrics.h"

namespace coffer::http {
namespace {

class SysHandlersTest : public ::testing::Test {
 protected:
  HttpResponse Call(std::string method, std::string target, std::string body = {},
                    HeaderList headers = {}) {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.headers = std::move(headers);
    r.remote_addr = "127.0.0.1";
    return handler_.Handle(r);
  }
  static Json J(const HttpResponse& r) { return Json::parse(r.body); }

  FakeCore core_;
  crypto::SeededRandom random_{1};
  Handler handler_{core_, random_};
};

TEST_F(SysHandlersTest, InitStatus) {
  core_.initialized = false;
  HttpResponse r = Call("GET", "/v1/sys/init");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(J(r), (Json{{"initialized", false}}));
  EXPECT_EQ(Call("DELETE", "/v1/sys/init").status, 405);
}

Result<core::InitResult> TwoKeys(const core::InitParams&) {
  core::InitResult out;
  out.keys.push_back(SecretBytes::FromString(std::string("\x01\x02\xff", 3)));
  out.keys.push_back(SecretBytes::FromString("key2"));
  out.root_token = "hvs.root";
  return out;
}

Result<core::InitResult> WithRecovery(const core::InitParams& p) {
  auto out = TwoKeys(p);
  out->recovery_keys.push_back(SecretBytes::FromString("r"));
  return out;
}

Result<core::InitResult> AlreadyInit(const core::InitParams&) {
  return Err(InvalidArgument("Vault is already initialized"));
}

TEST_F(SysHandlersTest, InitReturnsKeysInHexAndBase64) {
  core_.init_result = &TwoKeys;
  HttpResponse r = Call("PUT", "/v1/sys/init",
                        R"({"secret_shares":5,"secret_threshold":3,"stored_shares":0,
                            "root_token_pgp_key":""})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(J(r), (Json{{"keys", {"0102ff", "6b657932"}},
                        {"keys_base64", {"AQL/", "a2V5Mg=="}},
                        {"root_token", "hvs.root"}}));
  ASSERT_EQ(core_.init_calls.size(), 1u);
  EXPECT_EQ(core_.init_calls[0].secret_shares, 5);
  EXPECT_EQ(core_.init_calls[0].secret_threshold, 3);

  core_.init_result = &WithRecovery;
  Json rec = J(Call("POST", "/v1/sys/init", R"({"Recovery_Shares":1,"recovery_threshold":1})"));
  EXPECT_EQ(rec["recovery_keys"], (Json{"72"}));
  EXPECT_EQ(rec["recovery_keys_base64"], (Json{"cg=="}));
  EXPECT_EQ(core_.init_calls[1].recovery_shares, 1);  // field names match case-insensitively
}

TEST_F(SysHandlersTest, InitErrors) {
  core_.init_result = &TwoKeys;
  HttpResponse pgp = Call("PUT", "/v1/sys/init", R"({"secret_shares":1,"pgp_keys":["abc"]})");
  EXPECT_EQ(pgp.status, 400);
  EXPECT_EQ(J(pgp), (Json{{"errors", {"pgp_keys are not supported yet"}}}));
  EXPECT_TRUE(core_.init_calls.empty());
  EXPECT_EQ(Call("PUT", "/v1/sys/init", "[1]").status, 400);
  EXPECT_EQ(Call("PUT", "/v1/sys/init", R"({"secret_shares":"x"})").status, 400);
  core_.init_result = &AlreadyInit;
  HttpResponse again = Call("PUT", "/v1/sys/init", R"({"secret_shares":1,"secret_threshold":1})");
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(J(again), (Json{{"errors", {"Vault is already initialized"}}}));
}

TEST_F(SysHandlersTest, SealStatus) {
  core_.seal_status.threshold = 3;
  core_.seal_status.shares = 5;
  core_.seal_status.version = "1.15.0+coffer";
  core_.seal_status.cluster_name = "c1";
  core_.seal_status.cluster_id = "id1";
  core_.seal_status.storage_type = "raft";
  core_.sealed = true;
  Json sealed = J(Call("GET", "/v1/sys/seal-status"));
  EXPECT_EQ(sealed, (Json{{"type", "shamir"},
                          {"initialized", true},
                          {"sealed", true},
                          {"t", 3},
                          {"n", 5},
                          {"progress", 0},
                          {"nonce", ""},
                          {"version", "1.15.0+coffer"},
                          {"build_date", ""},
                          {"migration", false},
                          {"recovery_seal", false},
                          {"storage_type", "raft"}}));
  core_.sealed = false;
  Json unsealed = J(Call("GET", "/v1/sys/seal-status"));
  EXPECT_EQ(unsealed["cluster_name"], "c1");
  EXPECT_EQ(unsealed["cluster_id"], "id1");
  EXPECT_EQ(Call("PUT", "/v1/sys/seal-status").status, 405);
}

TEST_F(SysHandlersTest, Unseal) {
  core_.sealed = true;
  HttpResponse missing = Call("PUT", "/v1/sys/unseal", "{}");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(J(missing), (Json{{"errors",
                               {"'key' must be specified in request body as JSON, or 'reset' "
                                "set to true"}}}));
  HttpResponse ok = Call("PUT", "/v1/sys/unseal", R"({"key":"abcd"})");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(J(ok)["progress"], 1);
  EXPECT_EQ(J(ok)["sealed"], true);
  EXPECT_EQ(Call("POST", "/v1/sys/unseal", R"({"Key":"efgh"})").status, 200);
  EXPECT_EQ(core_.unseal_keys, (std::vector<std::string>{"abcd", "efgh"}));

  HttpResponse reset = Call("PUT", "/v1/sys/unseal", R"({"reset":true})");
  EXPECT_EQ(reset.status, 200);
  EXPECT_EQ(core_.reset_calls, 1);

  EXPECT_EQ(Call("PUT", "/v1/sys/unseal", R"({"key":"k","migrate":true})").status, 400);
  EXPECT_EQ(Call("PUT", "/v1/sys/unseal", R"({"key":5})").status, 400);
  EXPECT_EQ(Call("PUT", "/v1/sys/unseal", "not json").status, 400);
  EXPECT_EQ(Call("GET", "/v1/sys/unseal").status, 405);

  core_.unseal_error = InvalidArgument("invalid key");
  HttpResponse bad = Call("PUT", "/v1/sys/unseal", R"({"key":"zz"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(J(bad), (Json{{"errors", {"invalid key"}}}));

  core_.sealed = false;
  HttpResponse reset_unsealed = Call("PUT", "/v1/sys/unseal", R"({"reset":true})");
  EXPECT_EQ(reset_unsealed.status, 400);
  EXPECT_EQ(J(reset_unsealed), (Json{{"errors", {"vault is unsealed"}}}));
}

TEST_F(SysHandlersTest, SealAndStepDownUseTheToken) {
  HttpResponse seal = Call("PUT", "/v1/sys/seal", "", {{"X-Vault-Token", "root"}});
  EXPECT_EQ(seal.status, 204);
  EXPECT_EQ(seal.body, "");
  EXPECT_EQ(core_.seal_tokens, (std::vector<std::string>{"root"}));
  HttpResponse step = Call("POST", "/v1/sys/step-down", "", {{"Authorization", "Bearer t2"}});
  EXPECT_EQ(step.status, 204);
  EXPECT_EQ(core_.step_down_tokens, (std::vector<std::string>{"t2"}));

  core_.seal_result = PermissionDenied();
  HttpResponse denied = Call("PUT", "/v1/sys/seal");
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(J(denied), (Json{{"errors", {"permission denied"}}}));
  EXPECT_EQ(Call("GET", "/v1/sys/seal").status, 405);
  EXPECT_EQ(Call("GET", "/v1/sys/step-down").status, 405);
}

TEST_F(SysHandlersTest, Leader) {
  core_.ha.ha_enabled = true;
  core_.ha.is_self = false;
  core_.ha.leader_address = "https://10.0.0.1:8200";
  core_.ha.leader_cluster_address = "https://10.0.0.1:8201";
  core_.ha.active_time = "2024-01-02T03:04:05Z";
  HttpResponse r = Call("GET", "/v1/sys/leader");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(J(r), (Json{{"ha_enabled", true},
                        {"is_self", false},
                        {"active_time", "2024-01-02T03:04:05Z"},
                        {"leader_address", "https://10.0.0.1:8200"},
                        {"leader_cluster_address", "https://10.0.0.1:8201"},
                        {"performance_standby", false},
                        {"performance_standby_last_remote_wal", 0}}));
  core_.sealed = true;
  EXPECT_EQ(Call("GET", "/v1/sys/leader").status, 503);
  core_.ha.ha_enabled = false;
  Json standalone = J(Call("GET", "/v1/sys/leader"));
  EXPECT_EQ(standalone["ha_enabled"], false);
  EXPECT_EQ(Call("PUT", "/v1/sys/leader").status, 405);
}

TEST_F(SysHandlersTest, HealthBodyAndHead) {
  core_.ha.cluster_name = "vault-cluster-1";
  core_.ha.cluster_id = "cid";
  HttpResponse r = Call("GET", "/v1/sys/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(J(r), (Json{{"initialized", true},
                        {"sealed", false},
                        {"standby", false},
                        {"performance_standby", false},
                        {"replication_performance_mode", "disabled"},
                        {"replication_dr_mode", "disabled"},
                        {"server_time_utc", 1700000000},
                        {"version", "1.15.0+coffer"},
                        {"cluster_name", "vault-cluster-1"},
                        {"cluster_id", "cid"}}));
  core_.sealed = true;
  HttpResponse sealed = Call("GET", "/v1/sys/health");
  EXPECT_EQ(sealed.status, 503);
  EXPECT_FALSE(J(sealed).contains("cluster_id"));
  HttpResponse head = Call("HEAD", "/v1/sys/health?sealedcode=299");
  EXPECT_EQ(head.status, 299);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(Call("POST", "/v1/sys/health").status, 405);
  HttpResponse bad = Call("GET", "/v1/sys/health?standbyok=perhaps");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(J(bad), (Json{{"errors", Json::array()}}));
  EXPECT_EQ(Call("GET", "/v1/sys/health?activecode=abc").status, 400);
  EXPECT_EQ(Call("GET", "/v1/sys/health?activecode=20").status, 400);
  EXPECT_EQ(Call("HEAD", "/v1/sys/health?uninitcode=x").status, 400);
}

TEST_F(SysHandlersTest, OtherPathsGoThroughHandleRequest) {
  core_.on_request = [](core::Request& req) -> Result<core::Response> {
    if (req.path == "secret/missing") return Err(NotFound(""));
    if (req.path == "sys/mounts") return Err(Sealed());
    return core::Response::WithData(Json{{"op", core::OperationName(req.operation)}});
  };
  HttpResponse read = Call("GET", "/v1/secret/foo", "", {{"X-Vault-Token", "t"}});
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(J(read)["data"]["op"], "read");
  ASSERT_EQ(core_.requests.size(), 1u);
  EXPECT_EQ(core_.requests[0].client_token, "t");
  EXPECT_EQ(core_.requests[0].remote_addr, "127.0.0.1");

  HttpResponse missing = Call("GET", "/v1/secret/missing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(J(missing), (Json{{"errors", Json::array()}}));
  HttpResponse sealed = Call("GET", "/v1/sys/mounts");
  EXPECT_EQ(sealed.status, 503);
  EXPECT_EQ(J(sealed), (Json{{"errors", {"Vault is sealed"}}}));
  EXPECT_EQ(Call("HEAD", "/v1/secret/foo").status, 405);
  EXPECT_EQ(Call("GET", "/v1/secret/../sys/raw").status, 400);
  EXPECT_EQ(Call("GET", "/ui/").status, 404);
  // Sealed-state endpoints match exactly; a suffix goes to Core.
  EXPECT_EQ(J(Call("GET", "/v1/sys/health/"))["data"]["op"], "read");
  EXPECT_EQ(core_.requests.back().path, "sys/health/");
}

TEST_F(SysHandlersTest, MetricsWithoutTokenOnlyOnListenersThatAllowIt) {
  telemetry::Options o;
  o.hostname = "node-1";
  telemetry::Configure(o);
  telemetry::IncrCounter("token.creation");

  // A listener without unauthenticated_metrics_access: through Core, like any request.
  HttpResponse through_core = Call("GET", "/v1/sys/metrics?format=prometheus");
  EXPECT_EQ(through_core.status, 200);
  ASSERT_EQ(core_.requests.size(), 1u);
  EXPECT_EQ(core_.requests[0].path, "sys/metrics");

  HttpRequest r;
  r.method = "GET";
  r.target = "/v1/sys/metrics?format=prometheus";
  r.remote_addr = "127.0.0.1";
  r.unauthenticated_metrics_access = true;
  core_.sealed = true;  // served even while sealed, and on a standby
  core_.ha.standby = true;
  HttpResponse prom = handler_.Handle(r);
  EXPECT_EQ(prom.status, 200);
  EXPECT_EQ(*FindHeader(prom.headers, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(prom.body.find("\nvault_token_creation 1\n"), std::string::npos) << prom.body;
  EXPECT_EQ(core_.requests.size(), 1u);  // Core was not asked

  r.target = "/v1/sys/metrics";
  HttpResponse json = handler_.Handle(r);
  EXPECT_EQ(json.status, 200);
  EXPECT_EQ(*FindHeader(json.headers, "Content-Type"), "application/json");
  EXPECT_TRUE(Json::parse(json.body)["Counters"].is_array());

  r.target = "/v1/sys/metrics?format=yaml";
  EXPECT_EQ(handler_.Handle(r).status, 400);
  r.method = "PUT";
  EXPECT_EQ(handler_.Handle(r).status, 405);

  // An unsealed standby without the listener flag redirects to the active node (Vault's
  // handleLogicalNoForward + respondStandby) instead of forwarding.
  core_.sealed = false;
  core_.ha.leader_address = "https://10.0.0.1:8200";
  HttpResponse redirect = Call("GET", "/v1/sys/metrics?format=prometheus");
  EXPECT_EQ(redirect.status, 307);
  EXPECT_EQ(*FindHeader(redirect.headers, "Location"),
            "https://10.0.0.1:8200/v1/sys/metrics?format=prometheus");
  core_.ha.leader_address.clear();
  EXPECT_EQ(Call("GET", "/v1/sys/metrics").status, 503);
  EXPECT_EQ(core_.requests.size(), 1u);

  o.prometheus_retention_time = std::chrono::seconds(0);
  telemetry::Configure(o);
  r.method = "GET";
  r.target = "/v1/sys/metrics?format=prometheus";
  HttpResponse off = handler_.Handle(r);
  EXPECT_EQ(off.status, 400);
  EXPECT_EQ(off.body, "prometheus is not enabled");
  telemetry::ResetForTests();
}

}  // namespace
}  // namespace coffer::http
