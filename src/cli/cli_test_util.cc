#include "cli/cli_test_util.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "base/duration.h"
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

// The accessor of the token a response carries (auth.accessor), for wrapped_accessor.
std::string GetAccessor(const Json& response) {
  if (!response.is_object() || !response.contains("auth") || !response["auth"].is_object())
    return "";
  return response["auth"].value("accessor", "");
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

void FakeVault::AddWrapped(const std::string& token, int status, const Json& body) {
  std::lock_guard<std::mutex> lock(mu_);
  wrapped_[token] = {status, body};
}

FakeReply FakeVault::Handle(const FakeRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  return MaybeWrap(req, HandleLocked(req));
}

FakeReply FakeVault::MaybeWrap(const FakeRequest& req, FakeReply reply) {
  std::string ttl_header = req.Header("x-vault-wrap-ttl");
  if (ttl_header.empty() || reply.status != 200 || reply.body.empty() ||
      req.path.rfind("/v1/secret/", 0) == 0 || req.path == "/v1/sys/wrapping/unwrap")
    return reply;
  Result<std::chrono::seconds> ttl = ParseDuration(ttl_header);
  if (!ttl) return Errors(400, "invalid wrap TTL");
  Json inner = Json::parse(reply.body, nullptr, false);
  std::string token = "hvs.wrap-" + std::to_string(++wrap_count_);
  wrapped_[token] = {200, inner};
  Json info = {{"token", token},
               {"accessor", "wacc-" + std::to_string(wrap_count_)},
               {"ttl", ttl->count()},
               {"creation_time", "2024-01-02T15:04:05.123456Z"},
               {"creation_path", req.path.substr(4)}};
  std::string wrapped_accessor = GetAccessor(inner);
  if (!wrapped_accessor.empty()) info["wrapped_accessor"] = wrapped_accessor;
  return JsonReply(200, Json{{"request_id", ""},
                             {"lease_id", ""},
                             {"renewable", false},
                             {"lease_duration", 0},
                             {"data", nullptr},
                             {"wrap_info", info},
                             {"warnings", nullptr},
                             {"auth", nullptr}});
}

FakeReply FakeVault::HandleUnwrap(const FakeRequest& req) {
  if (req.method != "PUT" && req.method != "POST") return Errors(405, "unsupported operation");
  Json body = Json::parse(req.body.empty() ? "null" : req.body, nullptr, false);
  std::string token = req.Header("x-vault-token");
  if (body.is_object() && body.contains("token")) token = body.value("token", "");
  auto it = wrapped_.find(token);
  if (it == wrapped_.end()) return Errors(400, "wrapping token is not valid or does not exist");
  auto [status, inner] = it->second;
  wrapped_.erase(it);
  if (inner.is_null()) return FakeReply{status, "", {}};
  return JsonReply(status, inner);
}

std::optional<FakeReply> FakeVault::HandleLeases(const FakeRequest& req) {
  const std::string& p = req.path;
  if (p.rfind("/v1/sys/leases/", 0) != 0) return std::nullopt;
  if (req.method != "PUT" && req.method != "POST") return Errors(405, "unsupported operation");
  Json body = Json::parse(req.body.empty() ? "null" : req.body, nullptr, false);
  std::string id = body.is_object() ? body.value("lease_id", "") : "";
  bool known = id.rfind("database/creds/", 0) == 0;
  if (p == "/v1/sys/leases/renew") {
    if (!known) return Errors(400, "lease not found");
    int64_t increment = body.value("increment", int64_t{0});
    return JsonReply(200, Json{{"request_id", "req-2"},
                               {"lease_id", id},
                               {"renewable", true},
                               {"lease_duration", increment > 0 ? increment : 3600},
                               {"data", nullptr},
                               {"wrap_info", nullptr},
                               {"warnings", nullptr},
                               {"auth", nullptr}});
  }
  if (p == "/v1/sys/leases/lookup") {
    if (!known) return Errors(400, "invalid lease");
    return JsonReply(200, Json{{"request_id", "req-3"},
                               {"lease_id", ""},
                               {"renewable", false},
                               {"lease_duration", 0},
                               {"data",
                                {{"expire_time", "2024-01-02T16:04:05.123456Z"},
                                 {"id", id},
                                 {"issue_time", "2024-01-02T15:04:05.123456Z"},
                                 {"last_renewal", nullptr},
                                 {"renewable", true},
                                 {"ttl", 3599}}},
                               {"wrap_info", nullptr},
                               {"warnings", nullptr},
                               {"auth", nullptr}});
  }
  if (p == "/v1/sys/leases/revoke" || p.rfind("/v1/sys/leases/revoke-prefix/", 0) == 0 ||
      p.rfind("/v1/sys/leases/revoke-force/", 0) == 0)
    return FakeReply{204, "", {}};
  return Errors(404, "");
}

FakeReply FakeVault::HandleLocked(const FakeRequest& req) {
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
  if (p == "/v1/sys/wrapping/unwrap") return HandleUnwrap(req);
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
  if (std::optional<FakeReply> audit = HandleAudit(req)) return *audit;
  if (std::optional<FakeReply> leases = HandleLeases(req)) return *leases;
  if (p == "/v1/sys/wrapping/wrap") {
    if (req.Header("x-vault-wrap-ttl").empty())
      return Errors(400, "endpoint requires response wrapping to be used");
    return JsonReply(200, Json{{"data", body}});
  }
  if (p.rfind("/v1/auth/approle/role/", 0) == 0 && p.size() > 10 &&
      p.compare(p.size() - 10, 10, "/secret-id") == 0) {
    return JsonReply(200, Json{{"data",
                                {{"secret_id", "sid-1"},
                                 {"secret_id_accessor", "sacc-1"},
                                 {"secret_id_num_uses", 0},
                                 {"secret_id_ttl", 0}}}});
  }
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
