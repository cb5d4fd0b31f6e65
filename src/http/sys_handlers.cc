#include "http/sys_handlers.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>

#include "base/json.h"
#include "core/core.h"
#include "core/ha.h"
#include "crypto/hash.h"
#include "http/response.h"

namespace coffer::http {

namespace {

bool IsWrite(const HttpRequest& http) { return http.method == "PUT" || http.method == "POST"; }

HttpResponse MethodNotAllowed() { return ErrorResponse(405, ""); }

// Go's encoding/json matches struct fields case-insensitively; so do we.
const Json* Field(const Json& obj, std::string_view name) {
  if (auto it = obj.find(name); it != obj.end()) return &*it;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (EqualsIgnoreCase(it.key(), name)) return &it.value();
  }
  return nullptr;
}

Json SealStatusJson(const core::SealStatus& s) {
  Json j{{"type", s.type},
         {"initialized", s.initialized},
         {"sealed", s.sealed},
         {"t", s.threshold},
         {"n", s.shares},
         {"progress", s.progress},
         {"nonce", s.nonce},
         {"version", s.version},
         {"build_date", s.build_date},
         {"migration", s.migration},
         {"recovery_seal", s.recovery_seal}};
  if (!s.sealed && !s.cluster_name.empty()) j["cluster_name"] = s.cluster_name;
  if (!s.sealed && !s.cluster_id.empty()) j["cluster_id"] = s.cluster_id;
  if (!s.storage_type.empty()) j["storage_type"] = s.storage_type;
  return j;
}

HttpResponse SealStatus(core::Core& core, const HttpRequest& http) {
  if (http.method != "GET") return MethodNotAllowed();
  return JsonResponse(200, SealStatusJson(core.GetSealStatus()));
}

// Reads an integer field of an init request; absent is 0.
Result<int> IntField(const Json& body, std::string_view name) {
  const Json* v = Field(body, name);
  if (v == nullptr || v->is_null()) return 0;
  auto n = JsonToInt(*v);
  if (!n || *n < 0 || *n > 1'000'000) {
    return Err(InvalidArgument("failed to parse JSON input: invalid " + std::string(name)));
  }
  return static_cast<int>(*n);
}

Result<core::InitParams> ParseInitParams(const Json& body) {
  core::InitParams p;
  COFFER_ASSIGN_OR_RETURN(p.secret_shares, IntField(body, "secret_shares"));
  COFFER_ASSIGN_OR_RETURN(p.secret_threshold, IntField(body, "secret_threshold"));
  COFFER_ASSIGN_OR_RETURN(p.stored_shares, IntField(body, "stored_shares"));
  COFFER_ASSIGN_OR_RETURN(p.recovery_shares, IntField(body, "recovery_shares"));
  COFFER_ASSIGN_OR_RETURN(p.recovery_threshold, IntField(body, "recovery_threshold"));
  for (const char* name : {"pgp_keys", "recovery_pgp_keys"}) {
    const Json* keys = Field(body, name);
    if (keys == nullptr || keys->is_null()) continue;
    auto list = JsonToStringList(*keys);
    if (!list)
      return Err(InvalidArgument("failed to parse JSON input: invalid " + std::string(name)));
    if (!list->empty()) return Err(InvalidArgument(std::string(name) + " are not supported yet"));
  }
  if (const Json* k = Field(body, "root_token_pgp_key"); k != nullptr && !k->is_null()) {
    if (!k->is_string())
      return Err(InvalidArgument("failed to parse JSON input: invalid root_token_pgp_key"));
    p.root_token_pgp_key = k->get<std::string>();
  }
  return p;
}

void AppendKeys(const std::vector<SecretBytes>& keys, Json& hex, Json& b64) {
  hex = Json::array();
  b64 = Json::array();
  for (const auto& k : keys) {
    hex.push_back(crypto::HexEncode(k.view()));
    b64.push_back(crypto::Base64Encode(k.view()));
  }
}

HttpResponse Init(core::Core& core, const HttpRequest& http) {
  if (http.method == "GET") {
    auto init = core.IsInitialized();
    if (!init) return ErrorResponse(init.error());
    return JsonResponse(200, Json{{"initialized", *init}});
  }
  if (!IsWrite(http)) return MethodNotAllowed();
  auto body = ParseJsonObject(http.body);
  if (!body) return ErrorResponse(body.error());
  auto params = ParseInitParams(*body);
  if (!params) return ErrorResponse(params.error());
  auto result = core.Initialize(*params);
  if (!result) return ErrorResponse(result.error());

  Json out = Json::object();
  AppendKeys(result->keys, out["keys"], out["keys_base64"]);
  // Vault omits the recovery keys (omitempty) unless the seal produced some.
  if (!result->recovery_keys.empty()) {
    AppendKeys(result->recovery_keys, out["recovery_keys"], out["recovery_keys_base64"]);
  }
  out["root_token"] = result->root_token;
  return JsonResponse(200, out);
}

HttpResponse Unseal(core::Core& core, const HttpRequest& http) {
  if (!IsWrite(http)) return MethodNotAllowed();
  auto body = ParseJsonObject(http.body);
  if (!body) return ErrorResponse(body.error());
  auto flag = [&](std::string_view name) -> Result<bool> {
    const Json* v = Field(*body, name);
    if (v == nullptr || v->is_null()) return false;
    return JsonToBool(*v);
  };
  auto reset = flag("reset");
  auto migrate = flag("migrate");
  const Json* key = Field(*body, "key");
  if (!reset || !migrate || (key != nullptr && !key->is_null() && !key->is_string())) {
    return ErrorResponse(400, "failed to parse JSON input");
  }
  if (*reset) {
    if (!core.Sealed()) return ErrorResponse(400, "vault is unsealed");
    core.ResetUnsealProgress();
    return JsonResponse(200, SealStatusJson(core.GetSealStatus()));
  }
  std::string key_text = (key != nullptr && key->is_string()) ? key->get<std::string>() : "";
  if (key_text.empty()) {
    return ErrorResponse(400,
                         "'key' must be specified in request body as JSON, or 'reset' set to true");
  }
  if (*migrate) {
    WipeString(key_text);
    return ErrorResponse(400, "seal migration is not supported");
  }
  auto status = core.Unseal(key_text);
  WipeString(key_text);
  if (!status) return ErrorResponse(status.error());
  return JsonResponse(200, SealStatusJson(*status));
}

// sys/seal and sys/step-down: an authenticated update; 204 on success.
template <class Fn>
HttpResponse TokenAction(crypto::Random& random, const HttpRequest& http, Fn action) {
  auto req = BuildRequest(http, random);
  if (!req) return ErrorResponse(req.error());
  if (req->operation != core::Operation::kUpdate) return MethodNotAllowed();
  Status st = action(*req);
  if (!st.ok()) return ErrorResponse(st);
  return EmptyResponse(204);
}

// sys/storage/raft/join: runs on the joining node (sealed, uninitialised), unauthenticated.
HttpResponse RaftJoin(core::Core& core, const HttpRequest& http) {
  if (!IsWrite(http)) return MethodNotAllowed();
  auto body = ParseJsonObject(http.body);
  if (!body) return ErrorResponse(body.error());
  core::RaftJoinParams p;
  auto str = [&](std::string_view name) -> std::string {
    const Json* v = Field(*body, name);
    return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
  };
  auto flag = [&](std::string_view name) -> std::optional<bool> {
    const Json* v = Field(*body, name);
    if (v == nullptr || v->is_null()) return false;
    if (v->is_boolean()) return v->get<bool>();
    if (v->is_string()) return ParseGoBool(v->get<std::string>());
    return std::nullopt;
  };
  p.leader.api_addr = str("leader_api_addr");
  p.leader.ca_cert_pem = str("leader_ca_cert");
  p.leader.client_cert_pem = str("leader_client_cert");
  p.leader.client_key_pem = str("leader_client_key");
  p.leader.tls_server_name = str("leader_tls_servername");
  auto non_voter = flag("non_voter");
  auto retry = flag("retry");
  if (!non_voter || !retry) return ErrorResponse(400, "failed to parse JSON input");
  p.non_voter = *non_voter;
  p.retry = *retry;
  if (p.leader.api_addr.empty() && !Field(*body, "auto_join"))
    return ErrorResponse(400, "either leader_api_addr or auto_join must be provided");
  auto joined = core.JoinRaft(p);
  if (!joined) return ErrorResponse(joined.error());
  return JsonResponse(200, Json{{"joined", *joined}});
}

// sys/storage/raft/snapshot (GET, POST) and snapshot-force (POST): binary bodies.
HttpResponse RaftSnapshot(core::Core& core, crypto::Random& random, const HttpRequest& http,
                          bool force) {
  bool get = http.method == "GET";
  if ((get && force) || (!get && !IsWrite(http))) return MethodNotAllowed();
  // Authenticate with an empty body: the snapshot is not JSON.
  HttpRequest meta = http;
  meta.body.clear();
  if (!get) meta.method = "POST";
  auto req = BuildRequest(meta, random);
  if (!req) return ErrorResponse(req.error());
  if (get) {
    HttpResponse out;
    out.status = 200;
    out.headers.emplace_back("Content-Type", "application/octet-stream");
    Status st = core.RaftSnapshotWithRequest(*req, [&](std::string_view chunk) {
      out.body.append(chunk);
      return Status::Ok();
    });
    if (!st.ok()) return ErrorResponse(st);
    return out;
  }
  size_t pos = 0;
  Status st = core.RaftRestoreWithRequest(
      *req,
      [&](char* buf, size_t n) -> Result<size_t> {
        size_t take = std::min(n, http.body.size() - pos);
        std::memcpy(buf, http.body.data() + pos, take);
        pos += take;
        return take;
      },
      force);
  if (!st.ok()) return ErrorResponse(st);
  return EmptyResponse(204);
}

HttpResponse Leader(core::Core& core, const HttpRequest& http) {
  if (http.method != "GET") return MethodNotAllowed();
  core::HaState ha = core.GetHaState();
  // Vault's Core.Leader() refuses while sealed once HA is enabled.
  if (ha.ha_enabled && core.Sealed()) return ErrorResponse(Sealed());
  Json j{{"ha_enabled", ha.ha_enabled},
         {"is_self", ha.is_self},
         {"active_time", ha.active_time.empty() ? "0001-01-01T00:00:00Z" : ha.active_time},
         {"leader_address", ha.leader_address},
         {"leader_cluster_address", ha.leader_cluster_address},
         {"performance_standby", ha.performance_standby},
         {"performance_standby_last_remote_wal", 0}};
  if (ha.raft_committed_index > 0) {
    j["raft_committed_index"] = ha.raft_committed_index;
    j["raft_applied_index"] = ha.raft_applied_index;
  }
  return JsonResponse(200, j);
}

// A status-code query parameter: absent → fallback; malformed → nullopt.
std::optional<int> CodeParam(const QueryList& q, std::string_view name, int fallback) {
  auto v = QueryValue(q, name);
  if (!v) return fallback;
  int code = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), code);
  if (ec != std::errc() || end != v->data() + v->size() || code < 100 || code > 999) {
    return std::nullopt;
  }
  return code;
}

std::optional<bool> BoolParam(const QueryList& q, std::string_view name) {
  auto v = QueryValue(q, name);
  if (!v) return false;
  return ParseGoBool(*v);
}

}  // namespace

HttpResponse HandleSysHealth(core::Core& core, const HttpRequest& http, const QueryList& query) {
  bool head = http.method == "HEAD";
  if (!head && http.method != "GET") return MethodNotAllowed();
  auto fail = [&](int status) { return head ? EmptyResponse(status) : ErrorResponse(status, ""); };

  auto standby_ok = BoolParam(query, "standbyok");
  auto perf_standby_ok = BoolParam(query, "perfstandbyok");
  auto uninit_code = CodeParam(query, "uninitcode", 501);
  auto sealed_code = CodeParam(query, "sealedcode", 503);
  auto standby_code = CodeParam(query, "standbycode", 429);
  auto active_code = CodeParam(query, "activecode", 200);
  auto dr_code = CodeParam(query, "drsecondarycode", 472);
  auto perf_code = CodeParam(query, "performancestandbycode", 473);
  if (!standby_ok || !perf_standby_ok || !uninit_code || !sealed_code || !standby_code ||
      !active_code || !dr_code || !perf_code) {
    return fail(400);
  }

  auto initialized = core.IsInitialized();
  if (!initialized) return fail(500);
  bool sealed = core.Sealed();
  core::HaState ha = core.GetHaState();

  int code = *active_code;
  if (!*initialized) {
    code = *uninit_code;
  } else if (sealed) {
    code = *sealed_code;
  } else if (ha.replication_dr_secondary) {
    code = *dr_code;
  } else if (ha.performance_standby) {
    if (!*perf_standby_ok) code = *perf_code;
  } else if (ha.standby) {
    if (!*standby_ok) code = *standby_code;
  }
  if (head) return EmptyResponse(code);

  auto now = std::chrono::duration_cast<std::chrono::seconds>(core.Now().time_since_epoch());
  Json body{{"initialized", *initialized},
            {"sealed", sealed},
            {"standby", ha.standby},
            {"performance_standby", ha.performance_standby},
            {"replication_performance_mode", "disabled"},
            {"replication_dr_mode", "disabled"},
            {"server_time_utc", now.count()},
            {"version", core.Version()}};
  if (!sealed && !ha.cluster_name.empty()) body["cluster_name"] = ha.cluster_name;
  if (!sealed && !ha.cluster_id.empty()) body["cluster_id"] = ha.cluster_id;
  return JsonResponse(code, body);
}

std::optional<HttpResponse> HandleSysEndpoint(core::Core& core, crypto::Random& random,
                                              const HttpRequest& http, const ParsedTarget& target) {
  const std::string& p = target.path;
  if (p == "sys/health") return HandleSysHealth(core, http, target.query);
  if (p == "sys/seal-status") return SealStatus(core, http);
  if (p == "sys/init") return Init(core, http);
  if (p == "sys/unseal") return Unseal(core, http);
  if (p == "sys/leader") return Leader(core, http);
  if (p == "sys/storage/raft/join") return RaftJoin(core, http);
  // The rest need the active node: a standby forwards them.
  if (core.Standby()) return std::nullopt;
  if (p == "sys/storage/raft/snapshot") return RaftSnapshot(core, random, http, false);
  if (p == "sys/storage/raft/snapshot-force") return RaftSnapshot(core, random, http, true);
  if (p == "sys/seal") {
    return TokenAction(random, http, [&](core::Request& r) { return core.SealWithRequest(r); });
  }
  if (p == "sys/step-down") {
    return TokenAction(random, http, [&](core::Request& r) { return core.StepDownWithRequest(r); });
  }
  return std::nullopt;
}

}  // namespace coffer::http
