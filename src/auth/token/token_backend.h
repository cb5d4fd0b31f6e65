#pragma once
// The token auth method mounted at "auth/token/" (Vault's vault/token_store.go paths):
// create, create-orphan, lookup, lookup-self, lookup-accessor, renew, renew-self,
// renew-accessor, revoke, revoke-self, revoke-accessor, revoke-orphan, accessors, tidy.
// Tokens themselves live in Core's TokenStore; this backend applies Vault's rules for who
// may create what (policy subsets, sudo-only options, TTL limits) and shapes responses.

#include <memory>

#include "base/status.h"
#include "core/backend.h"

namespace coffer::core {
class CoreImpl;
}

namespace coffer::auth::token {

// Builds the auth/token/ backend for `core` (CoreOptions::token_backend_factory). The
// backend keeps a reference to `core`, which must outlive it.
Result<std::unique_ptr<core::Backend>> NewTokenBackend(core::CoreImpl& core);

}  // namespace coffer::auth::token
