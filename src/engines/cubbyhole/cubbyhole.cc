#include "engines/cubbyhole/cubbyhole.h"

#include <functional>

#include "framework/backend.h"
#include "storage/backend.h"

namespace coffer::engines::cubbyhole {

namespace {

// Whose cubbyhole: Core's per-token cubbyhole id (the token's storage hash, also known when
// the token is revoked by accessor), or the token itself when no token info is attached.
const std::string& Owner(const core::Request& req) {
  if (req.token && !req.token->cubbyhole_id.empty()) return req.token->cubbyhole_id;
  return req.client_token;
}

using core::Operation;

// "Nothing here": 404 with an empty error list, as Vault answers a read with no response.
tl::unexpected<Status> NoResponse() { return Err(NotFound("")); }

// Ops per storage batch when clearing a cubbyhole.
constexpr size_t kDeleteBatchSize = 256;

std::string Folder(std::string path) {
  if (!path.empty() && path.back() != '/') path += '/';
  return path;
}

class CubbyholeBackend final : public framework::Backend {
 public:
  CubbyholeBackend() {
    framework::Path p;
    p.pattern = ".*";
    p.operations[Operation::kRead] = Bind(&CubbyholeBackend::Read);
    p.operations[Operation::kCreate] = Bind(&CubbyholeBackend::Write);
    p.operations[Operation::kUpdate] = Bind(&CubbyholeBackend::Write);
    p.operations[Operation::kDelete] = Bind(&CubbyholeBackend::Delete);
    p.operations[Operation::kList] = Bind(&CubbyholeBackend::List);
    p.existence_check = Bind(&CubbyholeBackend::Exists);
    p.help_synopsis =
        "Pass-through secret storage to a token-specific cubbyhole in the storage backend, "
        "allowing you to read/write arbitrary data into secret storage.";
    AddPaths({std::move(p)});
  }

 private:
  template <class R>
  std::function<R(core::Request&, framework::FieldData&)> Bind(
      R (CubbyholeBackend::*method)(core::Request&)) {
    return
        [this, method](core::Request& req, framework::FieldData&) { return (this->*method)(req); };
  }

  // The storage key of the request's path in the requesting token's cubbyhole.
  static Result<std::string> Key(const core::Request& req) {
    if (req.client_token.empty()) return Err(InvalidArgument("client token empty"));
    return CubbyholeFolder(Owner(req)) + req.path;
  }

  Result<bool> Exists(core::Request& req) {
    if (req.path.empty()) return false;
    COFFER_ASSIGN_OR_RETURN(std::string key, Key(req));
    COFFER_ASSIGN_OR_RETURN(auto raw, req.storage->Get(key));
    return raw.has_value();
  }

  Result<core::Response> Read(core::Request& req) {
    COFFER_ASSIGN_OR_RETURN(std::string key, Key(req));
    if (req.path.empty()) return NoResponse();
    COFFER_ASSIGN_OR_RETURN(auto raw, req.storage->Get(key));
    if (!raw) return NoResponse();
    auto data = ParseJson(*raw);
    if (!data || !data->is_object()) return Err(Corruption("json decoding failed"));
    return core::Response::WithData(std::move(*data));
  }

  Result<core::Response> Write(core::Request& req) {
    COFFER_ASSIGN_OR_RETURN(std::string key, Key(req));
    if (req.path.empty()) return Err(InvalidArgument("missing path"));
    if (!req.data.is_object() || req.data.empty())
      return Err(InvalidArgument("missing data fields"));
    COFFER_RETURN_IF_ERROR(req.storage->Put(key, req.data.dump()));
    return core::Response();
  }

  Result<core::Response> Delete(core::Request& req) {
    COFFER_ASSIGN_OR_RETURN(std::string key, Key(req));
    if (req.path.empty()) return core::Response();
    COFFER_RETURN_IF_ERROR(req.storage->Delete(key));
    return core::Response();
  }

  Result<core::Response> List(core::Request& req) {
    if (req.client_token.empty()) return Err(InvalidArgument("client token empty"));
    std::string prefix = CubbyholeFolder(Owner(req)) + Folder(req.path);
    COFFER_ASSIGN_OR_RETURN(auto keys, req.storage->List(prefix));
    return core::Response::ListResponse(std::move(keys));
  }
};

// Appends every key under `folder` (recursively) to `out`.
Status CollectKeys(storage::Backend& view, const std::string& folder,
                   std::vector<std::string>* out) {
  auto entries = view.List(folder);
  if (!entries) return entries.error();
  for (const auto& name : *entries) {
    if (!name.empty() && name.back() == '/') {
      Status st = CollectKeys(view, folder + name, out);
      if (!st.ok()) return st;
    } else {
      out->push_back(folder + name);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<core::Backend>> Factory(const core::BackendConfig&) {
  auto backend = std::make_unique<CubbyholeBackend>();
  COFFER_RETURN_IF_ERROR(backend->Initialize());
  return std::unique_ptr<core::Backend>(std::move(backend));
}

Status DestroyCubbyhole(storage::Backend& view, const std::string& token) {
  if (token.empty()) return InvalidArgument("client token empty during revocation");
  std::vector<std::string> keys;
  Status st = CollectKeys(view, CubbyholeFolder(token), &keys);
  if (!st.ok()) return st;
  for (size_t i = 0; i < keys.size(); i += kDeleteBatchSize) {
    std::vector<storage::Op> ops;
    for (size_t j = i; j < keys.size() && j < i + kDeleteBatchSize; ++j)
      ops.push_back(storage::Op::Delete(keys[j]));
    st = view.Batch(ops);
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

}  // namespace coffer::engines::cubbyhole
