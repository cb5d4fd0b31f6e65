// policy write | read | list | delete | fmt (ACL policies under sys/policies/acl/).

#include <fstream>

#include "cli/command.h"
#include "cli/format.h"
#include "cli/policy_fmt.h"

namespace coffer::cli {
namespace {

int RunWrite(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer policy write [options] NAME PATH\n\n"
                "  Uploads a policy with name NAME from the contents of a local file PATH or\n"
                "  stdin. If PATH is \"-\", the policy is read from stdin.\n\n"
                "      $ coffer policy write my-policy /tmp/policy.hcl\n"
                "      $ cat my-policy.hcl | coffer policy write my-policy -");
  c.AddHttpFlags();
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(2, 2)) return kExitLocalError;
  std::string name = SanitizePath(c.args()[0]);
  std::string path = c.args()[1];
  std::string rules;
  if (path == "-") {
    rules = ReadAll(*io.in);
  } else {
    Result<std::string> text = ReadFileContents(path);
    if (!text) {
      c.Error("Error opening policy file: " + text.error().message());
      return kExitLocalError;
    }
    rules = *text;
  }
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<std::optional<Json>> r = client->Write("sys/policies/acl/" + name, {{"policy", rules}});
  if (!r) return c.RemoteError("Error uploading policy", r.error());
  c.Out("Success! Uploaded policy: " + name);
  return kExitOk;
}

int RunRead(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer policy read [options] [NAME]\n\n"
                "  Prints the contents and metadata of the policy named NAME.\n\n"
                "      $ coffer policy read my-policy");
  c.AddHttpFlags();
  c.AddOutputFlags(false);
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(1, 1)) return kExitLocalError;
  std::string name = SanitizePath(c.args()[0]);
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<std::optional<Json>> r = client->Read("sys/policies/acl/" + name);
  if (!r) return c.RemoteError("Error reading policy named " + name, r.error());
  const Json data = r->has_value() ? GetJson(**r, "data") : Json();
  const Json* policy = Find(data, "policy");
  if (policy == nullptr) policy = Find(data, "rules");
  if (policy == nullptr) {
    c.Error("No policy named: " + name);
    return kExitRemoteError;
  }
  std::string rules = policy->is_string() ? policy->get<std::string>() : GoValue(*policy);
  if (!c.table()) return c.OutputData(Json{{"policy", rules}});
  size_t b = rules.find_first_not_of(" \t\r\n");
  size_t e = rules.find_last_not_of(" \t\r\n");
  c.Out(b == std::string::npos ? "" : rules.substr(b, e - b + 1));
  return kExitOk;
}

int RunList(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io, "Usage: coffer policy list [options]\n\n  Lists the names of the policies.");
  c.AddHttpFlags();
  c.AddOutputFlags(false);
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(0, 0)) return kExitLocalError;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<std::optional<Json>> r = client->List("sys/policies/acl");
  if (!r) return c.RemoteError("Error listing policies", r.error());
  Json keys = r->has_value() ? GetJson(GetJson(**r, "data"), "keys") : Json::array();
  if (!keys.is_array()) keys = Json::array();
  if (!c.table()) return c.OutputData(keys);
  for (const Json& k : keys) c.Out(GoValue(k));
  return kExitOk;
}

int RunDelete(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer policy delete [options] NAME\n\n"
                "  Deletes the policy named NAME. Tokens holding it keep the name, but it no\n"
                "  longer grants anything.");
  c.AddHttpFlags();
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(1, 1)) return kExitLocalError;
  std::string name = SanitizePath(c.args()[0]);
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<std::optional<Json>> r = client->Delete("sys/policies/acl/" + name);
  if (!r) return c.RemoteError("Error deleting " + name, r.error());
  c.Out("Success! Deleted policy: " + name);
  return kExitOk;
}

int RunFmt(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer policy fmt [options] PATH\n\n"
                "  Formats a local policy file in place.\n\n"
                "  For now this is a simple formatter: it re-indents the file by brace and\n"
                "  bracket depth with two spaces per level, trims trailing whitespace and\n"
                "  collapses blank lines. It does not parse or validate the HCL beyond\n"
                "  checking that braces balance.\n\n"
                "      $ coffer policy fmt my-policy.hcl");
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(1, 1)) return kExitLocalError;
  const std::string& path = c.args()[0];
  Result<std::string> text = ReadFileContents(path);
  if (!text) {
    c.Error("Error opening policy file: " + text.error().message());
    return kExitLocalError;
  }
  Result<std::string> formatted = FormatPolicyText(*text);
  if (!formatted) {
    c.Error("Error parsing policy: " + formatted.error().message());
    return kExitLocalError;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << *formatted;
  out.close();
  if (!out) {
    c.Error("Error writing policy file: " + path);
    return kExitLocalError;
  }
  c.Out("Success! Formatted policy: " + path);
  return kExitOk;
}

}  // namespace

void AddPolicyCommands(std::vector<CommandSpec>* out) {
  out->push_back({"policy write", "Uploads a named policy from a file", RunWrite});
  out->push_back({"policy read", "Prints the contents of a policy", RunRead});
  out->push_back({"policy list", "Lists the installed policies", RunList});
  out->push_back({"policy delete", "Deletes a policy by name", RunDelete});
  out->push_back({"policy fmt", "Formats a policy on disk", RunFmt});
}

}  // namespace coffer::cli
