#pragma once
// The "approle" auth method, as Vault's builtin/credential/approle: roles (role/<name>
// with a role ID, secret-ID constraints and token_* settings), secret IDs issued against
// a role (generated or custom, looked up and destroyed by value or by accessor), the
// unauthenticated login (role_id + secret_id), token renewal that re-checks the role, and
// tidy/secret-id. See README.md for the storage layout and the invariants.

#include <memory>

#include "core/backend.h"

namespace coffer::auth::approle {

Result<std::unique_ptr<core::Backend>> Factory(const core::BackendConfig& config);

}  // namespace coffer::auth::approle
