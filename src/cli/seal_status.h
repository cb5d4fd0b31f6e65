#pragma once
// The seal status table shared by `status` and `operator unseal` (Vault's
// OutputSealStatus): sys/seal-status merged with sys/leader's HA fields.

#include "base/json.h"
#include "cli/command.h"

namespace coffer::cli {

// Fetches sys/seal-status and sys/leader and prints them in the command's format.
// Returns kExitOk, or an error exit code after printing "<error_prefix>: ...".
// On success *sealed (if given) tells whether the server is sealed.
int PrintSealStatus(BaseCommand& c, api::Client& client, bool* sealed = nullptr);

// The table rows for a merged status object (exposed for tests).
std::string SealStatusTable(const Json& status);

}  // namespace coffer::cli
