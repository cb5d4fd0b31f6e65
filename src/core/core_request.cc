// CoreImpl request handling: route → token → ACL → backend → token issue for logins.
#include <algorithm>

#include "base/cidr.h"
#include "base/log.h"
#include "core/core_impl.h"
#include "core/policy/acl.h"
#include "core/policy/policy_store.h"
#include "crypto/random.h"
#include "telemetry/metrics.h"

namespace coffer::core {

namespace {

// Vault's ErrInternalError: what a client sees when no audit device could log its request.
constexpr char kAuditInternalError[] = "internal error";

// Vault's special-path matching: "login/*" matches by prefix, otherwise exact.
bool MatchesSpecial(const std::vector<std::string>& patterns, const std::string& rel) {
  for (const auto& p : patterns) {
    if (!p.empty() && p.back() == '*') {
      if (rel.compare(0, p.size() - 1, p, 0, p.size() - 1) == 0) return true;
    } else if (rel == p) {
      return true;
    }
  }
  return false;
}

// sys/ paths whose response data Vault also repeats at the top level of the envelope.
bool LegacySysPath(const std::string& rel) {
  static const char* const kExact[] = {"audit",
                                       "auth",
                                       "config/cors",
                                       "capabilities",
                                       "capabilities-self",
                                       "capabilities-accessor",
                                       "ha-status",
                                       "key-status",
                                       "mounts",
                                       "policy",
                                       "rekey/backup",
                                       "rekey/recovery-key-backup",
                                       "remount",
                                       "rotate",
                                       "wrapping/wrap",
                                       "config/auditing/request-headers"};
  static const char* const kPrefix[] = {
      "audit/", "audit-hash/", "auth/", "mounts/", "policy/", "config/auditing/request-headers/"};
  std::string p = rel;
  while (!p.empty() && p.back() == '/') p.pop_back();
  for (const char* e : kExact)
    if (p == e) return true;
  for (const char* pre : kPrefix)
    if (rel.rfind(pre, 0) == 0) return true;
  return false;
}

TokenInfo InfoFromEntry(const TokenEntry& e) {
  TokenInfo t;
  t.id = e.id;
  t.accessor = e.accessor;
  t.policies = e.policies;
  t.display_name = e.display_name;
  t.path = e.path;
  t.meta = e.meta;
  t.type = e.type;
  t.root = e.IsRoot();
  t.entity_id = e.entity_id;
  t.cubbyhole_id = e.id_hash;
  t.parent_hash = e.parent_hash;
  t.expire_time = e.expire_time;
  return t;
}

}  // namespace

Result<std::shared_ptr<const Acl>> CoreImpl::AclFor(const TokenInfo& token) {
  return policies_->AclForPolicies(token.policies);
}

Result<std::vector<std::string>> CoreImpl::Capabilities(const TokenEntry& token,
                                                        const std::string& path) {
  COFFER_ASSIGN_OR_RETURN(auto acl, policies_->AclForPolicies(token.policies));
  return acl->Capabilities(path);
}

Result<bool> CoreImpl::AuthorizeSudo(Request& req, const std::string& path) {
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  if (sealed_.load()) return Err(::coffer::Sealed());
  if (standby_.load()) return Err(Unavailable(kNotActive));
  COFFER_ASSIGN_OR_RETURN(auto entry, tokens_->Lookup(req.client_token));
  if (!entry) return Err(PermissionDenied());
  COFFER_ASSIGN_OR_RETURN(auto acl, policies_->AclForPolicies(entry->policies));
  AclResult r = acl->AllowOperation(Operation::kUpdate, path, req.data, false);
  if (!r.allowed || !r.root_privs) return Err(PermissionDenied());
  return true;
}

Status CoreImpl::Authorize(Request& req, Operation op, const std::string& path) {
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  if (sealed_.load()) return ::coffer::Sealed();
  if (standby_.load()) return Unavailable(kNotActive);
  COFFER_ASSIGN_OR_RETURN(auto entry, tokens_->Lookup(req.client_token));
  if (!entry) return PermissionDenied();
  COFFER_ASSIGN_OR_RETURN(auto acl, policies_->AclForPolicies(entry->policies));
  AclResult r = acl->AllowOperation(op, path, req.data, false);
  if (!r.allowed) return PermissionDenied();
  return Status::Ok();
}

void CoreImpl::InstallRevokeHook() {
  tokens_->SetRevokeHook([this](const TokenEntry& e) {
    if (e.id_hash.empty()) return;
    if (expiration_) {
      Status st = expiration_->RevokeByToken(e.id_hash);
      if (!st.ok())
        log::Warn("token", "failed to revoke a token's leases", {{"error", st.message()}});
    }
    if (!options_.cubbyhole_destroyer) return;
    auto mount = routes_.load()->ByPath("cubbyhole/");
    if (!mount) return;
    Status st = options_.cubbyhole_destroyer(*mount->view, e.id_hash);
    if (!st.ok()) log::Warn("token", "failed to destroy cubbyhole", {{"error", st.message()}});
  });
}

Result<Response> CoreImpl::HandleRequest(Request& req) {
  // Vault's request timers: logins (unauthenticated auth/ paths) apart from the rest.
  struct RequestTimer {
    const Request& req;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    ~RequestTimer() {
      bool login = req.unauthenticated && req.path.rfind("auth/", 0) == 0;
      telemetry::MeasureSince(login ? "core.handle_login_request" : "core.handle_request", start);
    }
  } timer{req};
  // Checked before the lock too: a node that lost leadership marks itself standby first,
  // so requests stop here while it waits for the exclusive lock to tear down.
  if (standby_.load()) return Err(Unavailable(kNotActive));
  // The leader lease (Node::HasLeaderLease): no other leader can exist before it ends,
  // so what this request reads from local storage afterwards is current. Without it a
  // ReadIndex round confirms leadership first (up to an election timeout), outside the
  // lock so a teardown is not held up. Found by tests/faults: a partitioned active node
  // served stale reads, then (with only check-quorum as the lease) refused a CAS against
  // the current version while the majority had already elected another leader.
  if (options_.raft && !sealed_.load() && !options_.raft->node().ConfirmLeadership().ok()) {
    KickHa();
    return Err(Unavailable(kNotActive));
  }
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  if (sealed_.load()) return Err(::coffer::Sealed());
  // Standbys forward in http/; a request that still reaches one (the active node
  // changed while it was forwarded) is refused, as Vault does.
  if (standby_.load()) return Err(Unavailable(kNotActive));
  if (options_.raft && !options_.raft->node().IsLeader()) {
    KickHa();
    return Err(Unavailable(kNotActive));
  }
  if (req.id.empty()) {
    auto id = crypto::GenerateUuid(random_);
    if (id) req.id = *id;
  }
  while (!req.path.empty() && req.path.front() == '/') req.path.erase(0, 1);
  return HandleLocked(req);
}

Result<TokenInfo> CoreImpl::CheckToken(Request& req, TokenAuditInfo* audit_info) {
  if (req.client_token.empty()) return Err(PermissionDenied());
  COFFER_ASSIGN_OR_RETURN(auto entry, tokens_->Lookup(req.client_token));
  if (!entry) return Err(PermissionDenied("permission denied"));
  // token_bound_cidrs (a token role's, an auth method's role/user): only usable from there.
  if (!RemoteAddrAllowed(req.remote_addr, entry->bound_cidrs)) return Err(PermissionDenied());
  COFFER_ASSIGN_OR_RETURN(bool usable, tokens_->UseToken(*entry));
  if (!usable) return Err(PermissionDenied());
  TokenInfo info = InfoFromEntry(*entry);
  info.last_use = entry->num_uses < 0;
  if (audit_info != nullptr) {
    audit_info->ttl = entry->ttl.count();
    audit_info->issue_time = entry->creation_time;
    audit_info->remaining_uses = std::max<int64_t>(entry->num_uses, 0);
  }
  return info;
}

Result<Response> CoreImpl::HandleLocked(Request& req) {
  auto routes = routes_.load();
  std::shared_ptr<Mount> mount = routes->Match(req.path);
  if (!mount) {
    // As Vault: an invalid token is refused before the missing route is reported.
    TokenAuditInfo token_audit;
    auto token = CheckToken(req, &token_audit);
    if (!token) {
      COFFER_RETURN_IF_ERROR(AuditRefused(req, nullptr, token.error(), TokenAuditInfo{}));
      return Err(token.error());
    }
    Status missing = NotFound("no handler for route \"" + req.path + "\". route entry not found.");
    COFFER_RETURN_IF_ERROR(AuditRefused(req, &*token, missing, token_audit));
    return Err(missing);
  }
  std::string rel = req.path.size() >= mount->entry.path.size()
                        ? req.path.substr(mount->entry.path.size())
                        : std::string();
  SpecialPaths special = mount->backend->GetSpecialPaths();
  bool unauth = MatchesSpecial(special.unauthenticated, rel);
  bool needs_sudo = MatchesSpecial(special.root, rel);

  req.mount_point = mount->entry.path;
  req.mount_type = mount->entry.type;
  req.mount_accessor = mount->entry.accessor;
  req.mount_uuid = mount->entry.uuid;
  req.mount_path_remaining = rel;
  req.storage = mount->view.get();
  req.unauthenticated = unauth;

  std::string full_path = req.path;
  // A token on its last use is revoked when the request is done, whatever its outcome.
  struct RevokeAfterUse {
    CoreImpl* core;
    Request* req;
    ~RevokeAfterUse() {
      if (!req->token || !req->token->last_use) return;
      Status st = core->tokens_->RevokeUsedUp(req->token->cubbyhole_id);
      if (!st.ok())
        log::Warn("token", "failed to revoke a used-up token", {{"error", st.message()}});
    }
  } revoke_after_use{this, &req};
  TokenAuditInfo token_audit;
  if (!unauth) {
    // Vault's timers: check_token spans the whole token and policy check, fetch_acl_and_token
    // the token lookup and the ACL it resolves to.
    telemetry::ScopedTimer check_timer("core.check_token");
    auto fetch_start = std::chrono::steady_clock::now();
    auto checked = CheckToken(req, &token_audit);
    if (!checked) {
      COFFER_RETURN_IF_ERROR(AuditRefused(req, nullptr, checked.error(), TokenAuditInfo{}));
      return Err(checked.error());
    }
    TokenInfo token = std::move(*checked);
    req.token = token;
    COFFER_ASSIGN_OR_RETURN(auto acl, policies_->AclForPolicies(token.policies));
    telemetry::MeasureSince("core.fetch_acl_and_token", fetch_start);
    // Create vs update is decided by whether the target exists (Vault's existence check).
    Request probe_req = req;
    probe_req.path = rel;
    if (req.operation == Operation::kUpdate || req.operation == Operation::kCreate) {
      COFFER_ASSIGN_OR_RETURN(auto ex, mount->backend->ExistenceCheck(probe_req));
      req.operation = (!ex.checked || ex.exists) ? Operation::kUpdate : Operation::kCreate;
    }
    AclResult r = acl->AllowOperation(req.operation, full_path, req.data, false, req.wrap_ttl);
    if (!r.allowed || (needs_sudo && !r.root_privs)) {
      COFFER_RETURN_IF_ERROR(AuditRefused(req, &*req.token, PermissionDenied(), token_audit));
      return Err(PermissionDenied());
    }
  } else if (!req.client_token.empty()) {
    // Login paths ignore the caller's token but the backend may want it (e.g. renew).
    auto entry = tokens_->Lookup(req.client_token);
    if (entry && *entry) req.token = InfoFromEntry(**entry);
  }
  if (!audit_.Enabled()) return RouteAndFinish(req, *mount, rel);

  // Step 4: no device logged the request → refused, and the backend never runs.
  AuditInput in = MakeAuditInput(req, unauth ? nullptr : &*req.token, token_audit);
  if (!audit_.LogRequest(in).ok()) return Err(Internal(kAuditInternalError));
  auto resp = RouteAndFinish(req, *mount, rel);
  // Step 8: the outcome (after leases and wrapping, so wrap_info is in the entry).
  in.time = clock_.Now();
  in.response = resp ? &*resp : nullptr;
  if (!resp) in.error = resp.error().message();
  // As Vault: a response no device logged is a 500, although its effect happened.
  if (!audit_.LogResponse(in).ok()) return Err(Internal(kAuditInternalError));
  return resp;
}

AuditInput CoreImpl::MakeAuditInput(const Request& req, const TokenInfo* token,
                                    const TokenAuditInfo& token_audit) const {
  AuditInput in;
  in.request = &req;
  in.token = token;
  in.time = clock_.Now();
  if (token != nullptr) {
    in.token_ttl = token_audit.ttl;
    in.token_issue_time = token_audit.issue_time;
    in.remaining_uses = token_audit.remaining_uses;
  }
  return in;
}

Status CoreImpl::AuditRefused(const Request& req, const TokenInfo* token, const Status& error,
                              const TokenAuditInfo& token_audit) {
  if (!audit_.Enabled()) return Status::Ok();
  AuditInput in = MakeAuditInput(req, token, token_audit);
  in.error = error.message();
  if (!audit_.LogRequest(in).ok() || !audit_.LogResponse(in).ok())
    return Internal(kAuditInternalError);
  return Status::Ok();
}

Result<Response> CoreImpl::RouteAndFinish(Request& req, Mount& mount, const std::string& rel) {
  const std::string full_path = req.path;
  req.path = rel;
  auto resp = mount.backend->HandleRequest(req);
  req.path = full_path;
  if (!resp) return resp;
  if (mount.entry.type == "system") resp->data_at_top_level = LegacySysPath(rel);
  // Secrets with a lifetime become leases (renewals of a lease are not new leases).
  if (resp->secret && mount.backend->GeneratesLeases() && full_path.rfind("sys/", 0) != 0)
    COFFER_RETURN_IF_ERROR(RegisterLease(req, mount, *resp));
  if (resp->auth && mount.entry.table == "auth" && mount.entry.type != "token") {
    COFFER_RETURN_IF_ERROR(
        IssueToken(*resp->auth, req, nullptr, mount.entry.accessor, mount.entry.config));
  }
  bool empty = resp->data.is_null() && !resp->auth && !resp->secret && resp->http_status == 0;
  if (req.wrap_ttl.count() > 0 && !resp->wrap_info && !empty)
    COFFER_RETURN_IF_ERROR(WrapResponse(req, *resp));
  return resp;
}

Status CoreImpl::IssueToken(Auth& auth, const Request& req, const TokenEntry* parent,
                            const std::string& mount_accessor, const MountConfig& cfg) {
  TokenCreateParams p;
  p.policies = auth.policies;
  p.meta = auth.metadata;
  std::string prefix = req.mount_point;
  if (prefix.rfind("auth/", 0) == 0) prefix = prefix.substr(5);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  std::replace(prefix.begin(), prefix.end(), '/', '-');
  p.display_name = auth.display_name.empty() ? prefix : prefix + "-" + auth.display_name;
  p.num_uses = auth.num_uses;
  p.ttl = auth.ttl;
  p.explicit_max_ttl = auth.explicit_max_ttl;
  p.period = auth.period;
  p.renewable = auth.renewable || auth.period.count() > 0;
  p.path = req.mount_point + req.mount_path_remaining;
  p.mount_accessor = mount_accessor;
  p.entity_id = auth.entity_id;
  p.internal_data = auth.internal_data;
  // tokenutil keeps these auth-method settings with the login's internal data.
  if (auth.internal_data.is_object()) {
    p.no_default_policy = auth.internal_data.value("token_no_default_policy", false);
    if (auth.internal_data.contains("token_bound_cidrs") &&
        auth.internal_data["token_bound_cidrs"].is_array()) {
      for (const auto& c : auth.internal_data["token_bound_cidrs"])
        if (c.is_string()) p.bound_cidrs.push_back(c.get<std::string>());
    }
  }
  p.orphan = parent == nullptr;
  p.type = auth.token_type;
  if (cfg.token_type == "batch" || cfg.token_type == "default-batch") p.type = TokenType::kBatch;
  if (cfg.token_type == "service") p.type = TokenType::kService;
  p.default_ttl =
      cfg.default_lease_ttl.count() > 0 ? cfg.default_lease_ttl : options_.default_lease_ttl;
  std::chrono::seconds max =
      cfg.max_lease_ttl.count() > 0 ? cfg.max_lease_ttl : options_.max_lease_ttl;
  if (auth.max_ttl.count() > 0 && auth.max_ttl < max) max = auth.max_ttl;
  p.max_ttl = max;
  COFFER_ASSIGN_OR_RETURN(TokenEntry e, tokens_->Create(p, parent));
  auth.client_token = e.id;
  auth.accessor = e.accessor;
  auth.token_policies = e.policies;
  auth.policies = e.policies;
  auth.lease_duration = e.ttl;
  auth.renewable = e.renewable;
  auth.orphan = e.orphan;
  auth.num_uses = e.num_uses;
  auth.token_type = e.type;
  return Status::Ok();
}

}  // namespace coffer::core
