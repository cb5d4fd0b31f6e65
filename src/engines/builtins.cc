#include "engines/builtins.h"

#include "core/registry.h"
#include "engines/cubbyhole/cubbyhole.h"
#include "engines/kv/kv.h"

namespace coffer::engines {

void RegisterBuiltins(core::Registry& registry) {
  registry.RegisterSecretsEngine("kv", kv::Factory);
  registry.RegisterSecretsEngine("cubbyhole", cubbyhole::Factory);
}

}  // namespace coffer::engines
