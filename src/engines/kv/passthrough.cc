#include "engines/kv/passthrough.h"

#include "base/duration.h"
#include "engines/kv/util.h"
#include "storage/backend.h"

namespace coffer::engines::kv {

namespace {

using core::Operation;

// The refresh hint: the secret's "ttl" (or legacy "lease") field when it parses as a
// duration, else the mount's default lease TTL.
std::chrono::seconds TtlHint(const Json& data, const core::SystemView* system) {
  std::chrono::seconds ttl =
      system != nullptr ? system->DefaultLeaseTtl() : std::chrono::seconds(0);
  for (const char* field : {"ttl", "lease"}) {
    if (!data.contains(field)) continue;
    const Json& v = data[field];
    if (v.is_number_integer() && v.get<int64_t>() >= 0)
      return std::chrono::seconds(v.get<int64_t>());
    if (v.is_string()) {
      if (auto d = ParseDuration(v.get<std::string>())) return *d;
    }
    break;
  }
  return ttl;
}

}  // namespace

PassthroughBackend::PassthroughBackend(const core::BackendConfig& config, bool leased)
    : system_(config.system), leased_(leased) {
  framework::Path p;
  p.pattern = framework::MatchAllRegex("path");
  p.fields = {{"path", framework::FieldSchema(framework::FieldType::kString)}};
  p.operations[Operation::kRead] = Bind(this, &PassthroughBackend::Read);
  p.operations[Operation::kCreate] = Bind(this, &PassthroughBackend::Write);
  p.operations[Operation::kUpdate] = Bind(this, &PassthroughBackend::Write);
  p.operations[Operation::kDelete] = Bind(this, &PassthroughBackend::Delete);
  p.operations[Operation::kList] = Bind(this, &PassthroughBackend::List);
  p.existence_check = Bind(this, &PassthroughBackend::Exists);
  p.help_synopsis =
      "Pass-through secret storage to the storage backend, allowing you to read/write "
      "arbitrary data into secret storage.";
  AddPaths({std::move(p)});
}

Result<bool> PassthroughBackend::Exists(core::Request& req, framework::FieldData& d) {
  const std::string key = d.GetString("path");
  if (key.empty()) return false;
  COFFER_ASSIGN_OR_RETURN(auto raw, req.storage->Get(key));
  return raw.has_value();
}

Result<core::Response> PassthroughBackend::Read(core::Request& req, framework::FieldData& d) {
  const std::string key = d.GetString("path");
  if (key.empty()) return NoResponse();
  COFFER_ASSIGN_OR_RETURN(auto raw, req.storage->Get(key));
  if (!raw) return NoResponse();
  auto data = ParseJson(*raw);
  if (!data || !data->is_object()) return Err(Corruption("json decoding failed"));
  core::Response r = core::Response::WithData(*data);
  r.secret.emplace();
  r.secret->ttl = TtlHint(*data, system_);
  r.secret->renewable = leased_;
  return r;
}

Result<core::Response> PassthroughBackend::RenewLease(core::Request& req) {
  if (!leased_) return Err(Unsupported("lease renewal is not supported by this backend"));
  // The TTL hint of the secret as it is now (Vault's leased passthrough re-reads it).
  const std::string key = req.path;
  COFFER_ASSIGN_OR_RETURN(auto raw, req.storage->Get(key));
  if (!raw) return Err(InvalidArgument("secret has been deleted"));
  auto data = ParseJson(*raw);
  core::Response r;
  r.secret.emplace();
  r.secret->ttl = data && data->is_object() ? TtlHint(*data, system_) : std::chrono::seconds(0);
  r.secret->renewable = true;
  return r;
}

Result<core::Response> PassthroughBackend::Write(core::Request& req, framework::FieldData& d) {
  const std::string key = d.GetString("path");
  if (key.empty()) return Err(InvalidArgument("missing path"));
  if (!req.data.is_object() || req.data.empty()) return Err(InvalidArgument("missing data fields"));
  COFFER_RETURN_IF_ERROR(req.storage->Put(key, req.data.dump()));
  return core::Response();
}

Result<core::Response> PassthroughBackend::Delete(core::Request& req, framework::FieldData& d) {
  const std::string key = d.GetString("path");
  if (key.empty()) return core::Response();
  COFFER_RETURN_IF_ERROR(req.storage->Delete(key));
  return core::Response();
}

Result<core::Response> PassthroughBackend::List(core::Request& req, framework::FieldData& d) {
  COFFER_ASSIGN_OR_RETURN(auto keys, req.storage->List(AsFolder(d.GetString("path"))));
  return core::Response::ListResponse(std::move(keys));
}

}  // namespace coffer::engines::kv
