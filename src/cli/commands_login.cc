// login: authenticates with a token (verified through auth/token/lookup-self), userpass or
// ldap (auth/<path>/login/<username>), or any other method (auth/<path>/login with the
// given key=value data), then stores the token in the token helper.

#include <variant>

#include "api/token_helper.h"
#include "cli/command.h"
#include "cli/format.h"
#include "cli/kv_args.h"

namespace coffer::cli {
namespace {

// Vault's token login handler builds an auth block from lookup-self's data.
Result<Json> TokenLogin(const api::Client& base, const std::string& token) {
  api::Client client = base;
  client.SetToken(token);
  Result<api::Response> r = client.Request("GET", "auth/token/lookup-self", nullptr);
  if (!r) return Err(Status(r.error().code(), "error looking up token: " + r.error().message()));
  const Json data = GetJson(r->body, "data");
  if (!data.is_object()) return Err(InvalidArgument("empty response from lookup-self"));
  Json policies = GetJson(data, "policies");
  Json auth = {{"client_token", GetString(data, "id", token)},
               {"accessor", GetString(data, "accessor")},
               {"policies", policies},
               {"token_policies", policies},
               {"identity_policies", GetJson(data, "identity_policies")},
               {"metadata", GetJson(data, "meta")},
               {"lease_duration", GetInt(data, "ttl")},
               {"renewable", GetBool(data, "renewable")}};
  return Json{{"auth", auth}};
}

// Outcome of an authentication step: the login response, or the exit code to return after
// the error has been printed.
using Outcome = std::variant<Json, int>;

std::string TrimSpace(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// The token method: TOKEN as the argument, "-" for stdin, token=..., or a hidden prompt.
Outcome AuthenticateToken(BaseCommand& c, const api::Client& client,
                          const std::vector<std::string>& rest) {
  Io& io = c.io();
  std::string token;
  if (rest.size() == 1 && rest[0].find('=') == std::string::npos) {
    token = rest[0] == "-" ? ReadAll(*io.in) : rest[0];
  } else {
    Result<Json> data = ParseArgsData(io.in, rest);
    if (!data) {
      c.Error("Error parsing configuration: " + data.error().message());
      return kExitLocalError;
    }
    token = GetString(*data, "token");
  }
  if (token.empty()) {
    Result<std::string> line = ReadSecretLine(io, "Token (will be hidden): ");
    if (!line) {
      c.Error("Error authenticating: " + line.error().message());
      return kExitLocalError;
    }
    token = *line;
  }
  token = TrimSpace(token);
  if (token.empty()) {
    c.Error("Error authenticating: a token must be passed to auth, please view the help");
    return kExitLocalError;
  }
  Result<Json> secret = TokenLogin(client, token);
  if (!secret) return c.RemoteError("Error authenticating", secret.error());
  return *secret;
}

// userpass and ldap post to auth/<path>/login/<username> (prompting for the password);
// any other method posts its K=V data to auth/<path>/login.
Outcome AuthenticateCredentials(BaseCommand& c, const api::Client& client,
                                const std::string& method, const std::string& path,
                                const std::vector<std::string>& rest) {
  Io& io = c.io();
  Result<Json> data = ParseArgsData(io.in, rest);
  if (!data) {
    c.Error("Error parsing configuration: " + data.error().message());
    return kExitLocalError;
  }
  std::string login_path = "auth/" + path + "/login";
  if (method == "userpass" || method == "ldap" || method == "radius" || method == "okta") {
    std::string username = GetString(*data, "username");
    if (username.empty()) {
      c.Error("Error authenticating: 'username' must be specified");
      return kExitLocalError;
    }
    data->erase("username");
    if (GetString(*data, "password").empty()) {
      Result<std::string> pw = ReadSecretLine(io, "Password (will be hidden): ");
      if (!pw) {
        c.Error("Error authenticating: " + pw.error().message());
        return kExitLocalError;
      }
      (*data)["password"] = *pw;
    }
    login_path += "/" + username;
  }
  Result<std::optional<Json>> r = client.Write(login_path, *data, "POST");
  if (!r) return c.RemoteError("Error authenticating", r.error());
  if (!r->has_value()) {
    c.Error("Error authenticating: empty response from credential provider");
    return kExitRemoteError;
  }
  return **r;
}

struct LoginFlags {
  std::string method = "token", path;
  bool no_store = false, no_print = false, token_only = false;
};

// Stores the token and prints the result as Vault's login does.
int FinishLogin(BaseCommand& c, const Json& secret, const LoginFlags& f) {
  const Json* wrap = Find(secret, "wrap_info");
  if (wrap != nullptr && wrap->is_object()) return c.OutputSecret(secret);
  const Json* auth = Find(secret, "auth");
  std::string token = auth ? GetString(*auth, "client_token") : "";
  if (token.empty()) {
    c.Error(
        "Error authenticating: the server returned a secret, but the secret has no "
        "authentication information attached.");
    return kExitRemoteError;
  }
  if (f.token_only) return c.PrintRaw(token);
  if (!f.no_store) {
    Status st = api::TokenHelper::FromEnvironment().Store(token);
    if (!st.ok()) {
      c.Error("Error storing token: " + st.message() +
              "\n\nAuthentication was successful, but the token was not persisted. The "
              "resulting token is shown below for your records.");
      c.OutputSecret(secret);
      return kExitRemoteError;
    }
  }
  if (!api::GetEnv("TOKEN").empty() && c.table()) {
    c.Error(WrapAtLength("WARNING! The COFFER_TOKEN or VAULT_TOKEN environment variable is set! "
                         "This takes precedence over the value set by this command. To use the "
                         "value set by this command, unset the variable or set it to the token "
                         "displayed below.") +
            "\n");
  }
  if (f.no_print) return kExitOk;
  if (!c.field().empty()) return c.PrintField(secret);
  if (c.table()) {
    c.Out(WrapAtLength(f.no_store ? "Success! You are now authenticated. The token information "
                                    "displayed below is not stored in the token helper. You "
                                    "must pass it to future requests yourself."
                                  : "Success! You are now authenticated. The token information "
                                    "displayed below is already stored in the token helper. "
                                    "You do NOT need to run \"coffer login\" again. Future "
                                    "requests will automatically use this token.") +
          "\n");
  }
  return c.OutputSecret(secret);
}

int RunLogin(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer login [options] [AUTH K=V...]\n\n"
                "  Authenticates users or machines using the provided arguments. A successful\n"
                "  authentication results in a token - the token is stored in the token helper\n"
                "  (~/.coffer-token) unless -no-store is given.\n\n"
                "  By default, authentication uses a token. If no token is given, it is read from\n"
                "  stdin (hidden on a terminal); \"-\" reads it from stdin:\n\n"
                "      $ coffer login\n      Token (will be hidden):\n\n"
                "  Authenticate with userpass (the password is prompted for when not given):\n\n"
                "      $ coffer login -method=userpass username=my-username\n\n"
                "  Other methods post their K=V data to auth/<path>/login:\n\n"
                "      $ coffer login -method=approle role_id=... secret_id=...");
  c.AddHttpFlags();
  c.AddOutputFlags(true);
  LoginFlags lf;
  FlagSet& f = c.flags();
  f.String("method", &lf.method,
           "Type of authentication to use such as \"userpass\" or \"ldap\". The default is "
           "token.");
  f.String("path", &lf.path,
           "Remote path in the server where the auth method is enabled. This defaults to the "
           "TYPE of method (e.g. userpass -> userpass/).");
  f.Bool("no-store", &lf.no_store,
         "Do not persist the token to the token helper (usually the local filesystem) after "
         "authentication for use in future requests.");
  f.Bool("no-print", &lf.no_print,
         "Do not display the token. The token will still be stored to the configured token "
         "helper.");
  f.Bool("token-only", &lf.token_only,
         "Output only the token with no verification. This flag is a shortcut for "
         "\"-field=token -no-store\".");
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (lf.token_only) lf.no_store = true;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  std::string path = SanitizePath(lf.path.empty() ? lf.method : lf.path);
  Outcome outcome = lf.method == "token"
                        ? AuthenticateToken(c, *client, c.args())
                        : AuthenticateCredentials(c, *client, lf.method, path, c.args());
  if (const int* code = std::get_if<int>(&outcome)) return *code;
  return FinishLogin(c, std::get<Json>(outcome), lf);
}

}  // namespace

void AddLoginCommands(std::vector<CommandSpec>* out) {
  out->push_back({"login", "Authenticate locally", RunLogin});
}

}  // namespace coffer::cli
