#pragma once
// The one registry of pluggable components by type name: secrets engines, auth methods,
// audit devices and (as their issue lands) seals. Built-ins are registered explicitly
// at start-up (engines::RegisterBuiltins, auth::RegisterBuiltins) — no static
// initialisers, so nothing is silently dropped by the linker.
//
// Thread-safety: registration happens before the server starts; lookups are then
// read-only and safe from any thread.

#include <map>
#include <string>
#include <vector>

#include "core/audit.h"
#include "core/backend.h"

namespace coffer::core {

class Registry {
 public:
  void RegisterSecretsEngine(const std::string& type, BackendFactory factory);
  void RegisterAuthMethod(const std::string& type, BackendFactory factory);
  void RegisterAuditDevice(const std::string& type, AuditFactory factory);

  // nullptr when the type is unknown.
  const BackendFactory* FindSecretsEngine(const std::string& type) const;
  const BackendFactory* FindAuthMethod(const std::string& type) const;
  const AuditFactory* FindAuditDevice(const std::string& type) const;

  std::vector<std::string> SecretsEngineTypes() const;
  std::vector<std::string> AuthMethodTypes() const;

 private:
  std::map<std::string, BackendFactory> engines_;
  std::map<std::string, BackendFactory> auth_methods_;
  std::map<std::string, AuditFactory> audit_devices_;
};

}  // namespace coffer::core
