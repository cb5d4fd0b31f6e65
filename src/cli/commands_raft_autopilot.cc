// operator raft autopilot state | get-config | set-config
// (hashicorp/vault command/operator_raft_autopilot_*.go, api/sys_raft.go, and the "pretty"
// formatter of command/format.go).

#include <algorithm>

#include "base/duration.h"
#include "cli/command.h"
#include "cli/format.h"

namespace coffer::cli {
namespace {

// JSON output of Vault's api structs that carry no json tags: Go field names, every field
// present, zero values for missing ones and null for missing lists and maps.
enum class Kind { kString, kInt, kBool, kStrings };
struct GoField {
  const char* go_name;
  const char* key;
  Kind kind;
};

Json StringsOrNull(const Json* v) {
  if (v == nullptr || !v->is_array()) return nullptr;
  Json out = Json::array();
  for (const Json& s : *v) out.push_back(s.is_string() ? s.get<std::string>() : GoValue(s));
  return out;
}

Json GoStruct(const Json& src, std::initializer_list<GoField> fields) {
  Json out = Json::object();
  for (const GoField& f : fields) {
    switch (f.kind) {
      case Kind::kString:
        out[f.go_name] = GetString(src, f.key);
        break;
      case Kind::kInt:
        out[f.go_name] = GetInt(src, f.key);
        break;
      case Kind::kBool:
        out[f.go_name] = GetBool(src, f.key);
        break;
      case Kind::kStrings:
        out[f.go_name] = StringsOrNull(Find(src, f.key));
        break;
    }
  }
  return out;
}

const std::initializer_list<GoField> kServerFields = {
    {"ID", "id", Kind::kString},
    {"Name", "name", Kind::kString},
    {"Address", "address", Kind::kString},
    {"NodeStatus", "node_status", Kind::kString},
    {"LastContact", "last_contact", Kind::kString},
    {"LastTerm", "last_term", Kind::kInt},
    {"LastIndex", "last_index", Kind::kInt},
    {"Healthy", "healthy", Kind::kBool},
    {"StableSince", "stable_since", Kind::kString},
    {"Status", "status", Kind::kString},
    {"Version", "version", Kind::kString},
    {"UpgradeVersion", "upgrade_version", Kind::kString},
    {"RedundancyZone", "redundancy_zone", Kind::kString},
    {"NodeType", "node_type", Kind::kString}};
const std::initializer_list<GoField> kZoneFields = {
    {"Servers", "servers", Kind::kStrings},
    {"Voters", "voters", Kind::kStrings},
    {"FailureTolerance", "failure_tolerance", Kind::kInt}};
const std::initializer_list<GoField> kZoneUpgradeFields = {
    {"TargetVersionVoters", "target_version_voters", Kind::kStrings},
    {"TargetVersionNonVoters", "target_version_non_voters", Kind::kStrings},
    {"OtherVersionVoters", "other_version_voters", Kind::kStrings},
    {"OtherVersionNonVoters", "other_version_non_voters", Kind::kStrings}};
const std::initializer_list<GoField> kUpgradeFields = {
    {"Status", "status", Kind::kString},
    {"TargetVersion", "target_version", Kind::kString},
    {"TargetVersionVoters", "target_version_voters", Kind::kStrings},
    {"TargetVersionNonVoters", "target_version_non_voters", Kind::kStrings},
    {"TargetVersionReadReplicas", "target_version_read_replicas", Kind::kStrings},
    {"OtherVersionVoters", "other_version_voters", Kind::kStrings},
    {"OtherVersionNonVoters", "other_version_non_voters", Kind::kStrings},
    {"OtherVersionReadReplicas", "other_version_read_replicas", Kind::kStrings}};

Json GoMap(const Json* src, std::initializer_list<GoField> fields) {
  if (src == nullptr || !src->is_object()) return nullptr;
  Json out = Json::object();
  for (auto it = src->begin(); it != src->end(); ++it) out[it.key()] = GoStruct(it.value(), fields);
  return out;
}

// api.AutopilotState as Vault's JSON/YAML formatters print it.
Json AutopilotStateJson(const Json& data) {
  Json out =
      GoStruct(data, {{"Healthy", "healthy", Kind::kBool},
                      {"FailureTolerance", "failure_tolerance", Kind::kInt},
                      {"Leader", "leader", Kind::kString},
                      {"Voters", "voters", Kind::kStrings},
                      {"NonVoters", "non_voters", Kind::kStrings},
                      {"OptimisticFailureTolerance", "optimistic_failure_tolerance", Kind::kInt}});
  out["Servers"] = GoMap(Find(data, "servers"), kServerFields);
  out["RedundancyZones"] = GoMap(Find(data, "redundancy_zones"), kZoneFields);
  const Json* upgrade = Find(data, "upgrade_info");
  out["Upgrade"] = nullptr;
  if (upgrade != nullptr && upgrade->is_object()) {
    out["Upgrade"] = GoStruct(*upgrade, kUpgradeFields);
    out["Upgrade"]["RedundancyZones"] =
        GoMap(Find(*upgrade, "redundancy_zones"), kZoneUpgradeFields);
  }
  return out;
}

std::string Joined(const Json& list, const char* sep = ", ") {
  std::string out;
  if (!list.is_array()) return out;
  for (size_t i = 0; i < list.size(); ++i) out += (i ? sep : "") + GoValue(list[i]);
  return out;
}

Json Sorted(Json list) {
  if (list.is_array()) std::sort(list.begin(), list.end());
  return list;
}

std::string PrettyServer(const std::string& id, const Json& s) {
  auto line = [](const char* label, const std::string& v) {
    std::string l = std::string("      ") + label + ":";
    return l + std::string(25 - l.size(), ' ') + v + "\n";
  };
  std::string out = "   " + id + "\n";
  for (const auto& [label, key] : {std::pair{"Name", "Name"},
                                   {"Address", "Address"},
                                   {"Status", "Status"},
                                   {"Node Status", "NodeStatus"},
                                   {"Healthy", "Healthy"},
                                   {"Last Contact", "LastContact"},
                                   {"Last Term", "LastTerm"},
                                   {"Last Index", "LastIndex"},
                                   {"Version", "Version"}}) {
    out += line(label, GoValue(s[key]));
  }
  if (s["UpgradeVersion"] != "") out += line("Upgrade Version", GoValue(s["UpgradeVersion"]));
  if (s["RedundancyZone"] != "") out += line("Redundancy Zone", GoValue(s["RedundancyZone"]));
  if (s["NodeType"] != "") out += line("Node Type", GoValue(s["NodeType"]));
  return out;
}

// Vault's PrettyFormatter.OutputAutopilotState.
std::string PrettyAutopilotState(const Json& st) {
  auto line = [](const char* label, const std::string& v) {
    std::string l = std::string(label) + ":";
    return l + std::string(33 - l.size(), ' ') + v + "\n";
  };
  std::string out = line("Healthy", st["Healthy"].get<bool>() ? "true" : "false") +
                    line("Failure Tolerance", GoValue(st["FailureTolerance"])) +
                    line("Leader", GoValue(st["Leader"])) + "Voters:\n";
  for (const Json& v : st["Voters"].is_array() ? st["Voters"] : Json::array())
    out += "   " + GoValue(v) + "\n";
  if (st["NonVoters"].is_array() && !st["NonVoters"].empty()) {
    out += "Non Voters:\n";
    for (const Json& v : st["NonVoters"]) out += "   " + GoValue(v) + "\n";
  }
  if (st["OptimisticFailureTolerance"].get<int64_t>() > 0)
    out += line("Optimistic Failure Tolerance", GoValue(st["OptimisticFailureTolerance"]));
  out += "Servers:\n";
  if (st["Servers"].is_object()) {  // nlohmann objects iterate in key order, as Vault sorts
    for (auto it = st["Servers"].begin(); it != st["Servers"].end(); ++it)
      out += PrettyServer(it.key(), it.value());
  }
  if (st["RedundancyZones"].is_object() && !st["RedundancyZones"].empty()) {
    out += "Redundancy Zones:\n";
    for (auto it = st["RedundancyZones"].begin(); it != st["RedundancyZones"].end(); ++it) {
      out += "   " + it.key() + "\n";
      out += "      Servers: " + Joined(Sorted(it.value()["Servers"])) + "\n";
      out += "      Voters: " + Joined(Sorted(it.value()["Voters"])) + "\n";
      out += "      Failure Tolerance: " + GoValue(it.value()["FailureTolerance"]) + "\n";
    }
  }
  const Json& up = st["Upgrade"];
  if (up.is_object()) {
    out += "Upgrade Info:\n";
    out += "   Status: " + GoValue(up["Status"]) + "\n";
    out += "   Target Version: " + GoValue(up["TargetVersion"]) + "\n";
    out += "   Target Version Voters: " + Joined(up["TargetVersionVoters"]) + "\n";
    out += "   Target Version Non-Voters: " + Joined(up["TargetVersionNonVoters"]) + "\n";
    out += "   Other Version Voters: " + Joined(up["OtherVersionVoters"]) + "\n";
    out += "   Other Version Non-Voters: " + Joined(up["OtherVersionNonVoters"]) + "\n";
    if (up["RedundancyZones"].is_object() && !up["RedundancyZones"].empty()) {
      out += "   Redundancy Zones:\n";
      for (auto it = up["RedundancyZones"].begin(); it != up["RedundancyZones"].end(); ++it) {
        const Json& z = it.value();
        out += "      " + it.key() + "\n";
        out += "         Target Version Voters: " + Joined(z["TargetVersionVoters"]) + "\n";
        out += "         Target Version Non-Voters: " + Joined(z["TargetVersionNonVoters"]) + "\n";
        out += "         Other Version Voters: " + Joined(z["OtherVersionVoters"]) + "\n";
        out += "         Other Version Non-Voters: " + Joined(z["OtherVersionNonVoters"]) + "\n";
      }
    }
  }
  return out;
}

void AddDrTokenFlag(BaseCommand& c, std::string* target) {
  c.flags().String("dr-token", target,
                   "DR operation token used to authorize this request (if a DR secondary node).");
}

bool NoArgs(BaseCommand& c) {
  if (c.args().empty()) return true;
  c.Error("Incorrect arguments (expected 0, got " + std::to_string(c.args().size()) + ")");
  return false;
}

int RunState(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer operator raft autopilot state\n\n"
                "  Displays the state of the raft cluster under integrated storage as seen by "
                "autopilot.");
  c.AddHttpFlags();
  c.AddOutputFlags(false);
  c.AllowPrettyFormat();
  std::string dr_token;
  AddDrTokenFlag(c, &dr_token);
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!NoArgs(c)) return kExitLocalError;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  if (!dr_token.empty()) client->SetToken(dr_token);
  Result<api::Response> r = client->RawRequest("GET", "sys/storage/raft/autopilot/state", nullptr);
  if (r && r->status == 404) return kExitOk;  // Vault's client: no state, nothing printed
  if (r && (r->status < 200 || r->status > 299)) {
    r = Err(Status(api::StatusCodeForHttp(r->status),
                   api::FormatApiError("GET", client->Url("sys/storage/raft/autopilot/state"),
                                       r->status, r->raw_body)));
  }
  if (!r) return c.RemoteError("Error checking autopilot state", r.error());
  const Json* data = Find(r->body, "data");
  if (data == nullptr || !data->is_object()) {
    c.Error("Error checking autopilot state: data from server response is empty");
    return kExitRemoteError;
  }
  Json state = AutopilotStateJson(*data);
  // The state is nested, so "table" (the default) means Vault's "pretty" layout here.
  if (c.format() == "json" || c.format() == "yaml") return c.OutputData(state);
  c.Out(PrettyAutopilotState(state));
  return kExitOk;
}

// Go's time.Duration String() of a duration given as "10s", "24h0m0s" or seconds.
std::string GoDuration(const Json& v) {
  std::string text = v.is_string() ? v.get<std::string>() : v.is_number() ? v.dump() : "0";
  Result<std::chrono::seconds> d = ParseDuration(text.empty() ? "0" : text);
  return FormatDuration(d ? *d : std::chrono::seconds(0));
}

int RunGetConfig(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer operator raft autopilot get-config\n\n"
                "  Returns the configuration of the autopilot subsystem under integrated "
                "storage.");
  c.AddHttpFlags();
  c.AddOutputFlags(false);
  std::string dr_token;
  AddDrTokenFlag(c, &dr_token);
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!NoArgs(c)) return kExitLocalError;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  if (!dr_token.empty()) client->SetToken(dr_token);
  const char* path = "sys/storage/raft/autopilot/configuration";
  Result<api::Response> r = client->RawRequest("GET", path, nullptr);
  if (r && r->status == 404) return kExitOk;  // Vault's client: no configuration, no output
  if (r && (r->status < 200 || r->status > 299)) {
    r = Err(Status(api::StatusCodeForHttp(r->status),
                   api::FormatApiError("GET", client->Url(path), r->status, r->raw_body)));
  }
  // Vault 1.15 drops this error and exits 0 silently; we report it.
  if (!r) return c.RemoteError("Error reading the autopilot configuration", r.error());
  const Json* data = Find(r->body, "data");
  const Json& d = data != nullptr && data->is_object() ? *data : Json::object();
  // api.AutopilotConfig's MarshalJSON: durations in Go's String() form.
  Json config = {{"cleanup_dead_servers", GetBool(d, "cleanup_dead_servers")},
                 {"last_contact_threshold", GoDuration(GetJson(d, "last_contact_threshold"))},
                 {"dead_server_last_contact_threshold",
                  GoDuration(GetJson(d, "dead_server_last_contact_threshold"))},
                 {"max_trailing_logs", GetInt(d, "max_trailing_logs")},
                 {"min_quorum", GetInt(d, "min_quorum")},
                 {"server_stabilization_time", GoDuration(GetJson(d, "server_stabilization_time"))},
                 {"disable_upgrade_migration", GetBool(d, "disable_upgrade_migration")}};
  if (!c.table()) return c.OutputData(config);
  auto b = [](const Json& v) { return std::string(v.get<bool>() ? "true" : "false"); };
  c.Out(TableOutput({{"Key", "Value"},
                     {"Cleanup Dead Servers", b(config["cleanup_dead_servers"])},
                     {"Last Contact Threshold", GoValue(config["last_contact_threshold"])},
                     {"Dead Server Last Contact Threshold",
                      GoValue(config["dead_server_last_contact_threshold"])},
                     {"Server Stabilization Time", GoValue(config["server_stabilization_time"])},
                     {"Min Quorum", GoValue(config["min_quorum"])},
                     {"Max Trailing Logs", GoValue(config["max_trailing_logs"])},
                     {"Disable Upgrade Migration", b(config["disable_upgrade_migration"])}}));
  return kExitOk;
}

int RunSetConfig(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer operator raft autopilot set-config [options]\n\n"
                "  Modify the configuration of the autopilot subsystem under integrated "
                "storage.");
  c.AddHttpFlags();
  c.AddOutputFlags(false);
  std::optional<bool> cleanup, disable_upgrade;
  std::optional<std::chrono::seconds> last_contact, dead_last_contact, stabilization;
  int64_t max_trailing_logs = 0, min_quorum = 0;
  std::string dr_token;
  FlagSet& f = c.flags();
  f.Section("Common Options");
  f.OptionalBool("cleanup-dead-servers", &cleanup,
                 "Controls whether to remove dead servers from the Raft peer list periodically "
                 "or when a new server joins.");
  f.Duration("last-contact-threshold", &last_contact,
             "Limit on the amount of time a server can go without leader contact before being "
             "considered unhealthy.");
  f.Duration("dead-server-last-contact-threshold", &dead_last_contact,
             "Limit on the amount of time a server can go without leader contact before being "
             "considered failed. This takes effect only when cleanup_dead_servers is set.");
  f.Int("max-trailing-logs", &max_trailing_logs,
        "Amount of entries in the Raft Log that a server can be behind before being "
        "considered unhealthy.");
  f.Int("min-quorum", &min_quorum,
        "Minimum number of servers allowed in a cluster before autopilot can prune dead "
        "servers. This should at least be 3.");
  f.Duration("server-stabilization-time", &stabilization,
             "Minimum amount of time a server must be in a stable, healthy state before it can "
             "be added to the cluster.");
  f.OptionalBool("disable-upgrade-migration", &disable_upgrade,
                 "Whether or not to perform automated version upgrades.");
  AddDrTokenFlag(c, &dr_token);
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!NoArgs(c)) return kExitLocalError;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  // Only what was given (Vault skips zero durations and counts too).
  Json req = Json::object();
  if (cleanup) req["cleanup_dead_servers"] = *cleanup;
  if (max_trailing_logs > 0) req["max_trailing_logs"] = max_trailing_logs;
  if (min_quorum > 0) req["min_quorum"] = min_quorum;
  if (last_contact && last_contact->count() > 0)
    req["last_contact_threshold"] = FormatDuration(*last_contact);
  if (dead_last_contact && dead_last_contact->count() > 0)
    req["dead_server_last_contact_threshold"] = FormatDuration(*dead_last_contact);
  if (stabilization && stabilization->count() > 0)
    req["server_stabilization_time"] = FormatDuration(*stabilization);
  if (disable_upgrade) req["disable_upgrade_migration"] = *disable_upgrade;
  if (!dr_token.empty()) req["dr_operation_token"] = dr_token;
  Result<std::optional<Json>> r = client->Write("sys/storage/raft/autopilot/configuration", req);
  if (!r) {
    c.Error(r.error().message());
    return kExitRemoteError;
  }
  if (!r->has_value()) return kExitOk;
  return c.OutputSecret(**r);
}

}  // namespace

void AddRaftAutopilotCommands(std::vector<CommandSpec>* out) {
  out->push_back(
      {"operator raft autopilot state",
       "Displays the state of the raft cluster under integrated storage as seen by autopilot",
       RunState});
  out->push_back({"operator raft autopilot get-config",
                  "Returns the configuration of the autopilot subsystem under integrated storage",
                  RunGetConfig});
  out->push_back({"operator raft autopilot set-config",
                  "Modify the configuration of the autopilot subsystem under integrated storage",
                  RunSetConfig});
}

}  // namespace coffer::cli
