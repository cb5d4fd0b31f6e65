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

Result<uint64_t> UintOption(const std::map<std::string, std::string>& options,
                            const std::string& name, uint64_t fallback, uint64_t min,
                            uint64_t max) {
  auto it = options.find(name);
  if (it == options.end() || it->second.empty()) return fallback;
  uint64_t n = 0;
  try {
    size_t used = 0;
    n = std::stoull(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument(name);
  } catch (...) {
    return Err(InvalidArgument("storage \"raft\": invalid " + name + " \"" + it->second + "\""));
  }
  if (n < min || n > max) {
    return Err(InvalidArgument("storage \"raft\": " + name + " must be " + std::to_string(min) +
                               ".." + std::to_string(max)));
  }
  return n;
}

}  // namespace

Result<raft::NodeOptions> RaftNodeOptions(const std::map<std::string, std::string>& options) {
  raft::NodeOptions node;
  COFFER_ASSIGN_OR_RETURN(uint64_t multiplier,
                          UintOption(options, "performance_multiplier", 1, 0, 10));
  if (multiplier == 0) multiplier = 1;
  // Vault scales its Raft timings by performance_multiplier (5 by default there; 1 here,
  // the production setting). A tick of 50ms × multiplier, elections after 10–20
  // ticks without a leader, heartbeats every tick.
  node.tick_interval = std::chrono::milliseconds(50 * multiplier);
  node.election_tick = 10;
  node.heartbeat_tick = 1;
  COFFER_ASSIGN_OR_RETURN(node.snapshot_threshold,
                          UintOption(options, "snapshot_threshold", 8192, 1, 1ull << 40));
  COFFER_ASSIGN_OR_RETURN(node.trailing_logs,
                          UintOption(options, "trailing_logs", 10000, 0, 1ull << 40));
  if (auto it = options.find("node_id"); it != options.end()) node.name = it->second;
  if (auto it = options.find("address"); it != options.end()) node.address = it->second;
  // Raft replays applies lost in a crash from the WAL, so the state machine need not
  // fsync its own commits; the WAL's fdatasync is the durability point.
  node.fsm_no_sync = true;
  return node;
}

Result<std::unique_ptr<raft::RaftBackend>> OpenRaft(
    const std::map<std::string, std::string>& options, raft::NodeOptions node) {
  COFFER_ASSIGN_OR_RETURN(std::string path, RequiredPath("raft", options));
  if (node.name.empty()) node.name = "node";
  // Every node's Raft id is derived from its name, so peers agree on it.
  node.id = raft::MemberId(node.name);
  return raft::RaftBackend::Open(path, node);
}

Result<std::unique_ptr<Backend>> NewBackend(std::string_view type,
                                            const std::map<std::string, std::string>& options) {
  if (type == "inmem") return std::unique_ptr<Backend>(std::make_unique<InmemBackend>());
  if (type == "file") {
    COFFER_ASSIGN_OR_RETURN(std::string path, RequiredPath(type, options));
    return OpenLmdb(path);
  }
  if (type == "raft") {
    COFFER_ASSIGN_OR_RETURN(raft::NodeOptions node, RaftNodeOptions(options));
    COFFER_ASSIGN_OR_RETURN(std::unique_ptr<raft::RaftBackend> db, OpenRaft(options, node));
    return std::unique_ptr<Backend>(std::move(db));
  }
  return Err(InvalidArgument("unknown storage type \"" + std::string(type) + "\""));
}

}  // namespace coffer::storage
