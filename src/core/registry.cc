#include "core/registry.h"

namespace coffer::core {

void Registry::RegisterSecretsEngine(const std::string& type, BackendFactory factory) {
  engines_[type] = std::move(factory);
}

void Registry::RegisterAuthMethod(const std::string& type, BackendFactory factory) {
  auth_methods_[type] = std::move(factory);
}

void Registry::RegisterAuditDevice(const std::string& type, AuditFactory factory) {
  audit_devices_[type] = std::move(factory);
}

const AuditFactory* Registry::FindAuditDevice(const std::string& type) const {
  auto it = audit_devices_.find(type);
  return it == audit_devices_.end() ? nullptr : &it->second;
}

const BackendFactory* Registry::FindSecretsEngine(const std::string& type) const {
  auto it = engines_.find(type);
  return it == engines_.end() ? nullptr : &it->second;
}

const BackendFactory* Registry::FindAuthMethod(const std::string& type) const {
  auto it = auth_methods_.find(type);
  return it == auth_methods_.end() ? nullptr : &it->second;
}

std::vector<std::string> Registry::SecretsEngineTypes() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : engines_) out.push_back(k);
  return out;
}

std::vector<std::string> Registry::AuthMethodTypes() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : auth_methods_) out.push_back(k);
  return out;
}

}  // namespace coffer::core
