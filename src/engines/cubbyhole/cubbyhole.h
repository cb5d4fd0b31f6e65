#pragma once
// The "cubbyhole" secrets engine: private storage per token, as Vault's cubbyhole. Every
// path of a request lives under a folder named for the requesting token —
// hex(SHA-256(owner)), where the owner is Core's cubbyhole id for the token (its storage
// hash) — of the mount's storage, so one token can never name
// another's entries; the plaintext token never reaches storage. Values are JSON objects
// stored as-is (like K/V version 1, without TTL hints).
//
// The token store calls DestroyCubbyhole with the same owner id when a token is revoked
// (by id, by accessor, or as part of a revoked tree).
//
// Thread-safety: stateless; safe for concurrent use (each operation is one storage call).

#include <memory>
#include <string>

#include "core/backend.h"
#include "core/logical.h"

namespace coffer::storage {
class Backend;
}

namespace coffer::engines::cubbyhole {

Result<std::unique_ptr<core::Backend>> Factory(const core::BackendConfig& config);

// The folder of a token's cubbyhole in the mount's storage is core::CubbyholeFolder.
using core::CubbyholeFolder;

// Deletes every entry of `token`'s cubbyhole from the cubbyhole mount's storage `view`.
// Ok when the cubbyhole is empty.
Status DestroyCubbyhole(storage::Backend& view, const std::string& token);

}  // namespace coffer::engines::cubbyhole
