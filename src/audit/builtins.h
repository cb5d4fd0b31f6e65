#pragma once
// Registers every built-in audit device's factory with the registry, by type name:
// "file", "syslog", "socket". Called once at start-up, before the server serves requests.

namespace coffer::core {
class Registry;
}

namespace coffer::audit {

void RegisterBuiltins(core::Registry& registry);

}  // namespace coffer::audit
