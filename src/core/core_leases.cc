// CoreImpl and leases: registering a secret's lease, renewing and revoking leases
// through the backend that issued them, and the ExpirationManager's LeaseRevoker.

#include "base/log.h"
#include "core/core_impl.h"

namespace coffer::core {

namespace {

constexpr char kExpirePrefix[] = "sys/expire/";

int64_t UnixNow(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::seconds>(clock.Now().time_since_epoch()).count();
}

// Vault's framework.CalculateTTL without periods: the increment, else the backend's TTL,
// else the mount default; never past start + max (the mount's max TTL, lowered by the
// backend's max TTL). Returns seconds from `now`.
int64_t CalculateTtl(const SystemView* sys, int64_t increment, int64_t backend_ttl,
                     int64_t backend_max_ttl, int64_t start, int64_t now,
                     std::chrono::seconds fallback_default, std::chrono::seconds fallback_max) {
  int64_t def = sys ? sys->DefaultLeaseTtl().count() : fallback_default.count();
  int64_t max = sys ? sys->MaxLeaseTtl().count() : fallback_max.count();
  if (backend_max_ttl > 0 && (max == 0 || backend_max_ttl < max)) max = backend_max_ttl;
  int64_t ttl = increment > 0 ? increment : backend_ttl > 0 ? backend_ttl : def;
  if (max > 0) ttl = std::min(ttl, start + max - now);
  return ttl;
}

// The request a backend's RenewLease / RevokeLease gets for `lease` on `mount`: the path
// relative to the mount, the mount's storage, and in data the lease's id, internal data,
// secret data and issue time (plus what the caller adds).
Request LeaseRequest(const LeaseEntry& lease, const Mount& mount, Operation op) {
  Request req;
  req.operation = op;
  req.path = lease.path.substr(std::min(lease.path.size(), mount.entry.path.size()));
  req.mount_point = mount.entry.path;
  req.mount_type = mount.entry.type;
  req.mount_accessor = mount.entry.accessor;
  req.storage = mount.view.get();
  req.data = Json{{"lease_id", lease.lease_id},
                  {"internal", lease.internal_data},
                  {"data", lease.data},
                  {"issue_time", lease.issue_time}};
  return req;
}

}  // namespace

class CoreImpl::Revoker final : public LeaseRevoker {
 public:
  explicit Revoker(CoreImpl& core) : core_(core) {}

  Status RevokeSecret(const LeaseEntry& lease) override {
    auto mount = core_.routes_.load()->Match(lease.path);
    if (!mount) return Status::Ok();  // its mount is gone: nothing is left to revoke
    Request req = LeaseRequest(lease, *mount, Operation::kDelete);
    return mount->backend->RevokeLease(req);
  }

  Status RevokeToken(const LeaseEntry& lease) override {
    auto entry = core_.tokens_->LookupByHash(lease.token_hash);
    if (!entry) return entry.error();
    if (!*entry) return core_.tokens_->RevokeUsedUp(lease.token_hash);  // expired or used up
    return core_.tokens_->RevokeTree(**entry);
  }

 private:
  CoreImpl& core_;
};

Status CoreImpl::SetupLeases() {
  expire_view_ = std::make_unique<StorageView>(barrier_, kExpirePrefix);
  revoker_ = std::make_unique<Revoker>(*this);
  expiration_ =
      std::make_unique<ExpirationManager>(*expire_view_, kExpirePrefix, *revoker_, clock_, random_);
  tokens_->SetLeases(expiration_.get(), &barrier_, token_view_->prefix());
  return expiration_->Start(options_.expiration_tick);
}

void CoreImpl::TeardownLeases() {
  if (expiration_) expiration_->Stop();
}

void CoreImpl::ReleaseLeases() {
  expiration_.reset();
  revoker_.reset();
  expire_view_.reset();
}

Status CoreImpl::RegisterLease(const Request& req, const Mount& mount, Response& resp) {
  Secret& secret = *resp.secret;
  int64_t now = UnixNow(clock_);
  int64_t ttl = CalculateTtl(mount.system_view.get(), 0, secret.ttl.count(), secret.max_ttl.count(),
                             now, now, options_.default_lease_ttl, options_.max_lease_ttl);
  LeaseEntry lease;
  if (req.token) {
    if (req.token->type == TokenType::kService) {
      lease.token_hash = req.token->cubbyhole_id;
    } else {
      // As Vault: a batch token's leases end with it and belong to its parent (none for
      // an orphan), since the batch token itself is never stored or revoked.
      lease.token_hash = req.token->parent_hash;
      if (req.token->expire_time > 0) ttl = std::min(ttl, req.token->expire_time - now);
    }
  }
  if (ttl <= 0) return Status::Ok();
  COFFER_ASSIGN_OR_RETURN(lease.lease_id, expiration_->NewLeaseId(req.path));
  lease.path = req.path;
  lease.mount_accessor = mount.entry.accessor;
  lease.data = resp.data;
  lease.internal_data = secret.internal_data;
  lease.renewable = secret.renewable;
  lease.ttl = ttl;
  lease.max_ttl = secret.max_ttl.count();
  lease.issue_time = now;
  lease.expire_time = now + ttl;
  COFFER_RETURN_IF_ERROR(expiration_->Register(lease));
  secret.lease_id = lease.lease_id;
  secret.ttl = std::chrono::seconds(ttl);
  return Status::Ok();
}

Result<Response> CoreImpl::RenewLease(const std::string& lease_id, std::chrono::seconds increment) {
  std::shared_ptr<Mount> mount;
  auto renewed = expiration_->Renew(lease_id, [&](const LeaseEntry& lease) -> Result<int64_t> {
    mount = routes_.load()->Match(lease.path);
    if (!mount) return Err(InvalidArgument("lease not found"));
    Request req = LeaseRequest(lease, *mount, Operation::kUpdate);
    req.data["increment"] = increment.count();
    COFFER_ASSIGN_OR_RETURN(Response r, mount->backend->RenewLease(req));
    int64_t backend_ttl = r.secret ? r.secret->ttl.count() : 0;
    int64_t backend_max =
        r.secret && r.secret->max_ttl.count() > 0 ? r.secret->max_ttl.count() : lease.max_ttl;
    return CalculateTtl(mount->system_view.get(), increment.count(), backend_ttl, backend_max,
                        lease.issue_time, UnixNow(clock_), options_.default_lease_ttl,
                        options_.max_lease_ttl);
  });
  if (!renewed) return Err(renewed.error());
  Response resp;
  resp.secret.emplace();
  resp.secret->lease_id = renewed->lease_id;
  resp.secret->renewable = renewed->renewable;
  resp.secret->ttl = std::chrono::seconds(renewed->ttl);
  return resp;
}

Status CoreImpl::RevokeLeasePrefix(const std::string& prefix, bool force) {
  return expiration_->RevokePrefix(prefix, force);
}

Status CoreImpl::TidyLeases() {
  return expiration_->Tidy([this](const std::string& hash) -> Result<bool> {
    COFFER_ASSIGN_OR_RETURN(auto entry, tokens_->LookupByHash(hash));
    return entry.has_value();
  });
}

}  // namespace coffer::core
