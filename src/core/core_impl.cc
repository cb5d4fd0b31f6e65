// CoreImpl lifecycle: initialise, unseal, seal. Requests: core_request.cc; mount tables:
// core_mounts.cc.
#include "core/core_impl.h"

#include <algorithm>

#include "base/log.h"
#include "core/policy/policy_store.h"
#include "core/seal/seal.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "crypto/shamir.h"
#include "telemetry/metrics.h"

namespace coffer::core {

namespace {
constexpr char kVersion[] = "1.15.0+coffer";
constexpr char kClusterInfoPath[] = "core/cluster/local/info";
constexpr size_t kRootKeySize = 32;

Result<SecretBytes> DecodeShare(std::string_view key) {
  auto raw = crypto::HexDecode(key);
  if (!raw) raw = crypto::Base64Decode(key);
  if (!raw) return Err(InvalidArgument("'key' must be a valid hex or base64 string"));
  SecretBytes out = SecretBytes::FromString(*raw);
  WipeString(*raw);
  if (out.size() < 16 || out.size() > 33)
    return Err(InvalidArgument("invalid key length " + std::to_string(out.size()) +
                               ", expected 16 to 33 bytes"));
  return out;
}
}  // namespace

struct CoreImpl::UnsealProgress {
  std::vector<SecretBytes> shares;
  std::string nonce;
};

CoreImpl::CoreImpl(CoreOptions options)
    : options_(std::move(options)),
      clock_(options_.clock ? *options_.clock : RealClock::Get()),
      random_(options_.random ? *options_.random : crypto::SystemRandom::Get()),
      barrier_(*options_.physical, random_, clock_),
      seal_(std::make_unique<ShamirSeal>(random_)),
      unseal_(std::make_unique<UnsealProgress>()) {
  routes_.store(std::make_shared<const RouteTable>());
  metrics_collector_ = telemetry::RegisterCollector([this] { EmitGauges(); });
  StartHaThread();
}

CoreImpl::~CoreImpl() {
  telemetry::UnregisterCollector(metrics_collector_);
  StopHaThread();
  if (!sealed_.load()) (void)Seal();
}

std::string CoreImpl::Version() { return kVersion; }

bool CoreImpl::Sealed() { return sealed_.load(); }

PolicyStore& CoreImpl::Policies() { return *policies_; }
TokenStore& CoreImpl::Tokens() { return *tokens_; }

Result<bool> CoreImpl::IsInitialized() {
  {
    std::lock_guard<std::mutex> l(join_mu_);
    if (join_) return true;
  }
  return barrier_.Initialized();
}

Result<SealConfig> CoreImpl::ReadSealConfig() {
  {
    std::lock_guard<std::mutex> l(join_mu_);
    if (join_) return join_->seal_config;
  }
  COFFER_ASSIGN_OR_RETURN(auto raw, options_.physical->Get(kSealConfigPath));
  if (!raw) return Err(Corruption("seal configuration missing"));
  COFFER_ASSIGN_OR_RETURN(Json j, ParseJson(*raw));
  return SealConfig::FromJson(j);
}

SealStatus CoreImpl::SealStatusWith(int progress, std::string nonce) {
  SealStatus s;
  s.version = kVersion;
  s.storage_type = options_.storage_type;
  s.sealed = sealed_.load();
  auto init = IsInitialized();
  s.initialized = init && *init;
  if (s.initialized) {
    auto cfg = ReadSealConfig();
    if (cfg) {
      s.type = cfg->type;
      s.shares = cfg->secret_shares;
      s.threshold = cfg->secret_threshold;
    }
  }
  s.progress = progress;
  s.nonce = std::move(nonce);
  if (!s.sealed) {
    s.cluster_name = options_.cluster_name;
    s.cluster_id = cluster_id_;
  }
  return s;
}

SealStatus CoreImpl::GetSealStatus() {
  int progress;
  std::string nonce;
  {
    std::lock_guard<std::mutex> l(unseal_mu_);
    progress = static_cast<int>(unseal_->shares.size());
    nonce = unseal_->nonce;
  }
  return SealStatusWith(progress, std::move(nonce));
}

Result<InitResult> CoreImpl::Initialize(const InitParams& params) {
  std::unique_lock<std::shared_mutex> lock(state_mu_);
  COFFER_ASSIGN_OR_RETURN(bool initialized, barrier_.Initialized());
  if (initialized) return Err(InvalidArgument("Vault is already initialized"));
  if (!params.pgp_keys.empty() || !params.root_token_pgp_key.empty())
    return Err(InvalidArgument("pgp_keys are not supported yet"));
  // recovery_shares/threshold only apply to auto-unseal seals; the vault CLI always sends
  // them, and Vault ignores them for Shamir, so do we.
  int n = params.secret_shares, t = params.secret_threshold;
  if (n < 1) return Err(InvalidArgument("shares must be at least one"));
  if (t < 1) return Err(InvalidArgument("threshold must be at least one"));
  if (n > 1 && t == 1)
    return Err(InvalidArgument("threshold must be greater than one for multiple shares"));
  if (n > 255) return Err(InvalidArgument("shares must be less than 256"));
  if (t > n) return Err(InvalidArgument("threshold cannot be larger than shares"));

  if (options_.raft) {
    // Initialising a Raft node makes it the first member of a new cluster.
    if (options_.raft->node().Members().empty()) {
      COFFER_RETURN_IF_ERROR(options_.raft->node().Bootstrap());
    }
    COFFER_RETURN_IF_ERROR(WaitForLeadership(std::chrono::seconds(10)));
  }
  COFFER_ASSIGN_OR_RETURN(SecretBytes root_key, crypto::RandomBytes(random_, kRootKeySize));
  COFFER_ASSIGN_OR_RETURN(SecretBytes kek, crypto::RandomBytes(random_, kRootKeySize));
  InitResult result;
  if (n == 1) {
    result.keys.push_back(kek.Clone());
  } else {
    COFFER_ASSIGN_OR_RETURN(result.keys, crypto::ShamirSplit(kek, n, t, random_));
  }
  COFFER_RETURN_IF_ERROR(barrier_.Initialize(root_key));
  seal_->SetKek(std::move(kek));
  COFFER_ASSIGN_OR_RETURN(std::string wrapped, seal_->WrapRootKey(root_key));
  COFFER_RETURN_IF_ERROR(options_.physical->Put(kRootKeyPath, wrapped));
  SealConfig cfg;
  cfg.secret_shares = n;
  cfg.secret_threshold = t;
  COFFER_RETURN_IF_ERROR(options_.physical->Put(kSealConfigPath, cfg.ToJson().dump()));

  // Unseal once to lay down the first mount tables, policies and the root token.
  COFFER_RETURN_IF_ERROR(barrier_.Unseal(root_key));
  Json info = {{"cluster_id", ""}};
  COFFER_ASSIGN_OR_RETURN(info["cluster_id"], crypto::GenerateUuid(random_));
  COFFER_RETURN_IF_ERROR(barrier_.Put(kClusterInfoPath, info.dump()));
  Status st = Status::Ok();
  if (options_.raft) {
    // The cluster port's certificate is created with the cluster.
    auto tls = options_.network ? options_.network->GenerateTls()
                                : Result<Json>(Err(Internal("raft storage without a network")));
    if (!tls) st = tls.error();
    if (st.ok()) st = barrier_.Put("core/raft/tls", tls->dump());
  }
  if (st.ok()) st = PostUnseal();
  if (st.ok()) {
    auto root = tokens_->CreateRootToken("");
    if (root)
      result.root_token = root->id;
    else
      st = root.error();
  }
  PreSeal();
  barrier_.Seal();
  seal_->ClearKek();
  if (!st.ok()) return Err(st);
  log::Info("core", "security barrier initialized",
            {{"stored", "0"}, {"shares", std::to_string(n)}, {"threshold", std::to_string(t)}});
  return result;
}

void CoreImpl::ResetUnsealProgress() {
  std::lock_guard<std::mutex> l(unseal_mu_);
  unseal_->shares.clear();
  unseal_->nonce.clear();
}

Result<SealStatus> CoreImpl::Unseal(std::string_view key) {
  {
    std::unique_lock<std::shared_mutex> lock(state_mu_);
    if (!sealed_.load()) {
      lock.unlock();
      return GetSealStatus();
    }
    COFFER_ASSIGN_OR_RETURN(bool initialized, IsInitialized());
    if (!initialized) return Err(Status(StatusCode::kNotInitialized, "Vault is not initialized"));
    COFFER_ASSIGN_OR_RETURN(SecretBytes share, DecodeShare(key));
    COFFER_ASSIGN_OR_RETURN(SealConfig cfg, ReadSealConfig());

    std::vector<SecretBytes> shares;
    {
      std::lock_guard<std::mutex> l(unseal_mu_);
      for (const auto& s : unseal_->shares)
        if (s.Equals(share))
          return SealStatusWith(static_cast<int>(unseal_->shares.size()), unseal_->nonce);
      if (unseal_->nonce.empty()) {
        COFFER_ASSIGN_OR_RETURN(unseal_->nonce, crypto::GenerateUuid(random_));
      }
      unseal_->shares.push_back(std::move(share));
      if (static_cast<int>(unseal_->shares.size()) < cfg.secret_threshold)
        return SealStatusWith(static_cast<int>(unseal_->shares.size()), unseal_->nonce);
      shares.swap(unseal_->shares);
      unseal_->nonce.clear();
    }
    SecretBytes kek;
    if (cfg.secret_threshold == 1) {
      kek = std::move(shares[0]);
    } else {
      COFFER_ASSIGN_OR_RETURN(kek, crypto::ShamirCombine(shares));
    }
    bool joining;
    {
      std::lock_guard<std::mutex> l(join_mu_);
      joining = join_ != nullptr;
    }
    if (joining) {
      auto joined = UnsealJoining(std::move(kek));
      if (!joined) return Err(joined.error());
    } else {
      COFFER_ASSIGN_OR_RETURN(auto wrapped, options_.physical->Get(kRootKeyPath));
      if (!wrapped) return Err(Corruption("wrapped root key missing"));
      seal_->SetKek(std::move(kek));
      auto root_key = seal_->UnwrapRootKey(*wrapped);
      seal_->ClearKek();
      if (!root_key) return Err(root_key.error());
      COFFER_RETURN_IF_ERROR(barrier_.Unseal(*root_key));
    }
    if (options_.raft) {
      // A Raft node unseals as a standby; the HA thread makes it active once it leads.
      Status st = StartNetwork(/*may_generate=*/options_.raft->node().IsLeader());
      if (st.ok()) {
        auto info_raw = barrier_.Get(kClusterInfoPath);
        if (info_raw && *info_raw) {
          auto j = ParseJson(**info_raw);
          if (j) cluster_id_ = j->value("cluster_id", "");
        }
      }
      if (!st.ok()) {
        barrier_.Seal();
        return Err(st);
      }
      standby_.store(true);
      sealed_.store(false);
      log::Info("core", "vault is unsealed (standby until this node leads)");
    }
  }
  if (options_.raft) {
    // A lone voter leads within a tick: answer once it is active, as a single node does.
    auto members = options_.raft->node().Members();
    if (members.size() == 1 && members[0].name == options_.node_id) {
      (void)WaitForLeadership(std::chrono::seconds(5));
    }
    HaEvaluate();
    return GetSealStatus();
  }
  {
    std::unique_lock<std::shared_mutex> lock(state_mu_);
    if (!sealed_.load()) return GetSealStatus();
    Status st = PostUnseal();
    if (!st.ok()) {
      PreSeal();
      barrier_.Seal();
      return Err(st);
    }
    sealed_.store(false);
    active_time_ = clock_.Now();
    log::Info("core", "vault is unsealed");
  }
  return GetSealStatus();
}

Status CoreImpl::PostUnseal() {
  auto info_raw = barrier_.Get(kClusterInfoPath);
  if (!info_raw) return info_raw.error();
  if (*info_raw) {
    auto j = ParseJson(**info_raw);
    if (j) cluster_id_ = j->value("cluster_id", "");
  }
  if (options_.cluster_name.empty() && !cluster_id_.empty())
    options_.cluster_name = "vault-cluster-" + cluster_id_.substr(0, 8);

  auto salt = barrier_.DeriveKey("token-salt");
  if (!salt) return salt.error();
  auto batch = barrier_.DeriveKey("batch-token");
  if (!batch) return batch.error();
  token_view_ = std::make_unique<StorageView>(barrier_, "sys/token/");
  tokens_ = std::make_unique<TokenStore>(*token_view_, std::move(*salt), std::move(*batch), random_,
                                         clock_);
  policy_view_ = std::make_unique<StorageView>(barrier_, "sys/");
  policies_ = std::make_unique<PolicyStore>(policy_view_.get());
  COFFER_RETURN_IF_ERROR(policies_->Setup());
  COFFER_RETURN_IF_ERROR(LoadMountTable("mounts", true));
  COFFER_RETURN_IF_ERROR(LoadMountTable("auth", true));
  InstallRevokeHook();
  COFFER_RETURN_IF_ERROR(LoadAuditTable());
  return SetupLeases();
}

void CoreImpl::PreSeal() {
  TeardownLeases();
  TeardownAudit();
  auto routes = routes_.load();
  for (const auto& m : routes->mounts) m->backend->Cleanup();
  routes_.store(std::make_shared<const RouteTable>());
  {
    std::lock_guard<std::mutex> l(mounts_mu_);
    mount_entries_.clear();
    auth_entries_.clear();
  }
  tokens_.reset();
  ReleaseLeases();
  policies_.reset();
  token_view_.reset();
  policy_view_.reset();
}

Status CoreImpl::Seal() {
  std::unique_lock<std::shared_mutex> lock(state_mu_);
  if (sealed_.load()) return Status::Ok();
  sealed_.store(true);
  if (!standby_.load()) PreSeal();
  standby_.store(false);
  barrier_.Seal();
  if (options_.network) options_.network->Stop();
  log::Info("core", "vault is sealed");
  return Status::Ok();
}

Result<InitResult> CoreImpl::SetupDevMode(const std::string& root_token_id, int kv_version) {
  InitParams p;
  p.secret_shares = 1;
  p.secret_threshold = 1;
  COFFER_ASSIGN_OR_RETURN(InitResult init, Initialize(p));
  COFFER_ASSIGN_OR_RETURN(SealStatus st, Unseal(crypto::Base64Encode(init.keys[0].view())));
  if (st.sealed) return Err(Internal("dev mode: unseal failed"));
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  if (!root_token_id.empty()) {
    auto old = tokens_->Lookup(init.root_token);
    if (old && *old) COFFER_RETURN_IF_ERROR(tokens_->RevokeTree(**old));
    COFFER_ASSIGN_OR_RETURN(TokenEntry root, tokens_->CreateRootToken(root_token_id));
    init.root_token = root.id;
  }
  // Dev servers mount secret/ as KV version 2 (1 with -dev-leased-kv), as Vault's do.
  MountEntry kv;
  kv.table = "mounts";
  kv.path = "secret/";
  kv.type = "kv";
  kv.description = "key/value secret storage";
  kv.options["version"] = std::to_string(kv_version);
  COFFER_RETURN_IF_ERROR(EnableMount(std::move(kv)));
  return init;
}

HaState CoreImpl::GetHaState() {
  if (options_.raft) {
    HaState h;
    h.ha_enabled = true;
    h.cluster_name = options_.cluster_name;
    h.cluster_id = cluster_id_;
    storage::raft::NodeStatus st = options_.raft->node().GetStatus();
    h.raft_committed_index = st.commit_index;
    h.raft_applied_index = st.applied_index;
    h.standby = standby_.load();
    h.is_self = !h.standby && !sealed_.load();
    if (h.is_self) {
      h.leader_address = options_.api_addr;
      h.leader_cluster_address = options_.cluster_addr;
      h.active_time = FormatTime(active_time_);
      return h;
    }
    for (const auto& p : st.peers) {
      if (p.member.id != st.leader || st.leader == storage::raft::kNone) continue;
      h.leader_cluster_address = "https://" + p.member.address;
      if (!sealed_.load()) {
        auto rec = ReadNodeRecord(p.member.name);
        if (rec && *rec) {
          h.leader_address = (*rec)->value("api_addr", "");
          h.leader_cluster_address = (*rec)->value("cluster_addr", h.leader_cluster_address);
        }
      }
    }
    return h;
  }
  HaState h;
  h.ha_enabled = false;
  h.is_self = true;
  h.standby = false;
  h.leader_address = options_.api_addr;
  h.leader_cluster_address = options_.cluster_addr;
  h.cluster_name = options_.cluster_name;
  h.cluster_id = cluster_id_;
  if (!sealed_.load()) h.active_time = FormatTime(active_time_);
  return h;
}

Status CoreImpl::StepDownWithRequest(Request& req) {
  auto allowed = AuthorizeSudo(req, "sys/step-down");
  if (!allowed) return allowed.error();
  // Single node without HA: Vault answers 204 and stays active. With Raft, leadership
  // moves to the most up-to-date voter (none: stay active, as a lone node does).
  if (!options_.raft) return Status::Ok();
  auto members = options_.raft->node().Members();
  size_t voters = 0;
  for (const auto& m : members) voters += m.voter;
  if (voters < 2) return Status::Ok();
  telemetry::ScopedTimer timer("core.step_down");
  Status st =
      options_.raft->node().TransferLeadership(storage::raft::kNone, std::chrono::seconds(5));
  KickHa();
  if (!st.ok()) log::Warn("core", "step-down failed", {{"error", st.message()}});
  return st;
}

Status CoreImpl::SealWithRequest(Request& req) {
  {
    auto allowed = AuthorizeSudo(req, "sys/seal");
    if (!allowed) return allowed.error();
  }
  return Seal();
}

}  // namespace coffer::core
