#pragma once
// The "socket" audit device (Vault's builtin/audit/socket). Options:
//   address        required: "host:port" for tcp/udp, a path for unix
//   socket_type    "tcp" (default), "udp" or "unix" (a stream socket)
//   write_timeout  default "2s": bounds the connect and each write
// plus the formatter options of format.h.
//
// The connection is made lazily on the first entry. A write that fails (or a stream
// whose peer has closed it, detected before writing) closes the connection, reconnects
// once and writes again; if that fails too the entry is not logged and an error returned.
//
// Thread-safety: all methods may be called concurrently (writes are serialised).

#include <memory>

#include "core/audit.h"

namespace coffer::audit {

Result<std::unique_ptr<core::AuditDevice>> NewSocketDevice(const core::AuditDeviceConfig& config);

}  // namespace coffer::audit
