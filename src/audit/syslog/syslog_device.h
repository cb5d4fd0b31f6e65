#pragma once
// The "syslog" audit device (Vault's builtin/audit/syslog). Options:
//   facility  default "AUTH" (KERN, USER, MAIL, DAEMON, AUTH, SYSLOG, LPR, NEWS, UUCP,
//             CRON, AUTHPRIV, FTP, LOCAL0..LOCAL7; any case)
//   tag       default "vault"
//   address   Coffer extension, not in Vault: where to send instead of the local
//             syslog socket /dev/log: "host:port" (UDP) or a unix datagram socket path
// plus the formatter options of format.h.
//
// Each entry is one RFC 3164 datagram at severity INFO:
//   <PRI>Mmm dd hh:mm:ss host tag[pid]: <entry>
// The socket is connected when the device is created (failure refuses the enable); a failed
// send reconnects once and retries, then returns an error.
//
// Thread-safety: all methods may be called concurrently (sends are serialised).

#include <memory>

#include "core/audit.h"

namespace coffer::audit {

Result<std::unique_ptr<core::AuditDevice>> NewSyslogDevice(const core::AuditDeviceConfig& config);

}  // namespace coffer::audit
