#pragma once
// The "userpass" auth method, as Vault's builtin/credential/userpass: users/<name> with a
// password and token_* settings, users/<name>/password, users/<name>/policies, LIST
// users/, and the unauthenticated login/<name>. Renewal (RenewLease) re-checks that the
// user still exists with unchanged policies. See README.md for the storage layout and
// the password hash.

#include <memory>

#include "core/backend.h"

namespace coffer::auth::userpass {

Result<std::unique_ptr<core::Backend>> Factory(const core::BackendConfig& config);

}  // namespace coffer::auth::userpass
