#pragma once
// The pieces every command shares: the command table entry, exit codes, and BaseCommand,
// which owns a command's flags (the HTTP and output options common to Vault's commands),
// builds the api::Client, and writes output in the selected format.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/client.h"
#include "base/json.h"
#include "cli/flags.h"
#include "cli/io.h"

namespace coffer::cli {

// Vault's documented exit codes: local errors (bad flags, wrong number of arguments, bad
// input) are 1; remote errors (API failures, TLS, "No value found") are 2. Some commands
// override this as Vault's do (status: 2 when sealed).
inline constexpr int kExitOk = 0;
inline constexpr int kExitLocalError = 1;
inline constexpr int kExitRemoteError = 2;
inline constexpr int kExitUnknownCommand = 127;

// One entry of the command table.
struct CommandSpec {
  std::string name;      // words after "coffer", e.g. "kv metadata get"
  std::string synopsis;  // one line for listings
  std::function<int(Io&, const std::vector<std::string>&)> run;
};

// Each commands_*.cc file registers its commands.
void AddStatusCommands(std::vector<CommandSpec>* out);    // status, version
void AddOperatorCommands(std::vector<CommandSpec>* out);  // operator init|unseal|seal|...
void AddLoginCommands(std::vector<CommandSpec>* out);     // login
void AddTokenCommands(std::vector<CommandSpec>* out);     // token create|lookup|...
void AddPolicyCommands(std::vector<CommandSpec>* out);    // policy write|read|...
void AddSecretsCommands(std::vector<CommandSpec>* out);   // secrets enable|disable|...
void AddAuthCommands(std::vector<CommandSpec>* out);      // auth enable|disable|...
void AddKvCommands(std::vector<CommandSpec>* out);        // kv put|get|...
void AddKvMetadataCommands(std::vector<CommandSpec>* out);
void AddGenericCommands(std::vector<CommandSpec>* out);        // read, write, delete, list, unwrap
void AddRaftCommands(std::vector<CommandSpec>* out);           // operator raft join|list-peers|...
void AddRaftAutopilotCommands(std::vector<CommandSpec>* out);  // operator raft autopilot ...
void AddLeaseCommands(std::vector<CommandSpec>* out);          // lease renew|revoke|lookup
void AddAuditCommands(std::vector<CommandSpec>* out);          // audit enable|disable|list

class BaseCommand {
 public:
  // help: "Usage: coffer ... \n\n  description"; the flag reference is appended.
  BaseCommand(Io& io, std::string help);

  FlagSet& flags() { return flags_; }
  Io& io() { return io_; }

  // Registers the HTTP Options (-address, -ca-cert, -tls-skip-verify, -namespace,
  // -wrap-ttl, -header, ...).
  void AddHttpFlags();
  // Registers -format, and -field / -detailed where the command supports them.
  void AddOutputFlags(bool with_field, bool with_detailed = false);
  // Also accept -format=pretty (Vault's formatter for `operator raft autopilot state`).
  void AllowPrettyFormat() { allow_pretty_ = true; }

  // Parses args. Returns an exit code when the command must stop now: 0 after printing help
  // for -h/-help/--help, kExitLocalError after a flag error. std::nullopt to go on.
  std::optional<int> Parse(const std::vector<std::string>& args);
  const std::vector<std::string>& args() const { return flags_.args(); }
  // Vault's "Not enough arguments (expected N, got M)" / "Too many arguments ...".
  bool CheckArgs(size_t min, size_t max);

  // The client built from the environment, the HTTP flags and the token helper; nullptr
  // after reporting an error.
  api::Client* Client();

  const std::string& format() const { return format_; }
  const std::string& field() const { return field_; }
  bool detailed() const { return detailed_; }
  bool table() const { return format_ == "table"; }

  void Out(std::string_view line);    // stdout, with a newline
  void Error(std::string_view line);  // stderr, with a newline
  // Error + kExitRemoteError, for failed API calls: "<prefix>: <status message>".
  int RemoteError(std::string_view prefix, const Status& status);

  // Vault's OutputSecret / OutputData / OutputList / PrintRawField.
  int OutputSecret(const Json& secret);
  int OutputData(const Json& data);
  int OutputList(const Json& secret);
  int PrintField(const Json& secret);                            // -field on a secret
  int PrintFieldOf(const Json& object, std::string_view field);  // -field on a plain map
  int PrintRaw(const std::string& text);  // trailing newline only on a terminal

 private:
  Io& io_;
  std::string help_;
  FlagSet flags_;
  std::optional<api::Client> client_;
  // HTTP options
  std::string address_, ca_cert_, ca_path_, client_cert_, client_key_, namespace_;
  std::string tls_server_name_;
  bool tls_skip_verify_ = false;
  bool non_interactive_ = false;
  bool policy_override_ = false;
  std::optional<std::chrono::seconds> wrap_ttl_;
  std::map<std::string, std::string> headers_;
  // Output options
  std::string format_;
  std::string field_;
  bool detailed_ = false;
  bool allow_pretty_ = false;
};

// Go's strings.TrimSpace (ASCII whitespace), as Vault applies it to IDs and tokens.
std::string TrimSpace(std::string_view s);

// "secret/" from " /secret// ": Vault's sanitizePath and ensureTrailingSlash.
std::string SanitizePath(std::string_view path);
std::string EnsureTrailingSlash(std::string_view path);

}  // namespace coffer::cli
