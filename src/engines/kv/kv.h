#pragma once
// The "kv" secrets engine type: one factory that builds Vault's K/V version 1
// (PassthroughBackend) or version 2 (VersionedBackend) from the mount option "version"
// ("1" or absent → v1, "2" → v2; anything else is InvalidArgument).
//
// Vault upgrades a v1 mount in place when it is tuned to version 2; Coffer does not (yet):
// a v2 backend over v1 data sees no keys. See README.md.

#include <memory>

#include "core/backend.h"

namespace coffer::engines::kv {

Result<std::unique_ptr<core::Backend>> Factory(const core::BackendConfig& config);

// Vault's LeasedPassthroughBackendFactory (`-dev-leased-kv`): every "kv" mount is a
// version 1 store whose reads are renewable leases.
Result<std::unique_ptr<core::Backend>> LeasedFactory(const core::BackendConfig& config);

}  // namespace coffer::engines::kv
