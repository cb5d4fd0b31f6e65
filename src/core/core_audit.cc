// CoreImpl audit table: load on activation, enable, disable, list, hash, reload, and the
// per-device salt kept in the barrier. Layout (see README.md):
//   core/audit              {"type": "audit", "entries": [AuditEntry::ToJson(), ...]}
//   audit/<uuid>/salt       the device's 32-byte HMAC key, raw
#include <algorithm>

#include "base/log.h"
#include "core/core_impl.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace coffer::core {

namespace {

constexpr char kAuditTablePath[] = "core/audit";
constexpr size_t kSaltBytes = 32;

std::string SaltPath(const std::string& uuid) { return "audit/" + uuid + "/salt"; }

}  // namespace

Result<std::shared_ptr<AuditBackend>> CoreImpl::NewAuditBackend(const AuditEntry& entry,
                                                                SecretBytes salt) {
  const AuditFactory* factory =
      options_.registry ? options_.registry->FindAuditDevice(entry.type) : nullptr;
  if (factory == nullptr)
    return Err(InvalidArgument("unknown backend type: \"" + entry.type + "\""));
  auto b = std::make_shared<AuditBackend>();
  b->entry = entry;
  b->salt = std::move(salt);
  AuditDeviceConfig cfg;
  cfg.path = entry.path;
  cfg.type = entry.type;
  cfg.description = entry.description;
  cfg.options = entry.options;
  cfg.local = entry.local;
  cfg.salt = &b->salt;
  COFFER_ASSIGN_OR_RETURN(b->device, (*factory)(cfg));
  if (!b->device) return Err(Internal("audit backend factory returned nothing"));
  return b;
}

Result<SecretBytes> CoreImpl::LoadAuditSalt(const std::string& uuid) {
  COFFER_ASSIGN_OR_RETURN(auto raw, barrier_.Get(SaltPath(uuid)));
  if (raw && raw->size() == kSaltBytes) return SecretBytes::FromString(*raw);
  // A table entry without its salt (written by a crash between the two puts): a new salt.
  log::Warn("audit", "audit device salt missing; generating a new one", {{"uuid", uuid}});
  COFFER_ASSIGN_OR_RETURN(SecretBytes salt, crypto::RandomBytes(random_, kSaltBytes));
  COFFER_RETURN_IF_ERROR(barrier_.Put(SaltPath(uuid), salt.view()));
  return salt;
}

Status CoreImpl::LoadAuditTable() {
  std::lock_guard<std::mutex> l(audit_mu_);
  COFFER_ASSIGN_OR_RETURN(auto raw, barrier_.Get(kAuditTablePath));
  std::vector<AuditEntry> entries;
  if (raw) {
    auto j = ParseJson(*raw);
    if (!j || !j->contains("entries") || !(*j)["entries"].is_array())
      return Corruption("malformed core/audit");
    for (const auto& ej : (*j)["entries"]) {
      COFFER_ASSIGN_OR_RETURN(AuditEntry e, AuditEntry::FromJson(ej));
      entries.push_back(std::move(e));
    }
  }
  // As Vault's setupAudits: a device that cannot start is logged and skipped, but when
  // devices are configured and none starts the node refuses to unseal / become active
  // (failing closed: every request would be refused anyway).
  AuditBroker::DeviceSet devices;
  for (const auto& e : entries) {
    auto salt = LoadAuditSalt(e.uuid);
    if (!salt) return salt.error();
    auto b = NewAuditBackend(e, std::move(*salt));
    if (!b) {
      log::Error("audit", "failed to create audit entry",
                 {{"path", e.path}, {"error", b.error().message()}});
      continue;
    }
    devices.push_back(std::move(*b));
  }
  if (!entries.empty() && devices.empty()) return Internal("failed to setup audit table");
  audit_entries_ = std::move(entries);
  audit_.Set(std::move(devices));
  return Status::Ok();
}

void CoreImpl::TeardownAudit() {
  std::lock_guard<std::mutex> l(audit_mu_);
  audit_.Clear();
  audit_entries_.clear();
}

Status CoreImpl::PersistAuditTable(const std::vector<AuditEntry>& entries) {
  Json j = {{"type", "audit"}, {"entries", Json::array()}};
  for (const auto& e : entries) j["entries"].push_back(e.ToJson());
  return barrier_.Put(kAuditTablePath, j.dump());
}

Status CoreImpl::EnableAudit(AuditEntry entry) {
  if (!entry.path.empty() && entry.path.back() != '/') entry.path += '/';
  if (entry.path.empty() || entry.path == "/")
    return InvalidArgument("backend path must be specified");
  if (entry.type.empty()) return InvalidArgument("backend type must be specified");
  std::lock_guard<std::mutex> l(audit_mu_);
  for (const auto& e : audit_entries_) {
    if (e.path.rfind(entry.path, 0) == 0 || entry.path.rfind(e.path, 0) == 0)
      return InvalidArgument("path already in use");
  }
  if (options_.registry == nullptr || !options_.registry->FindAuditDevice(entry.type))
    return InvalidArgument("unknown backend type: \"" + entry.type + "\"");
  COFFER_ASSIGN_OR_RETURN(entry.uuid, crypto::GenerateUuid(random_));
  COFFER_ASSIGN_OR_RETURN(SecretBytes rnd, crypto::RandomBytes(random_, 4));
  entry.accessor = "audit_" + entry.type + "_" + crypto::HexEncode(rnd.view());
  COFFER_ASSIGN_OR_RETURN(SecretBytes salt, crypto::RandomBytes(random_, kSaltBytes));
  auto backend = NewAuditBackend(entry, salt.Clone());
  if (!backend) return InvalidArgument(backend.error().message());
  // As Vault: a test entry first, so a device that cannot write (a socket nobody listens
  // on, a full disk) is refused here rather than refusing every request once enabled.
  Request probe;
  probe.operation = Operation::kUpdate;
  probe.path = "sys/audit/test";
  AuditInput test;
  test.request = &probe;
  test.time = clock_.Now();
  if (Status st = (*backend)->device->LogRequest(test); !st.ok())
    return InvalidArgument("audit backend failed test message: " + st.message());
  // The salt first: a table entry is never without its salt.
  COFFER_RETURN_IF_ERROR(barrier_.Put(SaltPath(entry.uuid), salt.view()));
  std::vector<AuditEntry> next = audit_entries_;
  next.push_back(entry);
  Status st = PersistAuditTable(next);
  if (!st.ok()) {
    (void)barrier_.Delete(SaltPath(entry.uuid));
    return st;
  }
  audit_entries_ = std::move(next);
  AuditBroker::DeviceSet devices = *audit_.Devices();
  devices.push_back(std::move(*backend));
  audit_.Set(std::move(devices));
  log::Info("audit", "enabled audit backend", {{"path", entry.path}, {"type", entry.type}});
  return Status::Ok();
}

Result<bool> CoreImpl::DisableAudit(const std::string& path_in) {
  std::string path = path_in;
  if (!path.empty() && path.back() != '/') path += '/';
  std::lock_guard<std::mutex> l(audit_mu_);
  auto it = std::find_if(audit_entries_.begin(), audit_entries_.end(),
                         [&](const AuditEntry& e) { return e.path == path; });
  if (it == audit_entries_.end()) return false;
  AuditEntry removed = *it;
  std::vector<AuditEntry> next = audit_entries_;
  next.erase(next.begin() + (it - audit_entries_.begin()));
  COFFER_RETURN_IF_ERROR(PersistAuditTable(next));
  audit_entries_ = std::move(next);
  AuditBroker::DeviceSet devices = *audit_.Devices();
  devices.erase(std::remove_if(devices.begin(), devices.end(),
                               [&](const auto& d) { return d->entry.path == path; }),
                devices.end());
  audit_.Set(std::move(devices));
  Status st = barrier_.Delete(SaltPath(removed.uuid));
  if (!st.ok())
    log::Warn("audit", "failed to delete a disabled device's salt", {{"error", st.message()}});
  log::Info("audit", "disabled audit backend", {{"path", path}});
  return true;
}

std::vector<AuditEntry> CoreImpl::ListAudit() {
  std::lock_guard<std::mutex> l(audit_mu_);
  return audit_entries_;
}

Result<std::string> CoreImpl::AuditHash(const std::string& path, std::string_view input) {
  return audit_.Hash(path, input);
}

Status CoreImpl::ReloadAudit() { return audit_.Reload(); }

}  // namespace coffer::core
