#include "engines/kv/kv.h"

#include "engines/kv/passthrough.h"
#include "engines/kv/versioned.h"

namespace coffer::engines::kv {

Result<std::unique_ptr<core::Backend>> Factory(const core::BackendConfig& config) {
  std::string version;
  if (auto it = config.options.find("version"); it != config.options.end()) version = it->second;
  std::unique_ptr<core::Backend> backend;
  if (version.empty() || version == "1") {
    backend = std::make_unique<PassthroughBackend>(config, /*leased=*/false);
  } else if (version == "2") {
    backend = std::make_unique<VersionedBackend>(config);
  } else {
    return Err(InvalidArgument("invalid kv version \"" + version + "\": must be 1 or 2"));
  }
  COFFER_RETURN_IF_ERROR(backend->Initialize());
  return backend;
}

Result<std::unique_ptr<core::Backend>> LeasedFactory(const core::BackendConfig& config) {
  auto backend = std::make_unique<PassthroughBackend>(config, /*leased=*/true);
  COFFER_RETURN_IF_ERROR(backend->Initialize());
  return std::unique_ptr<core::Backend>(std::move(backend));
}

}  // namespace coffer::engines::kv
