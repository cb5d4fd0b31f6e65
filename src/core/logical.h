#pragma once
// The logical request and response that flow from http/ through Core to a backend,
// mirroring Vault's sdk/logical Request/Response. http/ builds a Request from an HTTP
// call; Core fills in the token-derived fields; the backend answers with a Response that
// http/ renders in Vault's envelope.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"

namespace coffer::storage {
class Backend;
}

namespace coffer::core {

enum class Operation { kRead, kCreate, kUpdate, kDelete, kList, kPatch, kHelp };

const char* OperationName(Operation op);  // "read", "create", ... as in policies

enum class TokenType { kService, kBatch };

// Authentication produced by a login or token creation, returned under "auth".
struct Auth {
  std::string client_token;  // plaintext; only ever returned to the client once
  std::string accessor;
  std::vector<std::string> policies;        // all policies (token + identity)
  std::vector<std::string> token_policies;  // policies on the token itself
  std::map<std::string, std::string> metadata;
  std::chrono::seconds lease_duration{0};
  bool renewable = false;
  std::string entity_id;
  TokenType token_type = TokenType::kService;
  bool orphan = false;
  int64_t num_uses = 0;
  // Set by the auth method on login; Core turns these into the token's limits.
  std::string display_name;
  std::chrono::seconds ttl{0};
  std::chrono::seconds max_ttl{0};
  std::chrono::seconds period{0};
  std::chrono::seconds explicit_max_ttl{0};
  // Data kept with the token (e.g. the userpass username) for renewals.
  Json internal_data = Json::object();
};

// A secret with a lifetime (a lease).
struct Secret {
  std::chrono::seconds ttl{0};
  std::chrono::seconds max_ttl{0};
  bool renewable = false;
  std::string lease_id;
  Json internal_data = Json::object();
};

struct WrapInfo {
  std::string token;
  std::string accessor;
  std::chrono::seconds ttl{0};
  std::string creation_time;
  std::string creation_path;
  std::string wrapped_accessor;
};

// Everything Core knows about the caller's token after lookup.
struct TokenInfo {
  std::string id;  // the plaintext token as presented (never logged)
  std::string accessor;
  std::vector<std::string> policies;
  std::string display_name;
  std::string path;  // creation path, e.g. "auth/token/create"
  std::map<std::string, std::string> meta;
  TokenType type = TokenType::kService;
  bool root = false;
  std::string parent_hash;  // the parent token's storage hash; empty for orphans
  int64_t expire_time = 0;  // unix seconds; 0 = never
  std::string entity_id;
  // Stable per-token identifier for its cubbyhole (the token's storage hash); survives
  // revocation by accessor, when the plaintext token is unknown.
  std::string cubbyhole_id;
  // This request used the token's last use (num_uses): Core revokes it once the request
  // is done (a concurrent request with it is already refused).
  bool last_use = false;
};

struct Request {
  std::string id;  // request_id (UUID)
  Operation operation = Operation::kRead;
  std::string path;  // without /v1/, e.g. "secret/data/foo"
  Json data = Json::object();
  std::map<std::string, std::string> query;  // raw query parameters
  std::string client_token;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string remote_addr;
  std::chrono::seconds wrap_ttl{0};

  // Filled in by Core before routing.
  std::string mount_point;     // "secret/"
  std::string mount_type;      // "kv"
  std::string mount_accessor;  // "kv_1a2b3c4d"
  std::string mount_uuid;
  std::optional<TokenInfo> token;  // absent for unauthenticated paths
  bool unauthenticated = false;
  // The mount's storage (a BarrierView), as Vault's req.Storage. Never null in a backend.
  storage::Backend* storage = nullptr;
  // For login paths, the mount's configured token limits are applied by Core afterwards.
  std::string mount_path_remaining;  // path relative to the mount, e.g. "data/foo"
};

struct Response {
  Json data;  // null → omitted/"null" in the envelope
  std::optional<Auth> auth;
  std::optional<Secret> secret;
  std::optional<WrapInfo> wrap_info;
  std::vector<std::string> warnings;
  // When set, http/ writes this status and `raw_body` (or data) verbatim instead of the
  // envelope (sys/health, sys/metrics in text, 204 on no content is automatic).
  int http_status = 0;
  std::optional<std::string> raw_body;
  std::string raw_content_type;
  std::map<std::string, std::string> headers;
  // Vault also repeats the data of sys/ responses at the top level of the envelope (e.g.
  // sys/mounts, sys/policy, sys/capabilities-self); Core sets this for the system mount.
  bool data_at_top_level = false;

  static Response WithData(Json d) {
    Response r;
    r.data = std::move(d);
    return r;
  }
  // Vault returns {"keys": [...]} for list operations.
  static Response ListResponse(std::vector<std::string> keys);
};

// Vault's response envelope: request_id, lease_id, renewable, lease_duration, data,
// wrap_info, warnings, auth, mount_type. When resp.wrap_info is set only wrap_info is
// filled in (everything else empty or null), as Vault returns wrapped responses. With
// resp.data_at_top_level (sys/ responses) the data's keys are also copied to the top
// level, except where they would replace an envelope field. http/ renders it; Core
// stores it in a wrapping token's cubbyhole.
Json RenderEnvelope(const Request& req, const Response& resp);

// The storage folder of a token's cubbyhole inside the cubbyhole mount's view, for
// `owner` = the token's cubbyhole_id: hex(SHA-256(owner)) + "/". The cubbyhole engine
// keeps its entries there; Core writes wrapped responses there.
std::string CubbyholeFolder(const std::string& owner);

}  // namespace coffer::core
