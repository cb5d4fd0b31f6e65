#pragma once
// `coffer server`: loads the configuration (or sets up dev mode), opens storage, builds
// the core with every built-in engine and auth method, starts the HTTP listeners and
// serves until SIGINT/SIGTERM. SIGHUP reloads TLS certificates and the log level.
// This is the only module that wires config/, storage/, core/, engines/, auth/ and http/
// together.

namespace coffer::server {

// argv[0] is "server". Returns the process exit code.
int Main(int argc, char** argv);

}  // namespace coffer::server
