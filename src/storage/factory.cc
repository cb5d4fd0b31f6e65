#include "storage/factory.h"

#include "storage/inmem/inmem.h"
#include "storage/lmdb/lmdb.h"

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
    // Single node until the Raft store lands: its state machine will live here too.
    COFFER_ASSIGN_OR_RETURN(std::string path, RequiredPath(type, options));
    return OpenLmdb(path + "/coffer.db");
  }
  return Err(InvalidArgument("unknown storage type \"" + std::string(type) + "\""));
}

}  // namespace coffer::storage
