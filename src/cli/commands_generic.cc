// read, write, delete, list, unwrap: the generic commands over any API path.

#include "cli/command.h"
#include "cli/format.h"
#include "cli/kv_args.h"

namespace coffer::cli {
namespace {

int RunRead(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer read [options] PATH [K=V...]\n\n"
                "  Reads data from the server at the given path. This can be used to read\n"
                "  secrets, generate dynamic credentials, get configuration details, and\n"
                "  more. K=V pairs are sent as query parameters.\n\n"
                "      $ coffer read secret/foo\n      $ coffer read -field=value secret/foo");
  c.AddHttpFlags();
  c.AddOutputFlags(true);
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (c.args().empty()) {
    c.Error("Not enough arguments (expected 1, got 0)");
    return kExitLocalError;
  }
  std::string path = SanitizePath(c.args()[0]);
  std::vector<std::string> rest(c.args().begin() + 1, c.args().end());
  Result<api::QueryParams> query = ParseArgsQuery(io.in, rest);
  if (!query) {
    c.Error("Failed to parse K=V data: " + query.error().message());
    return kExitLocalError;
  }
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<std::optional<Json>> r = client->Read(path, *query);
  if (!r) return c.RemoteError("Error reading " + path, r.error());
  if (!r->has_value()) {
    c.Error("No value found at " + path);
    return kExitRemoteError;
  }
  if (!c.field().empty()) return c.PrintField(**r);
  return c.OutputSecret(**r);
}

int RunWrite(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(
      io,
      "Usage: coffer write [options] PATH [DATA K=V...]\n\n"
      "  Writes data to the server at the given path. The data can be credentials,\n"
      "  secrets, configuration, or arbitrary data. Values of the form @file are\n"
      "  read from a file; \"-\" reads JSON from stdin; a repeated key becomes a list.\n\n"
      "      $ coffer write secret/password value=itsasecret\n"
      "      $ echo '{\"value\":\"x\"}' | coffer write secret/password -");
  c.AddHttpFlags();
  c.AddOutputFlags(true);
  bool force = false;
  c.flags().Bool("force", &force,
                 "Allow the operation to continue with no key=value pairs. This allows "
                 "writing to keys that do not need or expect data.");
  c.flags().Alias("f", "force");
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (c.args().empty()) {
    c.Error("Not enough arguments (expected 1, got 0)");
    return kExitLocalError;
  }
  std::string path = SanitizePath(c.args()[0]);
  std::vector<std::string> rest(c.args().begin() + 1, c.args().end());
  Result<Json> data = ParseArgsData(io.in, rest);
  if (!data) {
    c.Error("Failed to parse K=V data: " + data.error().message());
    return kExitLocalError;
  }
  if (data->empty() && !force) {
    c.Error("Must supply data or use -force");
    return kExitLocalError;
  }
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<std::optional<Json>> r = client->Write(path, *data);
  if (!r) return c.RemoteError("Error writing data to " + path, r.error());
  if (!r->has_value()) {
    if (c.table()) c.Out("Success! Data written to: " + path);
    return kExitOk;
  }
  if (!c.field().empty()) return c.PrintField(**r);
  return c.OutputSecret(**r);
}

int RunDelete(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer delete [options] PATH [K=V...]\n\n"
                "  Deletes secrets and configuration from the server at the given path. The\n"
                "  behavior of \"delete\" is delegated to the backend corresponding to the\n"
                "  given path.\n\n      $ coffer delete secret/my-secret");
  c.AddHttpFlags();
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (c.args().empty()) {
    c.Error("Not enough arguments (expected 1, got 0)");
    return kExitLocalError;
  }
  std::string path = SanitizePath(c.args()[0]);
  std::vector<std::string> rest(c.args().begin() + 1, c.args().end());
  Result<api::QueryParams> query = ParseArgsQuery(io.in, rest);
  if (!query) {
    c.Error("Failed to parse K=V data: " + query.error().message());
    return kExitLocalError;
  }
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<std::optional<Json>> r = client->Delete(path, *query);
  if (!r) return c.RemoteError("Error deleting " + path, r.error());
  c.Out("Success! Data deleted (if it existed) at: " + path);
  return kExitOk;
}

int RunList(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer list [options] PATH\n\n"
                "  Lists data from the server at the given path. This can be used to list\n"
                "  keys in a given secrets engine.\n\n      $ coffer list secret/");
  c.AddHttpFlags();
  c.AddOutputFlags(false, true);
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(1, 1)) return kExitLocalError;
  std::string path = EnsureTrailingSlash(c.args()[0]);
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<std::optional<Json>> r = client->List(path);
  if (!r) return c.RemoteError("Error listing " + path, r.error());
  const Json secret = r->has_value() ? **r : Json();
  Json wrap = GetJson(secret, "wrap_info");
  if (wrap.is_object() && GetInt(wrap, "ttl") != 0) return c.OutputSecret(secret);
  Json keys = GetJson(GetJson(secret, "data"), "keys");
  if (!keys.is_array()) {
    if (!c.table()) {
      c.OutputData(Json::object());
    } else if (!GetJson(secret, "data").is_object()) {
      c.Error("No value found at " + path);
    } else {
      c.Error("No entries found at " + path);
    }
    return kExitRemoteError;
  }
  return c.OutputList(secret);
}

// Vault's Logical().Unwrap: the wrapping token goes in the body unless it is the client's
// own token (or the client has none, in which case it becomes the client's token).
Result<api::Response> SendUnwrap(api::Client& client, const std::string& wrapping_token) {
  Json body = Json{{"token", wrapping_token}};
  const Json* payload = nullptr;
  if (!wrapping_token.empty()) {
    if (client.token().empty()) {
      client.SetToken(wrapping_token);
    } else if (wrapping_token != client.token()) {
      payload = &body;
    }
  }
  return client.RawRequest("PUT", "sys/wrapping/unwrap", payload);
}

int RunUnwrap(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer unwrap [options] [TOKEN]\n\n"
                "  Unwraps a wrapped secret: prints the response stored under the wrapping\n"
                "  token, as \"coffer read\" would print the unwrapped secret; the wrapping\n"
                "  token is then revoked. With no TOKEN, the locally authenticated token is\n"
                "  the wrapping token.\n\n"
                "      $ coffer unwrap 3de9ece1-b347-e143-29b0-dc2dc31caafd\n"
                "      $ COFFER_TOKEN=3de9ece1-b347-e143-29b0-dc2dc31caafd coffer unwrap");
  c.AddHttpFlags();
  c.AddOutputFlags(true);
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (c.args().size() > 1) {
    c.Error("Too many arguments (expected 0-1, got " + std::to_string(c.args().size()) + ")");
    return kExitLocalError;
  }
  std::string token = c.args().empty() ? "" : TrimSpace(c.args()[0]);
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<api::Response> r = SendUnwrap(*client, token);
  if (!r) return c.RemoteError("Error unwrapping", r.error());
  const Json& secret = r->body;
  bool ok = r->status >= 200 && r->status <= 299;
  // A 404 may be the wrapped response itself (a read that found nothing): Vault's client
  // returns it when it carries data or warnings.
  bool wrapped_404 = r->status == 404 && secret.is_object() &&
                     ((GetJson(secret, "data").is_object() && !secret["data"].empty()) ||
                      (GetJson(secret, "warnings").is_array() && !secret["warnings"].empty()));
  if (!ok && !wrapped_404) {
    return c.RemoteError("Error unwrapping",
                         Status(api::StatusCodeForHttp(r->status),
                                api::FormatApiError("PUT", client->Url("sys/wrapping/unwrap"),
                                                    r->status, r->raw_body)));
  }
  if (!secret.is_object()) {
    c.Error("Could not find wrapped response");
    return kExitRemoteError;
  }
  if (!c.field().empty()) return c.PrintField(secret);
  // A wrapped list response prints as a list (Vault's extractListData).
  if (GetJson(GetJson(secret, "data"), "keys").is_array()) return c.OutputList(secret);
  return c.OutputSecret(secret);
}

int RunPrintToken(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer print token\n\n"
                "  Prints the token the CLI would use: COFFER_TOKEN / VAULT_TOKEN, else the one\n"
                "  stored by \"coffer login\".");
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(0, 0)) return kExitLocalError;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  c.Out(client->token());
  return kExitOk;
}

}  // namespace

void AddGenericCommands(std::vector<CommandSpec>* out) {
  out->push_back({"read", "Read data and retrieves secrets", RunRead});
  out->push_back({"write", "Write data, configuration, and secrets", RunWrite});
  out->push_back({"delete", "Delete secrets and configuration", RunDelete});
  out->push_back({"list", "List data or secrets", RunList});
  out->push_back({"unwrap", "Unwraps a wrapped secret", RunUnwrap});
  out->push_back({"print token", "Prints the token the CLI would use", RunPrintToken});
}

}  // namespace coffer::cli
