#pragma once
// Registers every built-in auth method's factory with the registry, by type name:
// "userpass". Called once at start-up, before the server serves requests.

namespace coffer::core {
class Registry;
}

namespace coffer::auth {

void RegisterBuiltins(core::Registry& registry);

}  // namespace coffer::auth
