#pragma once
// The "file" audit device (Vault's builtin/audit/file). Options:
//   file_path  required ("path" is accepted as Vault's older name); "stdout" writes to
//              standard output, "discard" writes nothing (both in any case)
//   mode       octal permission string, default "0600"; "0000" leaves the mode alone
// plus the formatter options of format.h.
//
// Invariant: every entry is written with one write(2) of the whole line (a short write is
// continued) under mu_, so lines never interleave. The file is opened with
// O_APPEND|O_CREAT|O_CLOEXEC when the device is created (failure refuses the enable) and
// again on Reload (log rotation: after `mv audit.log audit.log.1`, Reload starts a new
// audit.log). Missing parent folders are created (0700). A failed write reopens the file
// once and writes the entry again (as Vault); if a reopen fails, every later write tries
// to open it again and fails until it can.
//
// Thread-safety: all methods may be called concurrently.

#include <memory>

#include "core/audit.h"

namespace coffer::audit {

Result<std::unique_ptr<core::AuditDevice>> NewFileDevice(const core::AuditDeviceConfig& config);

}  // namespace coffer::audit
