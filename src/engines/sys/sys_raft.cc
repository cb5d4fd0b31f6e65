// sys/storage/raft/* (membership, autopilot, the join handshake's leader side) and
// sys/ha-status. Vault: vault/logical_system_raft.go, handleHAStatus.
// Snapshots (binary bodies) and sys/storage/raft/join (a sealed, uninitialised node)
// are answered by http/ directly.

#include "core/core_impl.h"
#include "engines/sys/system_backend.h"

namespace coffer::engines::sys {

using core::Operation;
using framework::FieldType;

namespace {

framework::Path RaftPath(std::string pattern, std::string synopsis) {
  framework::Path p;
  p.pattern = std::move(pattern);
  p.help_synopsis = std::move(synopsis);
  return p;
}

}  // namespace

std::vector<framework::Path> SystemBackend::RaftPaths() {
  std::vector<framework::Path> paths;

  framework::Path challenge = RaftPath("storage/raft/bootstrap/challenge$",
                                       "Creates a challenge for a node joining the cluster.");
  challenge.fields = {{"server_id", {FieldType::kString}}};
  challenge.operations[Operation::kUpdate] = [this](core::Request&, FieldData& d) -> HandlerResult {
    COFFER_ASSIGN_OR_RETURN(Json j, core_.RaftBootstrapChallenge(d.GetString("server_id")));
    return core::Response::WithData(std::move(j));
  };
  paths.push_back(std::move(challenge));

  framework::Path answer = RaftPath("storage/raft/bootstrap/answer$",
                                    "Accepts a joining node's answer to its challenge.");
  answer.fields = {{"server_id", {FieldType::kString}},
                   {"answer", {FieldType::kString}},
                   {"cluster_addr", {FieldType::kString}},
                   {"api_addr", {FieldType::kString}},
                   {"non_voter", {FieldType::kBool}}};
  answer.operations[Operation::kUpdate] = [this](core::Request&, FieldData& d) -> HandlerResult {
    Json body{{"server_id", d.GetString("server_id")},
              {"answer", d.GetString("answer")},
              {"cluster_addr", d.GetString("cluster_addr")},
              {"api_addr", d.GetString("api_addr")},
              {"non_voter", d.GetBool("non_voter")}};
    COFFER_ASSIGN_OR_RETURN(Json j, core_.RaftBootstrapAnswer(body));
    return core::Response::WithData(std::move(j));
  };
  paths.push_back(std::move(answer));

  framework::Path config =
      RaftPath("storage/raft/configuration$", "Returns the Raft cluster configuration.");
  config.operations[Operation::kRead] = [this](core::Request&, FieldData&) -> HandlerResult {
    COFFER_ASSIGN_OR_RETURN(Json j, core_.RaftConfiguration());
    return core::Response::WithData(std::move(j));
  };
  paths.push_back(std::move(config));

  framework::Path remove =
      RaftPath("storage/raft/remove-peer$", "Removes a peer from the Raft cluster.");
  remove.fields = {{"server_id", {FieldType::kString}}};
  remove.operations[Operation::kUpdate] = [this](core::Request&, FieldData& d) -> HandlerResult {
    COFFER_RETURN_IF_ERROR(core_.RaftRemovePeer(d.GetString("server_id")));
    return core::Response{};
  };
  paths.push_back(std::move(remove));

  framework::Path state =
      RaftPath("storage/raft/autopilot/state$", "Returns the state of the Raft cluster.");
  state.operations[Operation::kRead] = [this](core::Request&, FieldData&) -> HandlerResult {
    COFFER_ASSIGN_OR_RETURN(Json j, core_.AutopilotState());
    return core::Response::WithData(std::move(j));
  };
  paths.push_back(std::move(state));

  framework::Path ap = RaftPath("storage/raft/autopilot/configuration$",
                                "Returns or sets the autopilot configuration.");
  ap.fields = {{"cleanup_dead_servers", {FieldType::kBool}},
               {"last_contact_threshold", {FieldType::kString}},
               {"dead_server_last_contact_threshold", {FieldType::kString}},
               {"max_trailing_logs", {FieldType::kInt}},
               {"min_quorum", {FieldType::kInt}},
               {"server_stabilization_time", {FieldType::kString}},
               {"disable_upgrade_migration", {FieldType::kBool}}};
  ap.operations[Operation::kRead] = [this](core::Request&, FieldData&) -> HandlerResult {
    COFFER_ASSIGN_OR_RETURN(core::AutopilotConfig cfg, core_.GetAutopilotConfig());
    return core::Response::WithData(cfg.ToJson());
  };
  ap.operations[Operation::kUpdate] = [this](core::Request&, FieldData& d) -> HandlerResult {
    // Only the fields the caller sent change (raw() is the request body as given).
    COFFER_RETURN_IF_ERROR(core_.SetAutopilotConfig(d.raw()));
    return core::Response{};
  };
  paths.push_back(std::move(ap));

  framework::Path ha = RaftPath("ha-status$", "Lists the nodes of the HA cluster.");
  ha.operations[Operation::kRead] = [this](core::Request&, FieldData&) -> HandlerResult {
    COFFER_ASSIGN_OR_RETURN(Json j, core_.HaStatus());
    return core::Response::WithData(std::move(j));
  };
  paths.push_back(std::move(ha));
  return paths;
}

}  // namespace coffer::engines::sys
