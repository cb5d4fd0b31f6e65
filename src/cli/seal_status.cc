#include "cli/seal_status.h"

#include "cli/format.h"

namespace coffer::cli {

std::string SealStatusTable(const Json& s) {
  std::string prefix = GetBool(s, "recovery_seal") ? "Recovery " : "";
  bool sealed = GetBool(s, "sealed");
  int64_t t = GetInt(s, "t");
  Rows rows = {{"Key", "Value"}};
  auto add = [&rows](std::string k, std::string v) {
    rows.push_back({std::move(k), std::move(v)});
  };
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  add(prefix + "Seal Type", GetString(s, "type"));
  add("Initialized", b(GetBool(s, "initialized")));
  add("Sealed", b(sealed));
  add("Total " + prefix + "Shares", std::to_string(GetInt(s, "n")));
  add("Threshold", std::to_string(t));
  if (sealed) {
    add("Unseal Progress", std::to_string(GetInt(s, "progress")) + "/" + std::to_string(t));
    add("Unseal Nonce", GetString(s, "nonce"));
  }
  if (GetBool(s, "migration")) add("Seal Migration in Progress", "true");
  add("Version", GetString(s, "version"));
  add("Build Date", GetString(s, "build_date"));
  add("Storage Type", GetString(s, "storage_type"));
  if (!GetString(s, "cluster_name").empty() && !GetString(s, "cluster_id").empty()) {
    add("Cluster Name", GetString(s, "cluster_name"));
    add("Cluster ID", GetString(s, "cluster_id"));
  }
  bool ha = GetBool(s, "ha_enabled");
  add("HA Enabled", b(ha));
  if (ha && !sealed) {
    add("HA Cluster", GetString(s, "leader_cluster_address"));
    bool self = GetBool(s, "is_self");
    add("HA Mode", self ? "active" : "standby");
    std::string active_time = GetString(s, "active_time");
    if (self && !active_time.empty() && active_time.rfind("0001-01-01", 0) != 0)
      add("Active Since", active_time);
    if (!self) add("Active Node Address", GetString(s, "leader_address", "<none>"));
    if (GetBool(s, "performance_standby")) add("Performance Standby Node", "true");
  }
  if (GetInt(s, "raft_committed_index") > 0)
    add("Raft Committed Index", std::to_string(GetInt(s, "raft_committed_index")));
  if (GetInt(s, "raft_applied_index") > 0)
    add("Raft Applied Index", std::to_string(GetInt(s, "raft_applied_index")));
  const Json* warnings = Find(s, "warnings");
  if (warnings != nullptr && warnings->is_array() && !warnings->empty())
    add("Warnings", GoValue(*warnings));
  rows.insert(rows.begin() + 1, {"---", "-----"});
  return Columnize(rows);
}

int PrintSealStatus(BaseCommand& c, api::Client& client, bool* sealed) {
  Result<api::Response> seal = client.Request("GET", "sys/seal-status", nullptr);
  if (!seal) return c.RemoteError("Error checking seal status", seal.error());
  Json status = seal->body.is_object() ? seal->body : Json::object();
  // A sealed server cannot answer sys/leader; Vault then assumes HA is enabled.
  Result<api::Response> leader = client.Request("GET", "sys/leader", nullptr);
  if (leader && leader->body.is_object()) {
    for (const char* k :
         {"ha_enabled", "is_self", "active_time", "leader_address", "leader_cluster_address",
          "performance_standby", "raft_committed_index", "raft_applied_index"}) {
      if (const Json* v = Find(leader->body, k)) status[k] = *v;
    }
  } else if (!leader && leader.error().message().find("sealed") != std::string::npos) {
    status["ha_enabled"] = true;
  } else if (!leader) {
    return c.RemoteError("Error checking leader status", leader.error());
  }
  if (sealed != nullptr) *sealed = GetBool(status, "sealed");
  if (c.table()) {
    c.Out(SealStatusTable(status));
  } else {
    c.OutputData(status);
  }
  return kExitOk;
}

}  // namespace coffer::cli
