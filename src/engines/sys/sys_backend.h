#pragma once
// The system backend mounted at "sys/": mount tables (sys/mounts, sys/auth, sys/remount),
// ACL policies (sys/policy, sys/policies/acl), capabilities, the UI mount listing used
// by the CLI's KV preflight (sys/internal/ui/mounts), barrier key status and rotation,
// host information and tools/hash. Mirrors Vault's vault/logical_system.go.
//
// Endpoints answered while sealed (init, seal-status, unseal, health, leader) are not
// here: http/ answers them directly against Core.

#include <memory>

#include "base/status.h"
#include "core/backend.h"

namespace coffer::core {
class CoreImpl;
}

namespace coffer::engines::sys {

// Builds the sys/ backend for `core` (CoreOptions::system_backend_factory). The backend
// keeps a reference to `core`, which must outlive it.
Result<std::unique_ptr<core::Backend>> NewSystemBackend(core::CoreImpl& core);

}  // namespace coffer::engines::sys
