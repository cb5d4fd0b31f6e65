#include "audit/builtins.h"

#include "audit/file/file_device.h"
#include "audit/socket/socket_device.h"
#include "audit/syslog/syslog_device.h"
#include "core/registry.h"

namespace coffer::audit {

void RegisterBuiltins(core::Registry& registry) {
  registry.RegisterAuditDevice("file", NewFileDevice);
  registry.RegisterAuditDevice("syslog", NewSyslogDevice);
  registry.RegisterAuditDevice("socket", NewSocketDevice);
}

}  // namespace coffer::audit
