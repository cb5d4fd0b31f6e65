#include "auth/builtins.h"

#include "auth/approle/approle.h"
#include "auth/userpass/userpass.h"
#include "core/registry.h"

namespace coffer::auth {

void RegisterBuiltins(core::Registry& registry) {
  registry.RegisterAuthMethod("userpass", userpass::Factory);
  registry.RegisterAuthMethod("approle", approle::Factory);
}

}  // namespace coffer::auth
