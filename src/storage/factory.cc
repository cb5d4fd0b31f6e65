#include "storage/factory.h"

#include "storage/inmem/inmem.h"
#include "storage/lmdb/lmdb.h"
#include "storage/raft/node.h"

namespace coffer::storage {
namespace {

Result<std::string> RequiredPath(std::string_view type,
                                 const std::map<std::string, std::string>& options) {
  auto it = options.find("path");
  if (it == options.end() || it->second.empty()) {
    return Err(InvalidArgument("storage \"" + std::string(type) + "\": missing \"path\""));
  }
  return it->second;
}

Result<std::unique_ptr<Backend>> OpenLmdb(const std::string& dir) {
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<LmdbBackend> db, LmdbBackend::Open(dir, LmdbOptions{}));
  return std::unique_ptr<Backend>(std::move(db));
}

}  // namespace

Result<std::unique_ptr<Backend>> NewBackend(std::string_view type,
                                            const std::map<std::string, std::string>& options) {
  if (type == "inmem") return std::unique_ptr<Backend>(std::make_unique<InmemBackend>());
  if (type == "file") {
    COFFER_ASSIGN_OR_RETURN(std::string path, RequiredPath(type, options));
    return OpenLmdb(path);
  }
  if (type == "raft") {
    // Integrated storage: the Raft write-ahead log (path/wal) and the LMDB state machine
    // (path/fsm). A single voter until the cluster transport lands (issue 3).
    COFFER_ASSIGN_OR_RETURN(std::string path, RequiredPath(type, options));
    raft::NodeOptions node;
    int multiplier = 1;
    if (auto it = options.find("performance_multiplier");
        it != options.end() && !it->second.empty()) {
      try {
        multiplier = std::stoi(it->second);
      } catch (...) {
        return Err(InvalidArgument("storage \"raft\": invalid performance_multiplier \"" +
                                   it->second + "\""));
      }
      if (multiplier < 0 || multiplier > 10)
        return Err(InvalidArgument("storage \"raft\": performance_multiplier must be 0..10"));
      if (multiplier == 0) multiplier = 1;
    }
    node.tick_interval = std::chrono::milliseconds(100 * multiplier);
    // Raft replays applies lost in a crash from the WAL, so the state machine need not
    // fsync its own commits; the WAL's fdatasync is the durability point.
    node.fsm_no_sync = true;
    COFFER_ASSIGN_OR_RETURN(std::unique_ptr<raft::RaftBackend> db,
                            raft::RaftBackend::Open(path, node));
    return std::unique_ptr<Backend>(std::move(db));
  }
  return Err(InvalidArgument("unknown storage type \"" + std::string(type) + "\""));
}

}  // namespace coffer::storage
