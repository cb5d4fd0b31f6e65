#pragma once
// The shared half of every audit device: formatting (format.h) and the failure report.
// A concrete device only says how one complete line is written (WriteLine).
//
// Thread-safety: LogRequest/LogResponse format outside any lock (the formatter is
// immutable) and then call WriteLine, which each device serialises itself.

#include <string>
#include <string_view>

#include "audit/format.h"
#include "core/audit.h"

namespace coffer::audit {

// The formatter for `config` (its format options and salt).
Result<EntryFormatter> MakeFormatter(const core::AuditDeviceConfig& config);

// The option's value, or `fallback` when absent.
std::string OptionOr(const core::AuditDeviceConfig& config, const char* key, std::string fallback);

class LineDevice : public core::AuditDevice {
 public:
  Status LogRequest(const core::AuditInput& in) final;
  Status LogResponse(const core::AuditInput& in) final;
  std::string Hash(std::string_view input) const final { return formatter_.Hash(input); }

 protected:
  LineDevice(const core::AuditDeviceConfig& config, EntryFormatter formatter)
      : path_(config.path), type_(config.type), formatter_(std::move(formatter)) {}

  // Writes one whole entry line; not ok if it was not written completely. Called
  // concurrently: implementations serialise their writes.
  virtual Status WriteLine(std::string_view line) = 0;

  // Logs a warning naming the device and the error (never the entry) and returns `st`.
  Status Report(Status st) const;

 private:
  std::string path_;
  std::string type_;
  EntryFormatter formatter_;
};

}  // namespace coffer::audit
