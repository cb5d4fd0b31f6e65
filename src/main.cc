// The coffer binary: `coffer server ...` runs the daemon; every other command is a
// client of the HTTP API (cli/), which links no server code.
#include <cstring>

#include "cli/cli.h"
#include "server/server.h"

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "server") == 0)
    return coffer::server::Main(argc - 1, argv + 1);
  return coffer::cli::Main(argc, argv);
}
