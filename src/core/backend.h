#pragma once
// core::Backend — a secrets engine or auth method instance mounted at a path. Core strips
// the mount prefix: a Backend sees req.path relative to its mount ("data/foo") and
// req.storage is its own BarrierView. framework::Backend implements this declaratively.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "base/status.h"
#include "core/logical.h"

namespace coffer::crypto {
class Random;
}
namespace coffer::storage {
class Backend;
}

namespace coffer::core {

// Paths that need no token (login) or need sudo (root), relative to the mount; a trailing
// '*' is a prefix match.
struct SpecialPaths {
  std::vector<std::string> unauthenticated;
  std::vector<std::string> root;
};

// What a backend may ask of the system (Vault's logical.SystemView).
class SystemView {
 public:
  virtual ~SystemView() = default;
  virtual std::chrono::seconds DefaultLeaseTtl() const = 0;  // mount's tuned or system
  virtual std::chrono::seconds MaxLeaseTtl() const = 0;
  virtual bool Tainted() const { return false; }
};

struct BackendConfig {
  std::string mount_path;                      // "secret/" or "auth/userpass/"
  std::string type;                            // "kv"
  std::map<std::string, std::string> options;  // mount options, e.g. {"version": "2"}
  storage::Backend* storage = nullptr;         // the mount's BarrierView
  const SystemView* system = nullptr;
  const Clock* clock = nullptr;
  crypto::Random* random = nullptr;
};

enum class BackendKind { kLogical, kCredential };

class Backend {
 public:
  virtual ~Backend() = default;

  // Handles one request. Errors map to HTTP statuses in http/ (NotFound→404, ...).
  virtual Result<Response> HandleRequest(Request& req) = 0;

  // Whether the request's target exists, so Core can tell create from update for the
  // ACL check. `checked` false means the path has no existence check (treat as update).
  struct Existence {
    bool checked = false;
    bool exists = false;
  };
  virtual Result<Existence> ExistenceCheck(Request& req) {
    (void)req;
    return Existence{};
  }

  virtual SpecialPaths GetSpecialPaths() const { return {}; }
  virtual BackendKind Kind() const { return BackendKind::kLogical; }

  // Called after mounting (and after every unseal) before the first request.
  virtual Status Initialize() { return Status::Ok(); }
  virtual void Cleanup() {}

  // Whether Core registers a lease for a Secret this backend returns (Vault: all but
  // the plain K/V passthrough, which only returns a TTL hint).
  virtual bool GeneratesLeases() const { return true; }

  // Lease hooks for secrets and logins this backend issued (Secret.internal_data /
  // Auth.internal_data come back in req.data["internal"]).
  virtual Result<Response> RenewLease(Request& req) {
    (void)req;
    return Err(Unsupported("lease renewal is not supported by this backend"));
  }
  virtual Status RevokeLease(Request& req) {
    (void)req;
    return Status::Ok();
  }
};

using BackendFactory = std::function<Result<std::unique_ptr<Backend>>(const BackendConfig&)>;

}  // namespace coffer::core
