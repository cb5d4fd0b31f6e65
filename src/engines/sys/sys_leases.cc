// sys/leases/* (and the legacy sys/renew, sys/revoke*): lookup, list by prefix, renew,
// revoke, revoke-prefix, revoke-force, tidy, count and the irrevocable list. Vault:
// logical_system.go's lease paths; the work is core's ExpirationManager.

#include "core/core_impl.h"
#include "engines/sys/system_backend.h"

namespace coffer::engines::sys {

using core::Operation;
using framework::FieldType;

namespace {

constexpr auto kCountWait = std::chrono::seconds(30);

framework::FieldSchemas LeaseFields() {
  return {{"lease_id", {FieldType::kString}},
          {"url_lease_id", {FieldType::kString}},
          {"increment", {FieldType::kDurationSecond}},
          {"sync", {FieldType::kBool, true}}};
}

// The lease id from the body, else from the URL.
std::string LeaseIdOf(FieldData& d) {
  std::string id = d.GetString("lease_id");
  return id.empty() ? d.GetString("url_lease_id") : id;
}

}  // namespace

std::vector<framework::Path> SystemBackend::LeasePaths() {
  std::vector<framework::Path> paths;
  {
    framework::Path p;
    p.pattern = "leases/lookup/?$";
    p.fields = LeaseFields();
    p.operations[Operation::kUpdate] = [this](core::Request&, FieldData& d) -> HandlerResult {
      std::string id = LeaseIdOf(d);
      if (id.empty()) return Err(InvalidArgument("missing param: lease_id"));
      COFFER_ASSIGN_OR_RETURN(auto lease, core_.Leases().Lookup(id));
      if (!lease) return Err(InvalidArgument("invalid lease"));
      int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                        core_.GetClock().Now().time_since_epoch())
                        .count();
      return core::Response::WithData(lease->LookupData(now));
    };
    p.operations[Operation::kList] = [this](core::Request&, FieldData&) -> HandlerResult {
      COFFER_ASSIGN_OR_RETURN(auto keys, core_.Leases().ListPrefix(""));
      return core::Response::ListResponse(std::move(keys));
    };
    p.help_synopsis = "View or list lease metadata.";
    paths.push_back(std::move(p));
  }
  {
    framework::Path p;
    p.pattern = "leases/lookup/(?P<prefix>.+?)?$";
    p.fields = {{"prefix", {FieldType::kString}}};
    p.operations[Operation::kList] = [this](core::Request&, FieldData& d) -> HandlerResult {
      std::string prefix = d.GetString("prefix");
      if (!prefix.empty() && prefix.back() != '/') prefix += '/';
      COFFER_ASSIGN_OR_RETURN(auto keys, core_.Leases().ListPrefix(prefix));
      return core::Response::ListResponse(std::move(keys));
    };
    p.help_synopsis = "List leases with a given prefix.";
    paths.push_back(std::move(p));
  }
  for (const char* pattern : {"leases/renew/?$", "leases/renew/(?P<url_lease_id>.+)", "renew/?$",
                              "renew/(?P<url_lease_id>.+)"}) {
    framework::Path p;
    p.pattern = pattern;
    p.fields = LeaseFields();
    p.operations[Operation::kUpdate] = [this](core::Request&, FieldData& d) -> HandlerResult {
      std::string id = LeaseIdOf(d);
      if (id.empty()) return Err(InvalidArgument("lease_id must be specified"));
      return core_.RenewLease(id, d.GetDuration("increment"));
    };
    p.help_synopsis = "Renews a lease, requesting to extend the lease.";
    paths.push_back(std::move(p));
  }
  for (const char* pattern : {"leases/revoke/?$", "leases/revoke/(?P<url_lease_id>.+)", "revoke/?$",
                              "revoke/(?P<url_lease_id>.+)"}) {
    framework::Path p;
    p.pattern = pattern;
    p.fields = LeaseFields();
    p.operations[Operation::kUpdate] = [this](core::Request&, FieldData& d) -> HandlerResult {
      std::string id = LeaseIdOf(d);
      if (id.empty()) return Err(InvalidArgument("lease_id must be specified"));
      COFFER_RETURN_IF_ERROR(core_.Leases().Revoke(id));
      return core::Response();
    };
    p.help_synopsis = "Revokes a lease immediately.";
    paths.push_back(std::move(p));
  }
  for (const char* kind : {"revoke-prefix", "revoke-force"}) {
    for (std::string base : {std::string("leases/") + kind, std::string(kind)}) {
      framework::Path p;
      p.pattern = base + "/(?P<prefix>.+)";
      p.fields = {{"prefix", {FieldType::kString}}, {"sync", {FieldType::kBool, true}}};
      bool force = std::string_view(kind) == "revoke-force";
      p.operations[Operation::kUpdate] = [this, force](core::Request&,
                                                       FieldData& d) -> HandlerResult {
        std::string prefix = d.GetString("prefix");
        if (prefix.empty()) return Err(InvalidArgument("prefix must be specified"));
        COFFER_RETURN_IF_ERROR(core_.RevokeLeasePrefix(prefix, force));
        return core::Response();
      };
      p.help_synopsis = force ? "Revokes all secrets or tokens generated under a given prefix "
                                "immediately, ignoring backend errors."
                              : "Revokes all secrets or tokens generated under a given prefix "
                                "immediately.";
      paths.push_back(std::move(p));
    }
  }
  {
    framework::Path p;
    p.pattern = "leases/tidy$";
    p.operations[Operation::kUpdate] = [this](core::Request&, FieldData&) -> HandlerResult {
      COFFER_RETURN_IF_ERROR(core_.TidyLeases());
      return core::Response();
    };
    p.help_synopsis = "Removes dangling lease index entries and leases of revoked tokens.";
    paths.push_back(std::move(p));
  }
  {
    framework::Path p;
    p.pattern = "leases/count$";
    p.fields = {{"type", {FieldType::kString}}, {"include_child_namespaces", {FieldType::kBool}}};
    p.operations[Operation::kRead] = [this](core::Request&, FieldData& d) -> HandlerResult {
      std::string type = d.GetString("type");
      if (!type.empty() && type != "irrevocable" && type != "all")
        return Err(InvalidArgument("invalid type: " + type));
      int64_t n;
      if (type == "irrevocable") {
        COFFER_ASSIGN_OR_RETURN(auto ids, core_.Leases().ListIrrevocable());
        n = static_cast<int64_t>(ids.size());
      } else {
        COFFER_ASSIGN_OR_RETURN(n, core_.Leases().Count(kCountWait));
      }
      return core::Response::WithData(Json{{"lease_count", n}, {"counts", {{"root", n}}}});
    };
    p.help_synopsis = "Count of leases (type=irrevocable: of leases that could not be revoked).";
    paths.push_back(std::move(p));
  }
  {
    framework::Path p;
    p.pattern = "leases/?$";
    p.fields = {{"type", {FieldType::kString}},
                {"include_child_namespaces", {FieldType::kBool}},
                {"limit", {FieldType::kString}}};
    p.operations[Operation::kRead] = [this](core::Request&, FieldData& d) -> HandlerResult {
      std::string type = d.GetString("type");
      if (type != "irrevocable")
        return Err(InvalidArgument("invalid type: only \"irrevocable\" is supported"));
      COFFER_ASSIGN_OR_RETURN(auto ids, core_.Leases().ListIrrevocable());
      Json leases = Json::array();
      for (const auto& id : ids) {
        COFFER_ASSIGN_OR_RETURN(auto lease, core_.Leases().Lookup(id));
        if (!lease) continue;
        leases.push_back(Json{{"lease_id", lease->lease_id},
                              {"namespace", ""},
                              {"mount_id", lease->mount_accessor},
                              {"error", lease->revoke_error}});
      }
      size_t count = leases.size();
      return core::Response::WithData(Json{{"leases", std::move(leases)}, {"lease_count", count}});
    };
    p.help_synopsis = "Lists leases that could not be revoked (type=irrevocable).";
    paths.push_back(std::move(p));
  }
  return paths;
}

}  // namespace coffer::engines::sys
