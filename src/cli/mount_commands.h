#pragma once
// `secrets list|tune` and `auth list|tune` are the same commands over two mount tables;
// MountKind holds what differs (API path and wording).

#include <string>
#include <vector>

#include "cli/io.h"

namespace coffer::cli {

struct MountKind {
  bool auth = false;
  const char* api_path;    // "sys/mounts" or "sys/auth"
  const char* noun;        // "secrets engine" or "auth method"
  const char* list_error;  // Vault's wording for a failed list
};

int RunMountList(Io& io, const std::vector<std::string>& args, const MountKind& kind,
                 const std::string& usage);
int RunMountTune(Io& io, const std::vector<std::string>& args, const MountKind& kind,
                 const std::string& usage);

}  // namespace coffer::cli
