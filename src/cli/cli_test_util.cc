#include "cli/cli_test_util.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "cli/cli.h"

namespace coffer::cli {

using api::testing::FakeReply;
using api::testing::FakeRequest;
using api::testing::FakeServer;

namespace {

FakeReply JsonReply(int status, const Json& body) { return {status, body.dump(), {}}; }
FakeReply Errors(int status, const std::string& msg) {
  return JsonReply(status, Json{{"errors", Json::array({msg})}});
}

Json AuthBlock(const std::string& token, const Json& policies) {
  return Json{{"auth",
               {{"client_token", token},
                {"accessor", "acc-" + token},
                {"policies", policies},
                {"token_policies", policies},
                {"metadata", nullptr},
                {"lease_duration", 3600},
                {"renewable", true}}}};
}

}  // namespace

FakeVault::FakeVault() {
  server_ = std::make_unique<FakeServer>([this](const FakeRequest& r) { return Handle(r); });
}

void FakeVault::SetSealed(bool sealed) {
  std::lock_guard<std::mutex> lock(mu_);
  sealed_ = sealed;
}

void FakeVault::FailPath(const std::string& path, int status, const std::string& message) {
  std::lock_guard<std::mutex> lock(mu_);
  failures_[path] = {status, message};
}

void FakeVault::SetSnapshot(std::string bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  snapshot_ = std::move(bytes);
}

std::string FakeVault::snapshot() {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_;
}

std::optional<FakeRequest> FakeVault::Last(const std::string& method,
                                           const std::string& path) const {
  std::optional<FakeRequest> found;
  for (const FakeRequest& r : server_->requests()) {
    if (r.method == method && r.path == path) found = r;
  }
  return found;
}

FakeReply FakeVault::Handle(const FakeRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string& p = req.path;
  const std::string& m = req.method;
  Json body = Json::parse(req.body.empty() ? "null" : req.body, nullptr, false);
  auto seal_status = [this] {
    return Json{{"type", "shamir"},
                {"initialized", true},
                {"sealed", sealed_},
                {"t", 3},
                {"n", 5},
                {"progress", sealed_ ? 1 : 0},
                {"nonce", "n-1"},
                {"version", "1.15.0"},
                {"build_date", "2024-01-01"},
                {"storage_type", "raft"},
                {"recovery_seal", false}};
  };
  if (p == "/v1/sys/seal-status") return JsonReply(200, seal_status());
  if (p == "/v1/sys/leader") {
    if (sealed_) return Errors(503, "Vault is sealed");
    return JsonReply(200, Json{{"ha_enabled", true},
                               {"is_self", true},
                               {"leader_address", "https://n1:8200"},
                               {"leader_cluster_address", "https://n1:8201"}});
  }
  if (p == "/v1/sys/init" && m == "GET") return JsonReply(200, Json{{"initialized", true}});
  if (p == "/v1/sys/init") {
    return JsonReply(200, Json{{"keys", Json::array({"aa01", "bb02"})},
                               {"keys_base64", Json::array({"qgE=", "uwI="})},
                               {"root_token", "hvs.root"}});
  }
  if (p == "/v1/sys/unseal") {
    if (body.is_object() && body.contains("key")) sealed_ = false;
    return JsonReply(200, seal_status());
  }
  if (p == "/v1/sys/seal") {
    sealed_ = true;
    return {204, "", {}};
  }
  if (sealed_) return Errors(503, "Vault is sealed");
  if (req.Header("x-vault-token") != "hvs.root" && p.rfind("/v1/auth/userpass/login", 0) != 0)
    return Errors(403, "permission denied");
  if (p.rfind("/v1/sys/internal/ui/mounts/", 0) == 0) {
    std::string rest = p.substr(std::string("/v1/sys/internal/ui/mounts/").size());
    if (rest.rfind("secret", 0) == 0)
      return JsonReply(
          200,
          Json{{"data", {{"path", "secret/"}, {"type", "kv"}, {"options", {{"version", "2"}}}}}});
    if (rest.rfind("kv1", 0) == 0)
      return JsonReply(200,
                       Json{{"data", {{"path", "kv1/"}, {"type", "kv"}, {"options", nullptr}}}});
    return Errors(404, "no mount");
  }
  if (auto f = failures_.find(p); f != failures_.end())
    return Errors(f->second.first, f->second.second);
  if (std::optional<FakeReply> raft = HandleRaft(req)) return *raft;
  if (p.rfind("/v1/secret/", 0) == 0 || p.rfind("/v1/kv1/", 0) == 0) return HandleKv(req, p);
  if (p == "/v1/auth/token/lookup-self") {
    return JsonReply(200, Json{{"data",
                                {{"id", "hvs.root"},
                                 {"accessor", "acc-root"},
                                 {"policies", Json::array({"root"})},
                                 {"ttl", 0},
                                 {"creation_ttl", 0},
                                 {"renewable", false}}}});
  }
  if (p == "/v1/auth/userpass/login/bob") {
    if (!body.is_object() || body.value("password", "") != "pw")
      return Errors(400, "invalid username or password");
    return JsonReply(200, AuthBlock("hvs.bob", Json::array({"default"})));
  }
  if (p.rfind("/v1/auth/token/create", 0) == 0)
    return JsonReply(200, AuthBlock("hvs.child", Json::array({"default", "dev"})));
  if (p.rfind("/v1/auth/token/", 0) == 0) return {204, "", {}};
  if (p == "/v1/sys/capabilities-self" || p == "/v1/sys/capabilities") {
    return JsonReply(200, Json{{"capabilities", Json::array({"read", "create"})},
                               {"data", {{"secret/foo", Json::array({"read", "create"})}}}});
  }
  if (p.rfind("/v1/sys/policies/acl", 0) == 0) {
    std::string name = p.size() > 21 ? p.substr(21) : "";
    if (m == "LIST") {
      Json keys = Json::array();
      for (const auto& [k, v] : policies_) keys.push_back(k);
      return JsonReply(200, Json{{"data", {{"keys", keys}}}});
    }
    if (m == "PUT") {
      policies_[name] = body.is_object() ? body.value("policy", "") : "";
      return {204, "", {}};
    }
    if (m == "DELETE") {
      policies_.erase(name);
      return {204, "", {}};
    }
    if (!policies_.count(name)) return Errors(404, "");
    return JsonReply(200, Json{{"data", {{"name", name}, {"policy", policies_[name]}}}});
  }
  if (p == "/v1/sys/mounts" || p == "/v1/sys/auth") {
    Json mounts = {{"secret/",
                    {{"type", "kv"},
                     {"accessor", "kv_1"},
                     {"description", ""},
                     {"options", {{"version", "2"}}},
                     {"config", {{"default_lease_ttl", 0}, {"max_lease_ttl", 0}}}}}};
    return JsonReply(200, Json{{"data", mounts}});
  }
  if (p.rfind("/v1/sys/", 0) == 0) return {204, "", {}};
  if (p == "/v1/denied/x") return Errors(403, "permission denied");
  return Errors(404, "");
}

// Vault's replies for the Raft and HA endpoints (a three-node cluster, n1 the leader).
std::optional<FakeReply> FakeVault::HandleRaft(const FakeRequest& req) {
  const std::string& p = req.path;
  const std::string& m = req.method;
  auto secret = [](const Json& data) {
    return JsonReply(200, Json{{"request_id", "req-1"},
                               {"lease_id", ""},
                               {"renewable", false},
                               {"lease_duration", 0},
                               {"data", data},
                               {"wrap_info", nullptr},
                               {"warnings", nullptr},
                               {"auth", nullptr}});
  };
  if (p == "/v1/sys/storage/raft/join" && m == "POST")
    return JsonReply(200, Json{{"joined", true}});
  if (p == "/v1/sys/storage/raft/configuration" && m == "GET") {
    auto server = [](const char* id, const char* addr, bool leader, bool voter) {
      return Json{{"node_id", id},
                  {"address", addr},
                  {"leader", leader},
                  {"voter", voter},
                  {"protocol_version", "3"}};
    };
    return secret(Json{{"config",
                        {{"index", 0},
                         {"servers", Json::array({server("n1", "n1:8201", true, true),
                                                  server("n2", "n2:8201", false, true),
                                                  server("n3", "n3:8201", false, false)})}}}});
  }
  if (p == "/v1/sys/storage/raft/remove-peer" && (m == "PUT" || m == "POST"))
    return FakeReply{204, "", {}};
  if (p == "/v1/sys/storage/raft/snapshot" && m == "GET") return FakeReply{200, snapshot_, {}};
  if ((p == "/v1/sys/storage/raft/snapshot" || p == "/v1/sys/storage/raft/snapshot-force") &&
      m == "POST") {
    snapshot_ = req.body;
    return FakeReply{204, "", {}};
  }
  if (p == "/v1/sys/storage/raft/autopilot/state" && m == "GET") {
    auto server = [](const char* id, const char* status, int64_t index) {
      return Json{{"id", id},
                  {"name", id},
                  {"address", std::string(id) + ":8201"},
                  {"node_status", "alive"},
                  {"last_contact", status == std::string("leader") ? "0s" : "1.2ms"},
                  {"last_term", 3},
                  {"last_index", index},
                  {"healthy", true},
                  {"stable_since", "2024-01-02T15:04:05Z"},
                  {"status", status},
                  {"version", "1.15.0"},
                  {"node_type", "voter"},
                  {"meta", nullptr}};
    };
    return secret(Json{{"healthy", true},
                       {"failure_tolerance", 0},
                       {"optimistic_failure_tolerance", 0},
                       {"leader", "n1"},
                       {"voters", Json::array({"n1", "n2"})},
                       {"non_voters", Json::array({"n3"})},
                       {"servers",
                        {{"n2", server("n2", "voter", 60)},
                         {"n1", server("n1", "leader", 61)},
                         {"n3", server("n3", "non-voter", 59)}}}});
  }
  if (p == "/v1/sys/storage/raft/autopilot/configuration") {
    if (m == "GET") {
      return secret(Json{{"cleanup_dead_servers", false},
                         {"last_contact_threshold", "10s"},
                         {"dead_server_last_contact_threshold", "24h0m0s"},
                         {"max_trailing_logs", 1000},
                         {"min_quorum", 3},
                         {"server_stabilization_time", "10s"},
                         {"disable_upgrade_migration", false}});
    }
    return FakeReply{204, "", {}};
  }
  if (p == "/v1/sys/step-down" && m == "PUT") return FakeReply{204, "", {}};
  if (p == "/v1/sys/ha-status" && m == "GET") {
    Json nodes = Json::array({{{"hostname", "n1"},
                               {"api_address", "http://n1:8200"},
                               {"cluster_address", "https://n1:8201"},
                               {"active_node", true},
                               {"last_echo", nullptr},
                               {"version", "1.15.0"}},
                              {{"hostname", "n2"},
                               {"api_address", "http://n2:8200"},
                               {"cluster_address", "https://n2:8201"},
                               {"active_node", false},
                               {"last_echo", "2024-01-02T15:04:05.123456789Z"},
                               {"version", "1.15.0"},
                               {"upgrade_version", "1.15.1"},
                               {"redundancy_zone", "zone-b"}}});
    return JsonReply(200, Json{{"nodes", nodes}, {"data", {{"nodes", nodes}}}});
  }
  return std::nullopt;
}

FakeReply FakeVault::HandleKv(const FakeRequest& req, const std::string& p) {
  Json body = Json::parse(req.body.empty() ? "null" : req.body, nullptr, false);
  const std::string& m = req.method;
  if (p.rfind("/v1/kv1/", 0) == 0) {
    std::string key = p.substr(8);
    if (m == "PUT") {
      kv1_[key] = body;
      return {204, "", {}};
    }
    if (!kv1_.count(key)) return Errors(404, "");
    return JsonReply(200, Json{{"data", kv1_[key]}, {"lease_duration", 2764800}});
  }
  auto metadata = [this](const std::string& key) {
    return Json{{"created_time", "2024-01-01T00:00:00Z"},
                {"custom_metadata", nullptr},
                {"deletion_time", ""},
                {"destroyed", false},
                {"version", versions_[key]}};
  };
  if (p.rfind("/v1/secret/data/", 0) == 0) {
    std::string key = p.substr(16);
    if (m == "PUT" || m == "POST") {
      kv2_[key] = body["data"];
      ++versions_[key];
      if (req.Header("x-vault-wrap-ttl") != "") {
        return JsonReply(200, Json{{"wrap_info", {{"token", "hvs.wrapped"}, {"ttl", 300}}}});
      }
      return JsonReply(200, Json{{"data", metadata(key)}});
    }
    if (!kv2_.count(key)) return Errors(404, "");
    if (req.Header("x-vault-wrap-ttl") != "") {
      return JsonReply(200, Json{{"wrap_info",
                                  {{"token", "hvs.wrapped"},
                                   {"accessor", "wacc"},
                                   {"ttl", 300},
                                   {"creation_time", "2024-01-01T00:00:00Z"},
                                   {"creation_path", "secret/data/" + key}}}});
    }
    return JsonReply(200, Json{{"data", {{"data", kv2_[key]}, {"metadata", metadata(key)}}}});
  }
  if (p == "/v1/secret/metadata/" && m == "LIST") {
    Json keys = Json::array();
    for (const auto& [k, v] : kv2_) keys.push_back(k);
    return JsonReply(200, Json{{"data", {{"keys", keys}}}});
  }
  if (p.rfind("/v1/secret/metadata/", 0) == 0 && m == "GET") {
    std::string key = p.substr(20);
    if (!kv2_.count(key)) return Errors(404, "");
    Json versions = Json::object();
    for (int v = 1; v <= versions_[key]; ++v)
      versions[std::to_string(v)] = {{"created_time", "t"}, {"destroyed", false}};
    return JsonReply(
        200,
        Json{{"data",
              {{"current_version", versions_[key]}, {"max_versions", 0}, {"versions", versions}}}});
  }
  return {204, "", {}};
}

void CliTest::SetUp() {
  char tmpl[] = "/tmp/coffer_cli_home_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  home_ = tmpl;
  setenv("HOME", home_.c_str(), 1);
  for (const char* n : {"ADDR", "TOKEN", "FORMAT", "WRAP_TTL", "NAMESPACE", "SKIP_VERIFY"}) {
    unsetenv((std::string("COFFER_") + n).c_str());
    unsetenv((std::string("VAULT_") + n).c_str());
  }
  setenv("COFFER_ADDR", vault_.address().c_str(), 1);
}

void CliTest::TearDown() {
  unsetenv("COFFER_ADDR");
  std::filesystem::remove_all(home_);
}

int CliTest::Run(std::vector<std::string> args, const std::string& stdin_text) {
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  Io io;
  io.in = &in;
  io.out = &out;
  io.err = &err;
  int code = cli::Run(args, io);
  out_ = out.str();
  err_ = err.str();
  return code;
}

Json CliTest::OutJson() const { return Json::parse(out_, nullptr, false); }

}  // namespace coffer::cli
