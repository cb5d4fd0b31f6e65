#pragma once
// NewBackend: the storage backend named by the server configuration's `storage "<type>"`
// stanza, built from that stanza's options.
//
//   "inmem"  in memory; no options.
//   "file"   LmdbBackend in options["path"] (required).
//   "raft"   integrated storage: a Raft node (raft/node.h) with its WAL in path/wal and
//            its LMDB state machine in path/fsm (required "path"). A cluster needs a
//            transport: the server opens it with OpenRaft; NewBackend("raft") gives a
//            node without one (a single voter once bootstrapped).
//
// Options a type does not use are ignored, as Vault ignores them.

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "storage/backend.h"
#include "storage/raft/node.h"

namespace coffer::storage {

Result<std::unique_ptr<Backend>> NewBackend(std::string_view type,
                                            const std::map<std::string, std::string>& options);

// The Raft node's options from a storage "raft" stanza: performance_multiplier (timing
// scale), snapshot_threshold, trailing_logs, node_id (name), and `address` (this node's
// cluster address, host:port).
Result<raft::NodeOptions> RaftNodeOptions(const std::map<std::string, std::string>& options);

// Opens storage "raft" in options["path"] with `node` (RaftNodeOptions plus a transport).
Result<std::unique_ptr<raft::RaftBackend>> OpenRaft(
    const std::map<std::string, std::string>& options, raft::NodeOptions node);

}  // namespace coffer::storage
