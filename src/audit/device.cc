#include "audit/device.h"

#include "base/log.h"

namespace coffer::audit {

Result<EntryFormatter> MakeFormatter(const core::AuditDeviceConfig& config) {
  COFFER_ASSIGN_OR_RETURN(FormatOptions options, ParseFormatOptions(config.options));
  return EntryFormatter::Create(options, config.salt);
}

std::string OptionOr(const core::AuditDeviceConfig& config, const char* key, std::string fallback) {
  auto it = config.options.find(key);
  return it == config.options.end() ? std::move(fallback) : it->second;
}

Status LineDevice::LogRequest(const core::AuditInput& in) {
  Status st = WriteLine(formatter_.FormatRequest(in));
  return st.ok() ? st : Report(std::move(st));
}

Status LineDevice::LogResponse(const core::AuditInput& in) {
  Status st = WriteLine(formatter_.FormatResponse(in));
  return st.ok() ? st : Report(std::move(st));
}

Status LineDevice::Report(Status st) const {
  log::Warn("audit", "audit device failed to write an entry",
            {{"path", path_}, {"type", type_}, {"error", st.message()}});
  return st;
}

}  // namespace coffer::audit
