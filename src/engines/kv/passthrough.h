#pragma once
// PassthroughBackend: the K/V secrets engine, version 1 (a "kv" mount without a version
// option, or "version": "1"), as Vault's kv PassthroughBackend: every path holds one JSON
// object stored as-is at that path of the mount's storage; LIST returns keys and folders.
//
// Reads carry a Secret whose TTL is a refresh hint (the secret's own "ttl" or "lease"
// field, else the mount's default lease TTL) with an empty lease_id and renewable=false:
// it is not a lease, and Core must not register one (Vault special-cases non-leasing
// passthrough backends the same way).
//
// With `leased` (Vault's LeasedPassthroughBackend, `coffer server -dev -dev-leased-kv`)
// reads return a renewable Secret with that TTL and Core registers a lease for it;
// renewing re-reads the secret's TTL hint; revoking deletes nothing.
//
// Thread-safety: stateless apart from the injected SystemView; safe for concurrent use
// (each operation is one storage call).

#include "core/backend.h"
#include "framework/backend.h"

namespace coffer::engines::kv {

class PassthroughBackend final : public framework::Backend {
 public:
  PassthroughBackend(const core::BackendConfig& config, bool leased);

  bool GeneratesLeases() const override { return leased_; }
  Result<core::Response> RenewLease(core::Request& req) override;

 private:
  Result<core::Response> Read(core::Request& req, framework::FieldData& d);
  Result<core::Response> Write(core::Request& req, framework::FieldData& d);
  Result<core::Response> Delete(core::Request& req, framework::FieldData& d);
  Result<core::Response> List(core::Request& req, framework::FieldData& d);
  Result<bool> Exists(core::Request& req, framework::FieldData& d);

  const core::SystemView* system_;
  const bool leased_;
};

}  // namespace coffer::engines::kv
