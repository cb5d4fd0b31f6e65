// lease renew | revoke | lookup: the sys/leases endpoints, as `vault lease ...` calls them.

#include "cli/command.h"
#include "cli/format.h"

namespace coffer::cli {
namespace {

// Vault's lease renew/lookup accept exactly one ID and say so in their own words.
std::optional<std::string> LeaseIdArg(BaseCommand& c, std::string_view too_many_expected) {
  const std::vector<std::string>& a = c.args();
  if (a.empty()) {
    c.Error("Missing ID!");
    return std::nullopt;
  }
  if (a.size() > 1) {
    c.Error("Too many arguments (expected " + std::string(too_many_expected) + ", got " +
            std::to_string(a.size()) + ")");
    return std::nullopt;
  }
  return TrimSpace(a[0]);
}

int RunRenew(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer lease renew [options] ID\n\n"
                "  Renews the lease of a secret, extending how long it may be used before the\n"
                "  server revokes it. Renewing does not change the secret itself. The ID is the\n"
                "  full lease ID, path included. The renewal fails when the secret is not\n"
                "  renewable, was already revoked, or has reached its maximum TTL.\n\n"
                "      $ coffer lease renew database/creds/readonly/2f6a614c...\n"
                "      $ coffer lease renew -increment=1h database/creds/readonly/2f6a614c...");
  c.AddHttpFlags();
  c.AddOutputFlags(false);
  std::optional<std::chrono::seconds> increment;
  c.flags().Duration("increment", &increment,
                     "Request a specific increment in seconds. The server is not required to "
                     "honor this request.");
  if (std::optional<int> code = c.Parse(args)) return *code;
  std::optional<std::string> id = LeaseIdArg(c, "1-2");
  if (!id) return kExitLocalError;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Json body = {{"increment", increment ? increment->count() : 0}, {"lease_id", *id}};
  Result<std::optional<Json>> r = client->Write("sys/leases/renew", body, "PUT");
  if (!r) return c.RemoteError("Error renewing " + *id, r.error());
  if (!r->has_value()) return kExitOk;
  return c.OutputSecret(**r);
}

struct RevokeMode {
  bool force = false;   // sys/leases/revoke-force/<prefix>: always synchronous
  bool prefix = false;  // sys/leases/revoke-prefix/<prefix>
  bool sync = false;    // wait for the revocation instead of queueing it
};

// Vault's Sys().RevokeWithOptions, except that a single lease ID goes in the body of
// sys/leases/revoke (the same endpoint; Vault's CLI puts it in the path).
Result<api::Response> SendRevoke(const api::Client& client, const std::string& id,
                                 const RevokeMode& mode) {
  if (mode.force) return client.Request("PUT", "sys/leases/revoke-force/" + id, nullptr);
  if (mode.prefix) {
    Json body = {{"sync", mode.sync}};
    return client.Request("PUT", "sys/leases/revoke-prefix/" + id, &body);
  }
  Json body = {{"lease_id", id}, {"sync", mode.sync}};
  return client.Request("PUT", "sys/leases/revoke", &body);
}

std::string RevokeSuccess(const std::string& id, const RevokeMode& mode) {
  if (mode.force) return "Success! Force revoked any leases with prefix: " + id;
  if (!mode.sync) return "All revocation operations queued successfully!";
  if (mode.prefix) return "Success! Revoked any leases with prefix: " + id;
  return "Success! Revoked lease: " + id;
}

int RunRevoke(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer lease revoke [options] ID\n\n"
                "  Revokes secrets by their lease ID: one secret, or with -prefix every lease\n"
                "  whose ID starts with the given prefix.\n\n"
                "  Without -force the revocation is asynchronous: the server queues it and keeps\n"
                "  retrying on failure, across restarts too. -sync waits for the revocation\n"
                "  instead, leaving retries to the caller. -force is always synchronous.\n\n"
                "      $ coffer lease revoke database/creds/readonly/2f6a614c...\n"
                "      $ coffer lease revoke -prefix aws/creds/deploy\n"
                "      $ coffer lease revoke -force -prefix consul/creds");
  c.AddHttpFlags();
  bool force = false, prefix = false, sync = false;
  FlagSet& f = c.flags();
  f.Bool("force", &force,
         "Delete the lease even if the secrets engine fails to revoke the secret. This is "
         "meant for recovery when the secret was removed from the target system by hand. "
         "Requires -prefix.");
  f.Alias("f", "force");
  f.Bool("prefix", &prefix,
         "Treat the ID as a prefix instead of an exact lease ID. This can revoke multiple "
         "leases at once.");
  f.Bool("sync", &sync,
         "Force a synchronous operation; on failure it is up to the client to retry.");
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(1, 1)) return kExitLocalError;
  if (force && !prefix) {
    c.Error("Specifying -force requires also specifying -prefix");
    return kExitLocalError;
  }
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  std::string id = TrimSpace(c.args()[0]);
  if (force) {
    c.Error(WrapAtLength(
        "Warning! Force-removing leases can cause Vault to become out of sync with secret "
        "engines!"));
  }
  RevokeMode mode{force, prefix, sync};
  Result<api::Response> r = SendRevoke(*client, id, mode);
  if (!r) {
    std::string what = force    ? "Error force revoking leases with prefix " + id
                       : prefix ? "Error revoking leases with prefix " + id
                                : "Error revoking lease " + id;
    return c.RemoteError(what, r.error());
  }
  c.Out(RevokeSuccess(id, mode));
  return kExitOk;
}

int RunLookup(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer lease lookup ID\n\n"
                "  Looks up the lease of a secret by its lease ID: when it was issued, when it\n"
                "  expires, when it was last renewed, whether it is renewable, and its TTL.\n\n"
                "      $ coffer lease lookup database/creds/readonly/2f6a614c...");
  c.AddHttpFlags();
  c.AddOutputFlags(false);
  if (std::optional<int> code = c.Parse(args)) return *code;
  std::optional<std::string> id = LeaseIdArg(c, "1");
  if (!id) return kExitLocalError;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<std::optional<Json>> r =
      client->Write("sys/leases/lookup", Json{{"lease_id", *id}}, "PUT");
  if (!r) return c.RemoteError("error looking up lease id " + *id, r.error());
  if (!r->has_value()) return kExitOk;
  return c.OutputSecret(**r);
}

}  // namespace

void AddLeaseCommands(std::vector<CommandSpec>* out) {
  out->push_back({"lease renew", "Renews the lease of a secret", RunRenew});
  out->push_back({"lease revoke", "Revokes leases and secrets", RunRevoke});
  out->push_back({"lease lookup", "Lookup the lease of a secret", RunLookup});
}

}  // namespace coffer::cli
