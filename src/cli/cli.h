#pragma once
// The `coffer` command line (every command but `server`): a pure HTTP client of the Vault
// API that behaves like the `vault` CLI. See src/cli/README.md.

#include <string>
#include <vector>

#include "cli/io.h"

namespace coffer::cli {

// Entry point from main(): argv[0] is the program name. Uses std::cin/cout/cerr.
// Returns the process exit code (0 ok, 1 local error, 2 remote error, 127 unknown command).
int Main(int argc, char** argv);

// As Main, with the arguments after the program name and injected streams (for tests).
int Run(const std::vector<std::string>& args, Io& io);

// The version string printed by `coffer version`, e.g. "Coffer v0.1.0".
std::string VersionString();

}  // namespace coffer::cli
