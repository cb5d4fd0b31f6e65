#pragma once
// Registers every built-in secrets engine's factory with the registry, by type name:
// "kv" (version 1 or 2 by the mount option "version") and "cubbyhole". Called once at
// start-up, before the server serves requests.

namespace coffer::core {
class Registry;
}

namespace coffer::engines {

void RegisterBuiltins(core::Registry& registry);

}  // namespace coffer::engines
