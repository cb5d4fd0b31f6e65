// token create | lookup | renew | revoke | capabilities.

#include <algorithm>

#include "base/duration.h"
#include "cli/command.h"
#include "cli/format.h"

namespace coffer::cli {
namespace {

// Go's time.Duration String() form, as Vault's CLI sends TTLs.
std::string Ttl(std::chrono::seconds d) { return FormatDuration(d); }

int RunCreate(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer token create [options]\n\n"
                "  Creates a new token that can be used for authentication. This token will be\n"
                "  created as a child of the currently authenticated token unless -orphan is\n"
                "  given. The generated token is printed unless -field is given.\n\n"
                "      $ coffer token create -policy=my-policy -ttl=1h");
  c.AddHttpFlags();
  c.AddOutputFlags(true);
  std::string id, display_name, role, type, entity_alias;
  std::vector<std::string> policies;
  std::map<std::string, std::string> metadata;
  std::optional<std::chrono::seconds> ttl, explicit_max_ttl, period;
  int64_t use_limit = 0;
  bool orphan = false, no_default_policy = false, renewable = true;
  FlagSet& f = c.flags();
  f.String("id", &id, "Value for the token. By default, this is an auto-generated string.");
  f.String("display-name", &display_name, "Name to associate with this token.");
  f.Duration("ttl", &ttl, "Initial TTL to associate with the token.");
  f.Duration("explicit-max-ttl", &explicit_max_ttl,
             "Explicit maximum lifetime for the token. Unlike normal TTLs, the maximum TTL is a "
             "hard limit and cannot be exceeded.");
  f.Duration("period", &period,
             "If specified, every renewal will use the given period. Periodic tokens do not "
             "expire as long as they are actively being renewed.");
  f.Bool("renewable", &renewable, "Allow the token to be renewed up to its maximum TTL.");
  f.Bool("orphan", &orphan, "Create the token with no parent (auth/token/create-orphan).");
  f.Bool("no-default-policy", &no_default_policy,
         "Detach the \"default\" policy from the policy set for this token.");
  f.Int("use-limit", &use_limit,
        "Number of times this token can be used. After the last use, the token is "
        "automatically revoked. By default, tokens can be used an unlimited number of times.");
  f.StringSlice("policy", &policies,
                "Name of a policy to associate with this token. This can be specified "
                "multiple times to attach multiple policies.");
  f.StringMap("metadata", &metadata,
              "Arbitrary key=value metadata to associate with the token. This can be specified "
              "multiple times to add multiple pieces of metadata.");
  f.String("role", &role, "Name of the role to create the token against (auth/token/create/ROLE).");
  f.String("type", &type, "The type of token to create: \"service\" or \"batch\".");
  f.String("entity-alias", &entity_alias, "Name of the entity alias to associate with the token.");
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(0, 0)) return kExitLocalError;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;

  Json body = Json::object();
  if (!id.empty()) body["id"] = id;
  if (!policies.empty()) body["policies"] = policies;
  if (!metadata.empty()) body["meta"] = metadata;
  if (ttl) body["ttl"] = Ttl(*ttl);
  if (explicit_max_ttl) body["explicit_max_ttl"] = Ttl(*explicit_max_ttl);
  if (period) body["period"] = Ttl(*period);
  if (orphan) body["no_parent"] = true;
  if (no_default_policy) body["no_default_policy"] = true;
  if (!display_name.empty()) body["display_name"] = display_name;
  if (use_limit > 0) body["num_uses"] = use_limit;
  body["renewable"] = renewable;
  if (!type.empty()) body["type"] = type;
  if (!entity_alias.empty()) body["entity_alias"] = entity_alias;
  std::string path = !role.empty() ? "auth/token/create/" + role
                     : orphan      ? "auth/token/create-orphan"
                                   : "auth/token/create";
  Result<std::optional<Json>> r = client->Write(path, body, "POST");
  if (!r) return c.RemoteError("Error creating token", r.error());
  if (!r->has_value()) return kExitOk;
  if (!c.field().empty()) return c.PrintField(**r);
  return c.OutputSecret(**r);
}

int RunLookup(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer token lookup [options] [TOKEN | ACCESSOR]\n\n"
                "  Displays information about a token or accessor. If a TOKEN is not provided,\n"
                "  the locally authenticated token is used.\n\n"
                "      $ coffer token lookup\n      $ coffer token lookup -accessor ACCESSOR");
  c.AddHttpFlags();
  c.AddOutputFlags(true);
  bool accessor = false;
  c.flags().Bool("accessor", &accessor, "Treat the argument as an accessor instead of a token.");
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(accessor ? 1 : 0, 1)) return kExitLocalError;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<std::optional<Json>> r = Err(Internal("unset"));
  if (c.args().empty()) {
    r = client->Read("auth/token/lookup-self");
  } else if (accessor) {
    r = client->Write("auth/token/lookup-accessor", Json{{"accessor", c.args()[0]}}, "POST");
  } else {
    r = client->Write("auth/token/lookup", Json{{"token", c.args()[0]}}, "POST");
  }
  if (!r) return c.RemoteError("Error looking up token", r.error());
  if (!r->has_value()) {
    c.Error("Error looking up token: no token information returned");
    return kExitRemoteError;
  }
  if (!c.field().empty()) return c.PrintField(**r);
  return c.OutputSecret(**r);
}

int RunRenew(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer token renew [options] [TOKEN]\n\n"
                "  Renews a token's lease, extending the amount of time it can be used. If a\n"
                "  TOKEN is not provided, the locally authenticated token is used.\n\n"
                "      $ coffer token renew -increment=30m");
  c.AddHttpFlags();
  c.AddOutputFlags(true);
  std::optional<std::chrono::seconds> increment;
  bool accessor = false;
  c.flags().Duration("increment", &increment,
                     "Request a specific increment for renewal. The server may not honor this "
                     "request. If not supplied, the server uses the default TTL.");
  c.flags().Alias("i", "increment");
  c.flags().Bool("accessor", &accessor, "Treat the argument as an accessor instead of a token.");
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(0, 1)) return kExitLocalError;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Json body = Json::object();
  if (increment) body["increment"] = increment->count();
  std::string path = "auth/token/renew-self";
  if (!c.args().empty()) {
    path = accessor ? "auth/token/renew-accessor" : "auth/token/renew";
    body[accessor ? "accessor" : "token"] = c.args()[0];
  }
  Result<std::optional<Json>> r = client->Write(path, body, "POST");
  if (!r) return c.RemoteError("Error renewing token", r.error());
  if (!r->has_value()) return kExitOk;
  if (!c.field().empty()) return c.PrintField(**r);
  return c.OutputSecret(**r);
}

int RunRevoke(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer token revoke [options] [TOKEN | ACCESSOR]\n\n"
                "  Revokes authentication tokens and their children. If a TOKEN is not\n"
                "  provided, -self must be given to revoke the locally authenticated token.\n\n"
                "  -mode=orphan revokes only the token and leaves its children as orphans;\n"
                "  -mode=path revokes every token created under the given path prefix.");
  c.AddHttpFlags();
  bool accessor = false, self = false;
  std::string mode;
  c.flags().Bool("accessor", &accessor, "Treat the argument as an accessor instead of a token.");
  c.flags().Bool("self", &self, "Perform the revocation on the currently authenticated token.");
  c.flags().String("mode", &mode,
                   "Type of revocation to perform: \"orphan\" or \"path\". The default revokes "
                   "the token and all of its children.");
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (self ? !c.CheckArgs(0, 0) : !c.CheckArgs(1, 1)) return kExitLocalError;
  if (!mode.empty() && mode != "orphan" && mode != "path") {
    c.Error("Invalid mode: " + mode + " (expected \"orphan\" or \"path\")");
    return kExitLocalError;
  }
  if ((self || accessor) && mode == "path") {
    c.Error("Cannot use -mode=path with -self or -accessor");
    return kExitLocalError;
  }
  if (self && accessor) {
    c.Error("Cannot use -self with -accessor");
    return kExitLocalError;
  }
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<api::Response> r = Err(Internal("unset"));
  if (self) {
    r = client->Request("POST", "auth/token/revoke-self", nullptr);
  } else if (accessor) {
    Json body = {{"accessor", c.args()[0]}};
    r = client->Request("POST", "auth/token/revoke-accessor", &body);
  } else if (mode == "orphan") {
    Json body = {{"token", c.args()[0]}};
    r = client->Request("POST", "auth/token/revoke-orphan", &body);
  } else if (mode == "path") {
    r = client->Request("PUT", "sys/leases/revoke-prefix/" + c.args()[0], nullptr);
  } else {
    Json body = {{"token", c.args()[0]}};
    r = client->Request("POST", "auth/token/revoke", &body);
  }
  if (!r) return c.RemoteError("Error revoking token", r.error());
  c.Out("Success! Revoked token (if it existed)");
  return kExitOk;
}

int RunCapabilities(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer token capabilities [options] [TOKEN] PATH\n\n"
                "  Fetches the capabilities of a token for a given path. If no TOKEN is given,\n"
                "  the locally authenticated token is used.\n\n"
                "      $ coffer token capabilities secret/foo");
  c.AddHttpFlags();
  c.AddOutputFlags(false);
  bool accessor = false;
  c.flags().Bool("accessor", &accessor, "Treat the argument as an accessor instead of a token.");
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(accessor ? 2 : 1, 2)) return kExitLocalError;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  std::string path = c.args().back();
  Json body = {{"paths", Json::array({path})}};
  std::string endpoint = "sys/capabilities-self";
  if (c.args().size() == 2) {
    endpoint = accessor ? "sys/capabilities-accessor" : "sys/capabilities";
    body[accessor ? "accessor" : "token"] = c.args()[0];
  }
  Result<api::Response> r = client->Request("POST", endpoint, &body);
  if (!r) return c.RemoteError("Error listing capabilities", r.error());
  const Json* data = Find(r->body, "data");
  const Json& d = data != nullptr && data->is_object() ? *data : r->body;
  Json caps = GetJson(d, path);
  if (!caps.is_array() || caps.empty()) caps = GetJson(d, "capabilities");
  std::vector<std::string> list;
  if (caps.is_array()) {
    for (const Json& v : caps) list.push_back(GoValue(v));
  }
  std::sort(list.begin(), list.end());
  if (!c.table()) return c.OutputData(Json(list));
  std::string joined;
  for (size_t i = 0; i < list.size(); ++i) joined += (i ? ", " : "") + list[i];
  c.Out(joined);
  return kExitOk;
}

}  // namespace

void AddTokenCommands(std::vector<CommandSpec>* out) {
  out->push_back({"token create", "Create a new token", RunCreate});
  out->push_back({"token lookup", "Display information about a token", RunLookup});
  out->push_back({"token renew", "Renew a token lease", RunRenew});
  out->push_back({"token revoke", "Revoke a token and its children", RunRevoke});
  out->push_back(
      {"token capabilities", "Print capabilities of a token on a path", RunCapabilities});
}

}  // namespace coffer::cli
