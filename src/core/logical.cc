#include "core/logical.h"

#include "crypto/hash.h"

namespace coffer::core {

namespace {

const char* TokenTypeName(TokenType t) { return t == TokenType::kBatch ? "batch" : "service"; }

Json RenderAuth(const Auth& a) {
  Json metadata = nullptr;
  if (!a.metadata.empty()) metadata = Json(a.metadata);
  return Json{{"client_token", a.client_token},
              {"accessor", a.accessor},
              {"policies", a.policies},
              {"token_policies", a.token_policies},
              {"metadata", std::move(metadata)},
              {"lease_duration", a.lease_duration.count()},
              {"renewable", a.renewable},
              {"entity_id", a.entity_id},
              {"token_type", TokenTypeName(a.token_type)},
              {"orphan", a.orphan},
              {"mfa_requirement", nullptr},
              {"num_uses", a.num_uses}};
}

Json RenderWrapInfo(const WrapInfo& w) {
  Json j{{"token", w.token},
         {"accessor", w.accessor},
         {"ttl", w.ttl.count()},
         {"creation_time", w.creation_time},
         {"creation_path", w.creation_path}};
  if (!w.wrapped_accessor.empty()) j["wrapped_accessor"] = w.wrapped_accessor;
  return j;
}

}  // namespace

const char* OperationName(Operation op) {
  switch (op) {
    case Operation::kRead:
      return "read";
    case Operation::kCreate:
      return "create";
    case Operation::kUpdate:
      return "update";
    case Operation::kDelete:
      return "delete";
    case Operation::kList:
      return "list";
    case Operation::kPatch:
      return "patch";
    case Operation::kHelp:
      return "help";
  }
  return "unknown";
}

Response Response::ListResponse(std::vector<std::string> keys) {
  Response r;
  r.data = Json::object();
  r.data["keys"] = std::move(keys);
  return r;
}

Json RenderEnvelope(const Request& req, const Response& resp) {
  Json j{{"request_id", ""},    {"lease_id", ""},  {"renewable", false},
         {"lease_duration", 0}, {"data", nullptr}, {"wrap_info", nullptr},
         {"warnings", nullptr}, {"auth", nullptr}, {"mount_type", ""}};
  if (resp.wrap_info) {
    j["wrap_info"] = RenderWrapInfo(*resp.wrap_info);
    return j;
  }
  j["request_id"] = req.id;
  j["mount_type"] = req.mount_type;
  j["data"] = resp.data;
  if (resp.secret) {
    j["lease_id"] = resp.secret->lease_id;
    j["renewable"] = resp.secret->renewable;
    j["lease_duration"] = resp.secret->ttl.count();
  }
  if (!resp.warnings.empty()) j["warnings"] = resp.warnings;
  if (resp.auth) j["auth"] = RenderAuth(*resp.auth);
  // Vault's HTTPSysInjector: sys/ data is repeated at the top level; where a key clashes
  // the envelope's own field wins (Go's decoder keeps the last of duplicate keys).
  if (resp.data_at_top_level && resp.data.is_object()) {
    for (auto it = resp.data.begin(); it != resp.data.end(); ++it) {
      if (!j.contains(it.key())) j[it.key()] = it.value();
    }
  }
  return j;
}

std::string CubbyholeFolder(const std::string& owner) {
  return crypto::HexEncode(crypto::Sha256(owner)) + "/";
}

}  // namespace coffer::core
