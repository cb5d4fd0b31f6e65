#include "core/audit_broker.h"

#include "base/log.h"
#include "telemetry/metrics.h"

namespace coffer::core {

Json AuditEntry::ToJson() const {
  return Json{{"path", path},   {"type", type}, {"description", description}, {"options", options},
              {"local", local}, {"uuid", uuid}, {"accessor", accessor}};
}

Result<AuditEntry> AuditEntry::FromJson(const Json& j) {
  if (!j.is_object() || !j.contains("path") || !j["path"].is_string() || !j.contains("type") ||
      !j["type"].is_string())
    return Err(Corruption("malformed audit table entry"));
  AuditEntry e;
  e.path = j["path"].get<std::string>();
  e.type = j["type"].get<std::string>();
  e.description = j.value("description", "");
  e.local = j.value("local", false);
  e.uuid = j.value("uuid", "");
  e.accessor = j.value("accessor", "");
  if (j.contains("options") && j["options"].is_object()) {
    for (const auto& [k, v] : j["options"].items())
      if (v.is_string()) e.options[k] = v.get<std::string>();
  }
  return e;
}

Json AuditEntry::ToApiJson() const {
  return Json{{"type", type},
              {"description", description},
              {"options", options.empty() ? Json::object() : Json(options)},
              {"local", local},
              {"path", path}};
}

AuditBroker::AuditBroker() { devices_.store(std::make_shared<const DeviceSet>()); }

void AuditBroker::Set(DeviceSet devices) {
  size_t n = devices.size();
  devices_.store(std::make_shared<const DeviceSet>(std::move(devices)));
  count_.store(n, std::memory_order_release);
}

template <class Fn>
Status AuditBroker::LogToAll(const char* what, Fn&& fn) const {
  if (!Enabled()) return Status::Ok();  // the fast path: one atomic load
  auto devices = devices_.load();
  if (devices->empty()) return Status::Ok();
  size_t written = 0;
  Status last;
  for (const auto& d : *devices) {
    Status st = fn(*d->device);
    if (st.ok()) {
      ++written;
      continue;
    }
    // Vault's per-device failure counter: audit.<path>.log_request_failure.
    std::string device = d->entry.path;
    if (!device.empty() && device.back() == '/') device.pop_back();
    telemetry::IncrCounter("audit." + device + ".log_" + what + "_failure");
    log::Warn("audit", std::string("backend failed to log ") + what,
              {{"path", d->entry.path}, {"error", st.message()}});
    last = st;
  }
  // As Vault, the broker-wide failure counter is incremented by 0 or 1 on every entry, so
  // the series exists (and alert rules see it) before the first failure.
  telemetry::IncrCounter(std::string("audit.log_") + what + "_failure", written > 0 ? 0 : 1);
  if (written > 0) return Status::Ok();
  return Internal(std::string("no audit backend succeeded in logging the ") + what + ": " +
                  last.message());
}

Status AuditBroker::LogRequest(const AuditInput& in) const {
  telemetry::ScopedTimer timer("audit.log_request");
  return LogToAll("request", [&](AuditDevice& d) { return d.LogRequest(in); });
}

Status AuditBroker::LogResponse(const AuditInput& in) const {
  telemetry::ScopedTimer timer("audit.log_response");
  return LogToAll("response", [&](AuditDevice& d) { return d.LogResponse(in); });
}

Result<std::string> AuditBroker::Hash(std::string path, std::string_view input) const {
  if (!path.empty() && path.back() != '/') path += '/';
  auto devices = devices_.load();
  for (const auto& d : *devices)
    if (d->entry.path == path) return d->device->Hash(input);
  return Err(InvalidArgument("unknown audit backend " + path));
}

Status AuditBroker::Reload() const {
  auto devices = devices_.load();
  Status result;
  for (const auto& d : *devices) {
    Status st = d->device->Reload();
    if (!st.ok()) {
      log::Error("audit", "failed to reload audit backend",
                 {{"path", d->entry.path}, {"error", st.message()}});
      result = st;
    }
  }
  return result;
}

}  // namespace coffer::core
