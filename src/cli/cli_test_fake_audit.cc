// The fake Vault's sys/audit endpoints (see cli_test_util.h).

#include "cli/cli_test_util.h"

namespace coffer::cli {

using api::testing::FakeReply;
using api::testing::FakeRequest;

namespace {

FakeReply AuditJson(int status, const Json& body) { return {status, body.dump(), {}}; }
FakeReply AuditError(int status, const std::string& msg) {
  return AuditJson(status, Json{{"errors", Json::array({msg})}});
}

}  // namespace

std::optional<FakeReply> FakeVault::HandleAudit(const FakeRequest& req) {
  const std::string& p = req.path;
  const std::string& m = req.method;
  if (p == "/v1/sys/audit" && m == "GET") {
    // Vault answers with the devices both under "data" and at the top level.
    Json reply = {{"request_id", "req-a"}, {"lease_id", ""},         {"renewable", false},
                  {"lease_duration", 0},   {"data", Json::object()}, {"wrap_info", nullptr},
                  {"warnings", nullptr},   {"auth", nullptr}};
    for (const auto& [path, entry] : audits_) {
      reply["data"][path] = entry;
      reply[path] = entry;
    }
    return AuditJson(200, reply);
  }
  const std::string prefix = "/v1/sys/audit/";
  if (p.rfind(prefix, 0) != 0) return std::nullopt;
  std::string path = p.substr(prefix.size());
  if (!path.empty() && path.back() != '/') path += "/";
  if (m == "DELETE") {
    audits_.erase(path);
    return FakeReply{204, "", {}};
  }
  if (m != "PUT" && m != "POST") return AuditError(405, "unsupported operation");
  Json body = Json::parse(req.body.empty() ? "null" : req.body, nullptr, false);
  if (!body.is_object()) return AuditError(400, "invalid request");
  if (audits_.count(path)) return AuditError(400, "path already in use");
  std::string type = body.value("type", "");
  if (type != "file" && type != "syslog" && type != "socket")
    return AuditError(400, "unknown backend type: \"" + type + "\"");
  audits_[path] = Json{{"type", type},
                       {"description", body.value("description", "")},
                       {"options", body.value("options", Json::object())},
                       {"local", body.value("local", false)},
                       {"path", path}};
  return FakeReply{204, "", {}};
}

}  // namespace coffer::cli
