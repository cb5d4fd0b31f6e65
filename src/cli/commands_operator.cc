// operator init | unseal | seal | key-status | step-down | members.

#include "cli/command.h"
#include "cli/format.h"
#include "cli/seal_status.h"

namespace coffer::cli {
namespace {

Json StringList(const Json& v) { return v.is_array() ? v : Json::array(); }

int InitStatus(BaseCommand& c, api::Client& client) {
  Result<api::Response> r = client.Request("GET", "sys/init", nullptr);
  if (!r) {
    c.Error("Error checking init status: " + r.error().message());
    return kExitLocalError;  // 2 means "not initialized" here
  }
  bool inited = GetBool(r->body, "initialized");
  if (c.table()) {
    c.Out(inited ? "Vault is initialized" : "Vault is not initialized");
  } else {
    c.OutputData(Json{{"Initialized", inited}});
  }
  return inited ? kExitOk : kExitRemoteError;
}

void PrintInitResult(BaseCommand& c, const Json& req, const Json& resp) {
  const Json keys = StringList(GetJson(resp, "keys"));
  const Json keys_b64 = StringList(GetJson(resp, "keys_base64"));
  const Json rkeys = StringList(GetJson(resp, "recovery_keys"));
  const Json rkeys_b64 = StringList(GetJson(resp, "recovery_keys_base64"));
  for (size_t i = 0; i < keys.size(); ++i) {
    const Json& k = keys_b64.size() == keys.size() ? keys_b64[i] : keys[i];
    c.Out("Unseal Key " + std::to_string(i + 1) + ": " + GoValue(k));
  }
  for (size_t i = 0; i < rkeys.size(); ++i) {
    const Json& k = rkeys_b64.size() == rkeys.size() ? rkeys_b64[i] : rkeys[i];
    c.Out("Recovery Key " + std::to_string(i + 1) + ": " + GoValue(k));
  }
  c.Out("");
  c.Out("Initial Root Token: " + GetString(resp, "root_token"));
  std::string shares = std::to_string(GetInt(req, "secret_shares"));
  std::string threshold = std::to_string(GetInt(req, "secret_threshold"));
  if (!keys.empty()) {
    c.Out("");
    c.Out(WrapAtLength(
        "Vault initialized with " + shares + " key shares and a key threshold of " + threshold +
        ". Please securely distribute the key shares printed above. When the "
        "Vault is re-sealed, restarted, or stopped, you must supply at least " +
        threshold + " of these keys to unseal it before it can start servicing requests."));
    c.Out("");
    c.Out(WrapAtLength("Vault does not store the generated root key. Without at least " +
                       threshold +
                       " keys to reconstruct the root key, Vault will remain permanently "
                       "sealed!"));
    c.Out("");
    c.Out(WrapAtLength(
        "It is possible to generate new unseal keys, provided you have a quorum of existing "
        "unseal keys shares. See \"coffer operator rekey\" for more information."));
  } else {
    c.Out("");
    c.Out("Success! Vault is initialized");
  }
  if (!rkeys.empty()) {
    c.Out("");
    c.Out(WrapAtLength(
        "Recovery key initialized with " + std::to_string(GetInt(req, "recovery_shares")) +
        " key shares and a key threshold of " + std::to_string(GetInt(req, "recovery_threshold")) +
        ". Please securely distribute the key shares printed above."));
  }
}

int RunInit(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer operator init [options]\n\n"
                "  Initializes a server. Initialization is the process by which the storage\n"
                "  is prepared to receive data: the root key is generated and split into\n"
                "  unseal key shares (or, with an auto-unseal seal, recovery key shares).\n"
                "  This only happens once per cluster.\n\n"
                "  Start initialization with the default options:\n\n"
                "      $ coffer operator init\n\n"
                "  Initialize, but split the root key into 1 share:\n\n"
                "      $ coffer operator init -key-shares=1 -key-threshold=1");
  c.AddHttpFlags();
  c.AddOutputFlags(false);
  int64_t shares = 5, threshold = 3, recovery_shares = 5, recovery_threshold = 3;
  bool status = false;
  std::vector<std::string> pgp_keys, recovery_pgp_keys;
  std::string root_token_pgp_key;
  FlagSet& f = c.flags();
  f.Int("key-shares", &shares,
        "Number of key shares to split the generated root key into. This is the number of "
        "\"unseal keys\" to generate. The default is 5.");
  f.Int("key-threshold", &threshold,
        "Number of key shares required to reconstruct the root key. This must be less than or "
        "equal to -key-shares. The default is 3.");
  f.StringSlice("pgp-keys", &pgp_keys,
                "Comma-separated list of base64-encoded PGP public keys to encrypt the unseal "
                "key shares with, passed to the server as is.");
  f.String("root-token-pgp-key", &root_token_pgp_key,
           "A base64-encoded PGP public key to encrypt the initial root token with.");
  f.Int("recovery-shares", &recovery_shares,
        "Number of key shares to split the recovery key into. Only used with auto-unseal. The "
        "default is 5.");
  f.Int("recovery-threshold", &recovery_threshold,
        "Number of key shares required to reconstruct the recovery key. Only used with "
        "auto-unseal. The default is 3.");
  f.StringSlice("recovery-pgp-keys", &recovery_pgp_keys,
                "Behaves like -pgp-keys, but for the recovery key shares.");
  f.Bool("status", &status,
         "Print the current initialization status. An exit code of 0 means the server is "
         "already initialized, 2 means it is not, 1 means there was an error.");
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(0, 0)) return kExitLocalError;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  if (status) return InitStatus(c, *client);

  Json req = {{"secret_shares", shares},
              {"secret_threshold", threshold},
              {"recovery_shares", recovery_shares},
              {"recovery_threshold", recovery_threshold}};
  if (!pgp_keys.empty()) req["pgp_keys"] = pgp_keys;
  if (!recovery_pgp_keys.empty()) req["recovery_pgp_keys"] = recovery_pgp_keys;
  if (!root_token_pgp_key.empty()) req["root_token_pgp_key"] = root_token_pgp_key;
  Result<api::Response> r = client->Request("PUT", "sys/init", &req);
  if (!r) return c.RemoteError("Error initializing", r.error());
  const Json& resp = r->body;
  if (!c.table()) {
    Json keys = StringList(GetJson(resp, "keys"));
    bool stored = keys.empty();
    Json out = {{"unseal_keys_b64", StringList(GetJson(resp, "keys_base64"))},
                {"unseal_keys_hex", keys},
                {"unseal_shares", stored ? 1 : shares},
                {"unseal_threshold", stored ? 1 : threshold},
                {"recovery_keys_b64", StringList(GetJson(resp, "recovery_keys_base64"))},
                {"recovery_keys_hex", StringList(GetJson(resp, "recovery_keys"))},
                {"recovery_keys_shares", recovery_shares},
                {"recovery_keys_threshold", recovery_threshold},
                {"root_token", GetString(resp, "root_token")}};
    return c.OutputData(out);
  }
  PrintInitResult(c, req, resp);
  return kExitOk;
}

int RunUnseal(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer operator unseal [options] [KEY]\n\n"
                "  Provide a portion of the root key to unseal a server. The server starts\n"
                "  sealed; it is unsealed once a threshold of unseal keys has been given.\n"
                "  The key may be given as an argument, or it is read from stdin (hidden\n"
                "  when stdin is a terminal). Each call adds one key.\n\n"
                "      $ coffer operator unseal\n"
                "      Unseal Key (will be hidden):\n\n"
                "  Clear the progress of an unseal in progress:\n\n"
                "      $ coffer operator unseal -reset");
  c.AddHttpFlags();
  c.AddOutputFlags(false);
  bool reset = false, migrate = false;
  c.flags().Bool("reset", &reset, "Discard any previously entered keys to the unseal process.");
  c.flags().Bool("migrate", &migrate,
                 "Indicate that this share is provided with the intent that it is part of a "
                 "seal migration process.");
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(0, 1)) return kExitLocalError;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Json body;
  if (reset) {
    body = {{"reset", true}};
  } else {
    std::string key;
    if (!c.args().empty()) {
      key = c.args()[0];
    } else {
      Result<std::string> line = ReadSecretLine(io, "Unseal Key (will be hidden): ");
      if (!line) {
        c.Error(
            "An error occurred attempting to ask for an unseal key. The raw error message "
            "is shown below, but usually this is because you attempted to pipe a value into "
            "the unseal command or you are executing outside of a terminal (tty). You "
            "should run the unseal command from a terminal.\n\n" +
            line.error().message());
        return kExitLocalError;
      }
      key = *line;
    }
    size_t b = key.find_first_not_of(" \t\r\n");
    size_t e = key.find_last_not_of(" \t\r\n");
    key = b == std::string::npos ? "" : key.substr(b, e - b + 1);
    body = {{"key", key}};
    if (migrate) body["migrate"] = true;
  }
  Result<api::Response> r = client->Request("PUT", "sys/unseal", &body);
  if (!r) return c.RemoteError("Error unsealing", r.error());
  return PrintSealStatus(c, *client);
}

int RunSeal(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer operator seal [options]\n\n"
                "  Seals the server. Sealing throws away the in-memory root key; the server\n"
                "  answers 503 until it is unsealed again.\n\n      $ coffer operator seal");
  c.AddHttpFlags();
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(0, 0)) return kExitLocalError;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<api::Response> r = client->Request("PUT", "sys/seal", nullptr);
  if (!r) return c.RemoteError("Error sealing", r.error());
  c.Out("Success! Vault is sealed.");
  return kExitOk;
}

// "2024-01-02T15:04:05.999Z" → "02 Jan 24 15:04 UTC" (Go's RFC822 in UTC).
std::string Rfc822(const std::string& rfc3339) {
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (rfc3339.size() < 16 || rfc3339[4] != '-' || rfc3339[10] != 'T') return rfc3339;
  int month = std::atoi(rfc3339.substr(5, 2).c_str());
  if (month < 1 || month > 12) return rfc3339;
  return rfc3339.substr(8, 2) + " " + kMonths[month - 1] + " " + rfc3339.substr(2, 2) + " " +
         rfc3339.substr(11, 5) + " UTC";
}

int RunKeyStatus(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer operator key-status [options]\n\n"
                "  Provides information about the active encryption key: its term and the\n"
                "  time it was installed.");
  c.AddHttpFlags();
  c.AddOutputFlags(false);
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(0, 0)) return kExitLocalError;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<api::Response> r = client->Request("GET", "sys/key-status", nullptr);
  if (!r) return c.RemoteError("Error reading key status", r.error());
  const Json* data = Find(r->body, "data");
  const Json& ks = data != nullptr && data->is_object() ? *data : r->body;
  if (!c.table()) return c.OutputData(ks);
  c.Out(Columnize({{"Key Term", std::to_string(GetInt(ks, "term"))},
                   {"Install Time", Rfc822(GetString(ks, "install_time"))},
                   {"Encryption Count", std::to_string(GetInt(ks, "encryptions"))}}));
  return kExitOk;
}

int RunStepDown(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer operator step-down [options]\n\n"
                "  Forces the server at the given address to step down from active duty.\n"
                "  While the affected node will have a delay before attempting to become\n"
                "  active again, if no other node takes over beforehand, it is possible for\n"
                "  the same node to become active again.\n\n"
                "  Force the server to step down as the leader:\n\n"
                "      $ coffer operator step-down");
  c.AddHttpFlags();
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(0, 0)) return kExitLocalError;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<api::Response> r = client->Request("PUT", "sys/step-down", nullptr);
  if (!r) return c.RemoteError("Error stepping down", r.error());
  c.Out("Success! Stepped down: " + client->config().address);
  return kExitOk;
}

// Go's time.Format(time.RFC3339) of an RFC 3339 timestamp: no fractional seconds, and a
// zero offset written as "Z".
std::string Rfc3339Seconds(std::string t) {
  size_t tpos = t.find('T');
  size_t dot = tpos == std::string::npos ? std::string::npos : t.find('.', tpos);
  if (dot != std::string::npos) {
    size_t end = t.find_first_not_of("0123456789", dot + 1);
    t.erase(dot, (end == std::string::npos ? t.size() : end) - dot);
  }
  if (t.size() > 6 && t.compare(t.size() - 6, 6, "+00:00") == 0) t.replace(t.size() - 6, 6, "Z");
  return t;
}

int RunMembers(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer operator members\n\n"
                "  Provides the details of all the nodes in the cluster.\n\n"
                "      $ coffer operator members");
  c.AddHttpFlags();
  c.AddOutputFlags(false);
  if (std::optional<int> code = c.Parse(args)) return *code;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<api::Response> r = client->Request("GET", "sys/ha-status", nullptr);
  if (!r) {
    c.Error(r.error().message());
    return kExitRemoteError;
  }
  const Json* nodes = Find(r->body, "nodes");
  if (nodes == nullptr) {
    const Json* data = Find(r->body, "data");
    nodes = data ? Find(*data, "nodes") : nullptr;
  }
  // api.HAStatusResponse: "Nodes" (no json tag) of api.HANode.
  Json list = nullptr;
  if (nodes != nullptr && nodes->is_array()) {
    list = Json::array();
    for (const Json& n : *nodes) {
      Json node = {{"hostname", GetString(n, "hostname")},
                   {"api_address", GetString(n, "api_address")},
                   {"cluster_address", GetString(n, "cluster_address")},
                   {"active_node", GetBool(n, "active_node")},
                   {"last_echo", GetJson(n, "last_echo")},
                   {"version", GetString(n, "version")}};
      if (!GetString(n, "upgrade_version").empty())
        node["upgrade_version"] = GetString(n, "upgrade_version");
      if (!GetString(n, "redundancy_zone").empty())
        node["redundancy_zone"] = GetString(n, "redundancy_zone");
      list.push_back(std::move(node));
    }
  }
  if (!c.table()) return c.OutputData(Json{{"Nodes", list}});
  Rows rows = {{"Host Name", "API Address", "Cluster Address", "Active Node", "Version",
                "Upgrade Version", "Redundancy Zone", "Last Echo"}};
  for (const Json& n : list.is_array() ? list : Json::array()) {
    std::string echo =
        n["last_echo"].is_string() ? Rfc3339Seconds(n["last_echo"].get<std::string>()) : "";
    rows.push_back({GoValue(n["hostname"]), GoValue(n["api_address"]),
                    GoValue(n["cluster_address"]), n["active_node"].get<bool>() ? "true" : "false",
                    GoValue(n["version"]), GetString(n, "upgrade_version"),
                    GetString(n, "redundancy_zone"), echo});
  }
  c.Out(TableOutput(rows));
  return kExitOk;
}

}  // namespace

void AddOperatorCommands(std::vector<CommandSpec>* out) {
  out->push_back({"operator init", "Initializes a server", RunInit});
  out->push_back({"operator unseal", "Unseals the server", RunUnseal});
  out->push_back({"operator seal", "Seals the server", RunSeal});
  out->push_back({"operator key-status", "Provides information about the active encryption key",
                  RunKeyStatus});
  out->push_back({"operator step-down", "Forces the server to resign active duty", RunStepDown});
  out->push_back({"operator members", "Returns the list of nodes in the cluster", RunMembers});
}

}  // namespace coffer::cli
