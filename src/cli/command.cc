#include "cli/command.h"

#include <ostream>

#include "api/token_helper.h"
#include "base/duration.h"
#include "cli/format.h"

namespace coffer::cli {

std::string TrimSpace(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(kSpace);
  return std::string(s.substr(b, e - b + 1));
}

std::string SanitizePath(std::string_view raw) {
  std::string trimmed = TrimSpace(raw);
  std::string_view path = trimmed;
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return std::string(path);
}

std::string EnsureTrailingSlash(std::string_view path) {
  std::string p = SanitizePath(path);
  if (p.empty()) return "";
  return p + "/";
}

BaseCommand::BaseCommand(Io& io, std::string help) : io_(io), help_(std::move(help)) {}

void BaseCommand::AddHttpFlags() {
  FlagSet& f = flags_;
  f.Section("HTTP Options");
  f.String("address", &address_,
           "Address of the Coffer (Vault API) server. The default is https://127.0.0.1:8200. "
           "This can also be specified via the COFFER_ADDR or VAULT_ADDR environment variable.");
  f.String("ca-cert", &ca_cert_,
           "Path on the local disk to a single PEM-encoded CA certificate to verify the "
           "server's SSL certificate. This takes precedence over -ca-path. This can also be "
           "specified via the COFFER_CACERT or VAULT_CACERT environment variable.");
  f.String("ca-path", &ca_path_,
           "Path on the local disk to a directory of PEM-encoded CA certificates to verify the "
           "server's SSL certificate. This can also be specified via COFFER_CAPATH or "
           "VAULT_CAPATH.");
  f.String("client-cert", &client_cert_,
           "Path on the local disk to a single PEM-encoded CA certificate to use for TLS "
           "authentication to the server. If this flag is specified, -client-key is also "
           "required. Also COFFER_CLIENT_CERT or VAULT_CLIENT_CERT.");
  f.String("client-key", &client_key_,
           "Path on the local disk to a single PEM-encoded private key matching the client "
           "certificate from -client-cert. Also COFFER_CLIENT_KEY or VAULT_CLIENT_KEY.");
  f.StringMap("header", &headers_,
              "Key-value pair provided as key=value to provide http header added to any "
              "request done by the CLI. This can be specified multiple times.");
  f.String("namespace", &namespace_,
           "The namespace to use for the command (sent as X-Vault-Namespace). Also "
           "COFFER_NAMESPACE or VAULT_NAMESPACE.");
  f.Alias("ns", "namespace");
  f.Bool("non-interactive", &non_interactive_,
         "When set true, prevents asking the user for input via the terminal.");
  f.Bool("policy-override", &policy_override_,
         "Override a Sentinel policy that has a soft-mandatory enforcement_level specified.");
  f.String("tls-server-name", &tls_server_name_,
           "Name to use as the SNI host when connecting to the server via TLS. Also "
           "COFFER_TLS_SERVER_NAME or VAULT_TLS_SERVER_NAME.");
  f.Bool("tls-skip-verify", &tls_skip_verify_,
         "Disable verification of TLS certificates. Using this option is highly discouraged "
         "as it decreases the security of data transmissions to and from the server. Also "
         "COFFER_SKIP_VERIFY or VAULT_SKIP_VERIFY.");
  f.Duration("wrap-ttl", &wrap_ttl_,
             "Wraps the response in a cubbyhole token with the requested TTL. The response "
             "is available via the \"coffer unwrap\" command. The TTL is specified as a "
             "numeric string with suffix like \"30s\" or \"5m\". Also COFFER_WRAP_TTL or "
             "VAULT_WRAP_TTL.");
  f.Section("Command Options");
}

void BaseCommand::AddOutputFlags(bool with_field, bool with_detailed) {
  FlagSet& f = flags_;
  f.Section("Output Options");
  if (with_field) {
    f.String("field", &field_,
             "Print only the field with the given name. Specifying this option will take "
             "precedence over other formatting directives. The result will not have a "
             "trailing newline making it ideal for piping to other processes.");
  }
  f.String("format", &format_,
           "Print the output in the given format. Valid formats are \"table\", \"json\", "
           "\"yaml\". The default is table. This can also be specified via the COFFER_FORMAT "
           "or VAULT_FORMAT environment variable.");
  if (with_detailed) {
    f.Bool("detailed", &detailed_, "Print additional information about each entry.");
  }
  f.Section("Command Options");
}

std::optional<int> BaseCommand::Parse(const std::vector<std::string>& args) {
  for (const std::string& a : args) {
    if (a == "--") break;
    if (a == "-h" || a == "-help" || a == "--help") {
      std::string flag_help = flags_.Help();
      *io_.out << help_ << (flag_help.empty() ? "" : "\n\n" + flag_help) << "\n";
      return kExitOk;
    }
  }
  if (std::string env = api::GetEnv("FORMAT"); !env.empty()) format_ = env;
  if (format_.empty()) format_ = "table";
  Status st = flags_.Parse(args);
  if (!st.ok()) {
    Error(st.message());
    return kExitLocalError;
  }
  if (!IsValidFormat(format_) && !(allow_pretty_ && format_ == "pretty")) {
    Error("Invalid output format: " + format_);
    return kExitLocalError;
  }
  if (format_ == "yml") format_ = "yaml";
  if (std::string w = flags_.trailing_flag_warning(); !w.empty()) Error(WrapAtLength(w));
  if (non_interactive_) io_.interactive = false;
  return std::nullopt;
}

bool BaseCommand::CheckArgs(size_t min, size_t max) {
  size_t n = args().size();
  if (n < min) {
    Error("Not enough arguments (expected " + std::to_string(min) + ", got " + std::to_string(n) +
          ")");
    return false;
  }
  if (n > max) {
    Error("Too many arguments (expected " + std::to_string(max) + ", got " + std::to_string(n) +
          ")");
    return false;
  }
  return true;
}

api::Client* BaseCommand::Client() {
  if (client_) return &*client_;
  api::ClientConfig c = api::ClientConfig::FromEnvironment();
  if (!address_.empty()) c.address = address_;
  if (!ca_cert_.empty()) c.ca_cert = ca_cert_;
  if (!ca_path_.empty()) c.ca_path = ca_path_;
  if (!client_cert_.empty()) c.client_cert = client_cert_;
  if (!client_key_.empty()) c.client_key = client_key_;
  if (!namespace_.empty()) c.namespace_ = namespace_;
  if (!tls_server_name_.empty()) c.tls_server_name = tls_server_name_;
  if (flags_.IsSet("tls-skip-verify")) c.tls_skip_verify = tls_skip_verify_;
  if (wrap_ttl_ && wrap_ttl_->count() > 0) {
    c.wrap_ttl = FormatDuration(*wrap_ttl_);
  } else if (!c.wrap_ttl.empty()) {
    // COFFER_WRAP_TTL/VAULT_WRAP_TTL is the flag's default, so it is sent in the flag's
    // form ("5m" → "5m0s"), as Vault's CLI does; text that is not a duration goes as is.
    Result<std::chrono::seconds> env = ParseDuration(c.wrap_ttl);
    if (env && env->count() > 0) c.wrap_ttl = FormatDuration(*env);
  }
  for (const auto& [k, v] : headers_) c.headers.emplace_back(k, v);
  if (policy_override_) c.headers.emplace_back("X-Vault-Policy-Override", "true");
  if (c.address.rfind("http://", 0) != 0 && c.address.rfind("https://", 0) != 0 &&
      c.address.rfind("unix://", 0) != 0) {
    Error("Error parsing the address \"" + c.address +
          "\": it must start with http://, https:// or unix://");
    return nullptr;
  }
  if (c.token.empty()) {
    Result<std::string> stored = api::TokenHelper::FromEnvironment().Get();
    if (!stored) {
      Error("Error loading the stored token: " + stored.error().message());
      return nullptr;
    }
    c.token = *stored;
  }
  client_.emplace(std::move(c));
  return &*client_;
}

void BaseCommand::Out(std::string_view line) { *io_.out << line << "\n"; }
void BaseCommand::Error(std::string_view line) { *io_.err << line << "\n"; }

int BaseCommand::RemoteError(std::string_view prefix, const Status& status) {
  Error(std::string(prefix) + ": " + status.message());
  return kExitRemoteError;
}

int BaseCommand::OutputSecret(const Json& secret) {
  if (format_ == "json") {
    Out(FormatJson(secret));
  } else if (format_ == "yaml") {
    Out(FormatYaml(secret));
  } else {
    *io_.err << WarningsText(secret);
    std::string t = SecretTable(secret);
    if (!t.empty()) Out(t);
  }
  return kExitOk;
}

int BaseCommand::OutputData(const Json& data) {
  if (format_ == "json") {
    Out(FormatJson(data));
  } else if (format_ == "yaml") {
    Out(FormatYaml(data));
  } else if (data.is_object()) {
    std::string t = MapTable(data);
    if (!t.empty()) Out(t);
  } else if (data.is_array()) {
    for (const Json& v : data) Out(GoValue(v));
  } else {
    Out(GoValue(data));
  }
  return kExitOk;
}

int BaseCommand::OutputList(const Json& secret) {
  const Json* data = Find(secret, "data");
  const Json* keys = data ? Find(*data, "keys") : nullptr;
  const Json empty = Json::array();
  if (format_ != "table") {
    if (detailed_) {
      Out(format_ == "json" ? FormatJson(secret) : FormatYaml(secret));
    } else {
      Out(format_ == "json" ? FormatJson(keys ? *keys : empty) : FormatYaml(keys ? *keys : empty));
    }
    return kExitOk;
  }
  *io_.err << WarningsText(secret);
  const Json* info = detailed_ && data ? Find(*data, "key_info") : nullptr;
  Out(ListTable(keys ? *keys : empty, info));
  return kExitOk;
}

int BaseCommand::PrintField(const Json& secret) {
  std::optional<Json> v = SecretField(secret, field_);
  if (!v) {
    Error("Field \"" + field_ + "\" not present in secret");
    return kExitLocalError;
  }
  return PrintRaw(FormatFieldValue(*v, format_));
}

int BaseCommand::PrintFieldOf(const Json& object, std::string_view field) {
  const Json* v = Find(object, field);
  if (v == nullptr || v->is_null()) {
    Error("Field \"" + std::string(field) + "\" not present in secret");
    return kExitLocalError;
  }
  return PrintRaw(FormatFieldValue(*v, format_));
}

int BaseCommand::PrintRaw(const std::string& text) {
  *io_.out << text;
  if (io_.stdout_is_tty) *io_.out << "\n";
  io_.out->flush();
  return kExitOk;
}

}  // namespace coffer::cli
