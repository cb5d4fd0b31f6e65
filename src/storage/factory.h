#pragma once
// NewBackend: the storage backend named by the server configuration's `storage "<type>"`
// stanza, built from that stanza's options.
//
//   "inmem"  in memory; no options.
//   "file"   LmdbBackend in options["path"] (required).
//   "raft"   for now a single-node LmdbBackend in options["path"] + "/coffer.db"
//            (required "path"); the integrated Raft store replaces it later.
//
// Options a type does not use are ignored, as Vault ignores them.

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "storage/backend.h"

namespace coffer::storage {

Result<std::unique_ptr<Backend>> NewBackend(std::string_view type,
                                            const std::map<std::string, std::string>& options);

}  // namespace coffer::storage
