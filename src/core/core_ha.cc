// CoreImpl over integrated Raft storage: active/standby transitions, joining a cluster
// (the challenge/answer exchange), cluster membership and autopilot, snapshots.
// The roles are described in ha.h.
#include <algorithm>
#include <chrono>
#include <thread>

#include "base/duration.h"
#include "base/log.h"
#include "core/core_impl.h"
#include "core/seal/seal.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "telemetry/metrics.h"

namespace coffer::core {

namespace {

namespace raft = storage::raft;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

constexpr char kRaftTlsPath[] = "core/raft/tls";
constexpr char kRaftNodesPrefix[] = "core/raft/nodes/";
constexpr char kAutopilotPath[] = "core/raft/autopilot/configuration";
constexpr char kChallengePath[] = "core/raft/challenge";
constexpr auto kChallengeTtl = std::chrono::minutes(5);
constexpr auto kHaInterval = milliseconds(200);

std::string Seconds(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

Result<seconds> DurationField(const Json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return seconds(v.get<int64_t>());
  if (v.is_string()) return ParseDuration(v.get<std::string>());
  return Err(InvalidArgument("invalid duration"));
}

Result<bool> BoolField(const Json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (s == "true" || s == "1") return true;
    if (s == "false" || s == "0") return false;
  }
  return Err(InvalidArgument("invalid boolean"));
}

Result<uint64_t> UintField(const Json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0)
    return static_cast<uint64_t>(v.get<int64_t>());
  if (v.is_string()) {
    try {
      size_t used = 0;
      uint64_t n = std::stoull(v.get<std::string>(), &used);
      if (used == v.get<std::string>().size()) return n;
    } catch (...) {
    }
  }
  return Err(InvalidArgument("invalid number"));
}

}  // namespace

// --- AutopilotConfig ---

Json AutopilotConfig::ToJson() const {
  return Json{
      {"cleanup_dead_servers", cleanup_dead_servers},
      {"last_contact_threshold", FormatDuration(last_contact_threshold)},
      {"dead_server_last_contact_threshold", FormatDuration(dead_server_last_contact_threshold)},
      {"max_trailing_logs", max_trailing_logs},
      {"min_quorum", min_quorum},
      {"server_stabilization_time", FormatDuration(server_stabilization_time)},
      {"disable_upgrade_migration", disable_upgrade_migration}};
}

Status AutopilotConfig::Merge(const Json& j) {
  if (!j.is_object()) return InvalidArgument("autopilot configuration must be an object");
  AutopilotConfig next = *this;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const Json& v = it.value();
    auto bad = [&](const Status& s) {
      return InvalidArgument("error parsing \"" + k + "\": " + s.message());
    };
    if (k == "cleanup_dead_servers" || k == "disable_upgrade_migration") {
      auto b = BoolField(v);
      if (!b) return bad(b.error());
      (k == "cleanup_dead_servers" ? next.cleanup_dead_servers : next.disable_upgrade_migration) =
          *b;
    } else if (k == "last_contact_threshold" || k == "dead_server_last_contact_threshold" ||
               k == "server_stabilization_time") {
      auto d = DurationField(v);
      if (!d) return bad(d.error());
      if (k == "last_contact_threshold") next.last_contact_threshold = *d;
      if (k == "dead_server_last_contact_threshold") next.dead_server_last_contact_threshold = *d;
      if (k == "server_stabilization_time") next.server_stabilization_time = *d;
    } else if (k == "max_trailing_logs" || k == "min_quorum") {
      auto n = UintField(v);
      if (!n) return bad(n.error());
      (k == "max_trailing_logs" ? next.max_trailing_logs : next.min_quorum) = *n;
    } else {
      return InvalidArgument("unknown autopilot configuration field \"" + k + "\"");
    }
  }
  if (next.cleanup_dead_servers && next.min_quorum < 3)
    return InvalidArgument("min_quorum must be set (at least 3) when cleanup_dead_servers is set");
  if (next.dead_server_last_contact_threshold < seconds(1))
    return InvalidArgument("dead_server_last_contact_threshold must be at least 1s");
  *this = next;
  return Status::Ok();
}

// --- the HA thread: follows Raft leadership ---

void CoreImpl::StartHaThread() {
  if (!options_.raft || ha_thread_.joinable()) return;
  ha_thread_ = std::thread([this] { HaLoop(); });
}

void CoreImpl::StopHaThread() {
  {
    std::lock_guard<std::mutex> l(ha_mu_);
    ha_stop_ = true;
  }
  ha_cv_.notify_all();
  if (ha_thread_.joinable()) ha_thread_.join();
  if (join_thread_.joinable()) join_thread_.join();
}

void CoreImpl::KickHa() {
  {
    std::lock_guard<std::mutex> l(ha_mu_);
    ha_kick_ = true;
  }
  ha_cv_.notify_all();
}

void CoreImpl::HaLoop() {
  std::unique_lock<std::mutex> l(ha_mu_);
  while (!ha_stop_) {
    ha_cv_.wait_for(l, kHaInterval, [&] { return ha_stop_ || ha_kick_; });
    if (ha_stop_) break;
    ha_kick_ = false;
    l.unlock();
    HaEvaluate();
    l.lock();
  }
}

void CoreImpl::HaEvaluate() {
  std::lock_guard<std::mutex> g(ha_eval_mu_);
  if (sealed_.load() || !options_.raft) return;
  bool leader = options_.raft->node().IsLeader();
  if (leader && standby_.load()) Activate();
  if (!leader && !standby_.load()) Deactivate();
  if (!standby_.load() && !sealed_.load()) AutopilotTick();
}

void CoreImpl::Activate() {
  std::unique_lock<std::shared_mutex> lock(state_mu_);
  if (sealed_.load() || !standby_.load()) return;
  auto setup_start = steady_clock::now();
  Status st = barrier_.Reload();
  if (st.ok()) st = PostUnseal();
  if (st.ok()) {
    st = WriteNodeRecord(options_.node_id, Json{{"api_addr", options_.api_addr},
                                                {"cluster_addr", options_.cluster_addr}});
  }
  if (st.ok()) {
    auto raw = barrier_.Get(kAutopilotPath);
    if (raw && *raw) {
      auto j = ParseJson(**raw);
      AutopilotConfig cfg;
      if (j && cfg.Merge(*j).ok()) {
        std::lock_guard<std::mutex> l(ha_mu_);
        autopilot_ = cfg;
      }
    }
  }
  if (!st.ok()) {
    PreSeal();
    telemetry::MeasureSince("core.leadership_setup_failed", setup_start);
    log::Error("core", "leadership setup failed; staying standby", {{"error", st.message()}});
    return;
  }
  active_time_ = clock_.Now();
  active_since_ = steady_clock::now();
  standby_.store(false);
  log::Info("core", "acquired leadership, enabling active operation",
            {{"node_id", options_.node_id}});
}

void CoreImpl::Deactivate() {
  if (sealed_.load() || standby_.load()) return;
  // Refuse new requests at once (HandleRequest checks standby_ before taking the lock);
  // requests in flight finish before the exclusive lock tears the mounts down.
  standby_.store(true);
  std::unique_lock<std::shared_mutex> lock(state_mu_);
  if (sealed_.load()) return;
  PreSeal();
  {
    std::lock_guard<std::mutex> l(ha_mu_);
    healthy_since_.clear();
    seen_since_.clear();
  }
  // Vault's leadership_lost: how long this node had been active.
  telemetry::MeasureSince("core.leadership_lost", active_since_);
  log::Warn("core", "leadership lost, stopping active operation", {{"node_id", options_.node_id}});
}

Status CoreImpl::WaitForLeadership(milliseconds timeout) {
  auto deadline = steady_clock::now() + timeout;
  while (!options_.raft->node().IsLeader()) {
    if (steady_clock::now() > deadline) return Unavailable("no Raft leader was elected in time");
    std::this_thread::sleep_for(milliseconds(20));
  }
  return Status::Ok();
}

// Reads the cluster TLS keyring from the barrier (generating it on a leader that has
// none, e.g. a cluster initialised before the cluster port existed) and starts the
// cluster port with it.
Status CoreImpl::StartNetwork(bool may_generate) {
  if (!options_.network) return Internal("raft storage without a cluster network");
  COFFER_ASSIGN_OR_RETURN(auto raw, barrier_.Get(kRaftTlsPath));
  Json tls;
  if (raw) {
    COFFER_ASSIGN_OR_RETURN(tls, ParseJson(*raw));
  } else {
    if (!may_generate) return Corruption("cluster TLS keyring missing from storage");
    COFFER_ASSIGN_OR_RETURN(tls, options_.network->GenerateTls());
    COFFER_RETURN_IF_ERROR(barrier_.Put(kRaftTlsPath, tls.dump()));
  }
  return options_.network->Start(tls);
}

Status CoreImpl::WriteNodeRecord(const std::string& name, const Json& record) {
  return barrier_.Put(kRaftNodesPrefix + name, record.dump());
}

Result<std::optional<Json>> CoreImpl::ReadNodeRecord(const std::string& name) {
  COFFER_ASSIGN_OR_RETURN(auto raw, barrier_.Get(kRaftNodesPrefix + name));
  if (!raw) return std::optional<Json>();
  COFFER_ASSIGN_OR_RETURN(Json j, ParseJson(*raw));
  return std::optional<Json>(std::move(j));
}

// --- joining ---

Status CoreImpl::JoinOnce(const RaftJoinParams& params) {
  Json body{{"server_id", options_.node_id}};
  COFFER_ASSIGN_OR_RETURN(
      auto reply,
      options_.network->PostJson(params.leader, "sys/storage/raft/bootstrap/challenge", body));
  auto& [status, j] = reply;
  if (status != 200) {
    std::string msg = "leader refused the join challenge (HTTP " + std::to_string(status) + ")";
    if (j.is_object() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty())
      msg += ": " + j["errors"][0].dump();
    return Unavailable(msg);
  }
  if (!j.is_object() || !j.contains("challenge") || !j["challenge"].is_string() ||
      !j.contains("seal_config") || !j["seal_config"].is_object())
    return Unavailable("malformed join challenge from the leader");
  COFFER_ASSIGN_OR_RETURN(std::string raw, crypto::Base64Decode(j["challenge"].get<std::string>()));
  COFFER_ASSIGN_OR_RETURN(Json c, ParseJson(raw));
  auto pending = std::make_unique<PendingJoin>();
  pending->params = params;
  COFFER_ASSIGN_OR_RETURN(pending->seal_config, SealConfig::FromJson(j["seal_config"]));
  for (auto [field, out] :
       {std::pair{"root_key", &pending->root_key_blob},
        std::pair{"keyring", &pending->keyring_blob}, std::pair{"nonce", &pending->nonce_blob}}) {
    if (!c.contains(field) || !c[field].is_string())
      return Unavailable("malformed join challenge from the leader");
    COFFER_ASSIGN_OR_RETURN(*out, crypto::Base64Decode(c[field].get<std::string>()));
  }
  {
    std::lock_guard<std::mutex> l(join_mu_);
    join_ = std::move(pending);
  }
  ResetUnsealProgress();
  log::Info("core", "join challenge received; unseal this node with the cluster's keys",
            {{"leader", params.leader.api_addr}});
  return Status::Ok();
}

Result<bool> CoreImpl::JoinRaft(const RaftJoinParams& params) {
  if (!options_.raft) return Err(InvalidArgument("raft storage is not in use"));
  if (options_.node_id.empty()) return Err(InvalidArgument("storage \"raft\" has no node_id"));
  if (params.leader.api_addr.empty()) return Err(InvalidArgument("leader_api_addr is required"));
  if (!options_.raft->node().Members().empty())
    return Err(InvalidArgument("node is already part of a raft cluster"));
  COFFER_ASSIGN_OR_RETURN(bool initialized, barrier_.Initialized());
  if (initialized) return Err(InvalidArgument("node is already initialized"));
  Status st = JoinOnce(params);
  if (st.ok()) return true;
  if (!params.retry) return Err(st);
  // Vault keeps trying in the background and answers at once.
  log::Warn("core", "join failed, retrying in the background", {{"error", st.message()}});
  std::lock_guard<std::mutex> l(ha_mu_);
  if (!join_thread_.joinable()) {
    join_thread_ = std::thread([this, params] {
      std::unique_lock<std::mutex> l(ha_mu_);
      while (!ha_stop_) {
        ha_cv_.wait_for(l, seconds(2), [&] { return ha_stop_; });
        if (ha_stop_) return;
        l.unlock();
        bool done;
        {
          std::lock_guard<std::mutex> u(join_mu_);
          done = join_ != nullptr;
        }
        if (done || !options_.raft->node().Members().empty()) return;
        Status s = JoinOnce(params);
        if (!s.ok()) log::Warn("core", "join attempt failed", {{"error", s.message()}});
        l.lock();
      }
    });
  }
  return true;
}

// Called by Unseal (state_mu_ held) once the threshold of shares was reached on a node
// that holds a join challenge.
Result<SealStatus> CoreImpl::UnsealJoining(SecretBytes kek) {
  PendingJoin* join;  // stays valid: only this function (under state_mu_) resets join_
  {
    std::lock_guard<std::mutex> l(join_mu_);
    join = join_.get();
  }
  seal_->SetKek(std::move(kek));
  auto root_key = seal_->UnwrapRootKey(join->root_key_blob);
  seal_->ClearKek();
  if (!root_key) return Err(root_key.error());
  COFFER_RETURN_IF_ERROR(barrier_.UnsealWithKeyring(*root_key, join->keyring_blob));
  auto fail = [&](Status s) -> Result<SealStatus> {
    barrier_.Seal();
    return Err(std::move(s));
  };
  auto nonce = barrier_.DecryptBlob(kChallengePath, join->nonce_blob);
  if (!nonce) return fail(PermissionDenied("the unseal keys do not open the join challenge"));
  Json answer{{"server_id", options_.node_id},
              {"answer", crypto::Base64Encode(*nonce)},
              {"cluster_addr", options_.cluster_addr},
              {"api_addr", options_.api_addr},
              {"non_voter", join->params.non_voter}};
  WipeString(*nonce);
  auto reply =
      options_.network->PostJson(join->params.leader, "sys/storage/raft/bootstrap/answer", answer);
  if (!reply) return fail(reply.error());
  auto& [status, j] = *reply;
  if (status != 200 || !j.is_object() || !j.contains("tls_keyring"))
    return fail(
        Unavailable("the leader refused the join answer (HTTP " + std::to_string(status) + ")"));
  std::vector<raft::Member> peers;
  if (j.contains("peers") && j["peers"].is_array()) {
    for (const auto& p : j["peers"]) {
      raft::Member m;
      m.name = p.value("server_id", "");
      m.address = p.value("address", "");
      m.id = raft::MemberId(m.name);
      if (!m.name.empty() && !m.address.empty()) peers.push_back(m);
    }
  }
  options_.network->AddPeers(peers);
  if (Status s = options_.network->Start(j["tls_keyring"]); !s.ok()) return fail(s);
  // The leader now replicates everything to us; wait for the barrier's own records.
  auto deadline = steady_clock::now() + seconds(120);
  for (;;) {
    auto ring = options_.physical->Get(kKeyringPath);
    auto root = options_.physical->Get(kRootKeyPath);
    auto tls = options_.physical->Get(kRaftTlsPath);
    if (ring && *ring && root && *root && tls && *tls) break;
    if (steady_clock::now() > deadline) {
      options_.network->Stop();
      return fail(Unavailable("timed out waiting for the cluster's data to arrive"));
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  if (Status s = barrier_.Unseal(*root_key); !s.ok()) return fail(s);
  {
    std::lock_guard<std::mutex> l(join_mu_);
    join_.reset();
  }
  log::Info("core", "joined the raft cluster", {{"node_id", options_.node_id}});
  return SealStatus{};
}

// --- the leader's side of a join ---

Result<Json> CoreImpl::RaftBootstrapChallenge(const std::string& server_id) {
  if (!options_.raft) return Err(InvalidArgument("raft storage is not in use"));
  if (server_id.empty()) return Err(InvalidArgument("no server id provided"));
  COFFER_ASSIGN_OR_RETURN(SecretBytes nonce, crypto::RandomBytes(random_, 32));
  COFFER_ASSIGN_OR_RETURN(std::string nonce_blob,
                          barrier_.EncryptBlob(kChallengePath, nonce.view()));
  COFFER_ASSIGN_OR_RETURN(std::string keyring, barrier_.KeyringBlob());
  COFFER_ASSIGN_OR_RETURN(auto root, options_.physical->Get(kRootKeyPath));
  if (!root) return Err(Corruption("wrapped root key missing"));
  COFFER_ASSIGN_OR_RETURN(SealConfig cfg, ReadSealConfig());
  {
    std::lock_guard<std::mutex> l(ha_mu_);
    auto now = steady_clock::now();
    std::erase_if(challenges_, [&](const auto& kv) { return kv.second.expires < now; });
    if (challenges_.size() > 1000) return Err(Unavailable("too many pending join challenges"));
    challenges_[server_id] = Challenge{nonce.ToString(), now + kChallengeTtl};
  }
  Json c{{"nonce", crypto::Base64Encode(nonce_blob)},
         {"keyring", crypto::Base64Encode(keyring)},
         {"root_key", crypto::Base64Encode(*root)}};
  return Json{{"challenge", crypto::Base64Encode(c.dump())}, {"seal_config", cfg.ToJson()}};
}

Result<Json> CoreImpl::RaftBootstrapAnswer(const Json& body) {
  if (!options_.raft) return Err(InvalidArgument("raft storage is not in use"));
  std::string server_id = body.value("server_id", "");
  std::string answer_b64 = body.value("answer", "");
  std::string cluster_addr = body.value("cluster_addr", "");
  std::string api_addr = body.value("api_addr", "");
  bool non_voter = body.value("non_voter", false);
  if (server_id.empty()) return Err(InvalidArgument("no server id provided"));
  if (answer_b64.empty()) return Err(InvalidArgument("no answer provided"));
  if (cluster_addr.empty()) return Err(InvalidArgument("no cluster_addr provided"));
  COFFER_ASSIGN_OR_RETURN(std::string answer, crypto::Base64Decode(answer_b64));
  std::string expected;
  {
    std::lock_guard<std::mutex> l(ha_mu_);
    auto it = challenges_.find(server_id);
    if (it == challenges_.end() || it->second.expires < steady_clock::now())
      return Err(InvalidArgument("no expected answer for the server id provided"));
    expected = std::move(it->second.nonce);
    challenges_.erase(it);
  }
  SecretBytes a = SecretBytes::FromString(answer), e = SecretBytes::FromString(expected);
  WipeString(answer);
  WipeString(expected);
  if (a.size() != e.size() || !a.Equals(e)) return Err(PermissionDenied("invalid answer given"));

  raft::Member m;
  m.name = server_id;
  m.id = raft::MemberId(server_id);
  m.address = ClusterHostPort(cluster_addr);
  m.voter = false;  // autopilot promotes it once it is stable (unless non_voter)
  for (const auto& existing : options_.raft->node().Members()) {
    if (existing.id == m.id) m.voter = existing.voter;  // a rejoin keeps its vote
  }
  COFFER_RETURN_IF_ERROR(WriteNodeRecord(
      server_id,
      Json{{"api_addr", api_addr}, {"cluster_addr", cluster_addr}, {"non_voter", non_voter}}));
  COFFER_RETURN_IF_ERROR(options_.raft->node().AddMember(m));
  COFFER_ASSIGN_OR_RETURN(auto tls_raw, barrier_.Get(kRaftTlsPath));
  if (!tls_raw) return Err(Corruption("cluster TLS keyring missing from storage"));
  COFFER_ASSIGN_OR_RETURN(Json tls, ParseJson(*tls_raw));
  Json peers = Json::array();
  for (const auto& p : options_.raft->node().Members())
    peers.push_back({{"server_id", p.name}, {"address", p.address}});
  log::Info("core", "raft peer joined", {{"server_id", server_id}, {"address", m.address}});
  return Json{{"tls_keyring", tls}, {"peers", peers}, {"autoloaded_unseal", false}};
}

// --- membership, autopilot ---

Result<Json> CoreImpl::RaftConfiguration() {
  if (!options_.raft) return Err(InvalidArgument("raft storage is not in use"));
  raft::NodeStatus st = options_.raft->node().GetStatus();
  Json servers = Json::array();
  for (const auto& p : st.peers) {
    servers.push_back({{"node_id", p.member.name},
                       {"address", p.member.address},
                       {"leader", p.member.id == st.leader},
                       {"protocol_version", "3"},
                       {"voter", p.member.voter}});
  }
  return Json{{"config", {{"servers", servers}, {"index", st.applied_index}}}};
}

Status CoreImpl::RaftRemovePeer(const std::string& server_id) {
  if (!options_.raft) return InvalidArgument("raft storage is not in use");
  if (server_id.empty()) return InvalidArgument("no server id provided");
  uint64_t id = raft::MemberId(server_id);
  bool found = false;
  for (const auto& m : options_.raft->node().Members()) found |= m.id == id;
  if (!found) return InvalidArgument("no such server: " + server_id);
  COFFER_RETURN_IF_ERROR(options_.raft->node().RemoveMember(id));
  (void)barrier_.Delete(kRaftNodesPrefix + server_id);
  log::Info("core", "raft peer removed", {{"server_id", server_id}});
  return Status::Ok();
}

Result<AutopilotConfig> CoreImpl::GetAutopilotConfig() {
  if (!options_.raft) return Err(InvalidArgument("raft storage is not in use"));
  std::lock_guard<std::mutex> l(ha_mu_);
  return autopilot_;
}

Status CoreImpl::SetAutopilotConfig(const Json& body) {
  if (!options_.raft) return InvalidArgument("raft storage is not in use");
  AutopilotConfig cfg;
  {
    std::lock_guard<std::mutex> l(ha_mu_);
    cfg = autopilot_;
  }
  COFFER_RETURN_IF_ERROR(cfg.Merge(body));
  COFFER_RETURN_IF_ERROR(barrier_.Put(kAutopilotPath, cfg.ToJson().dump()));
  std::lock_guard<std::mutex> l(ha_mu_);
  autopilot_ = cfg;
  return Status::Ok();
}

// One autopilot round on the active node: promote a stable non-voter, or remove a dead
// server. At most one membership change per round (Raft allows one at a time).
void CoreImpl::AutopilotTick() {
  raft::Node& node = options_.raft->node();
  if (!node.IsLeader()) return;
  raft::NodeStatus st = node.GetStatus();
  AutopilotConfig cfg;
  {
    std::lock_guard<std::mutex> l(ha_mu_);
    cfg = autopilot_;
  }
  auto now = steady_clock::now();
  size_t voters = 0;
  for (const auto& p : st.peers) voters += p.member.voter;
  for (auto p : st.peers) {
    if (p.member.id == st.id) continue;
    {
      // A server we have not heard from yet counts from when we first saw it (a node
      // that just joined is not dead).
      std::lock_guard<std::mutex> l(ha_mu_);
      auto seen = seen_since_.try_emplace(p.member.id, now).first->second;
      p.since_last_contact =
          std::min(p.since_last_contact, std::chrono::duration_cast<milliseconds>(now - seen));
    }
    bool healthy = p.since_last_contact <= cfg.last_contact_threshold &&
                   p.match + cfg.max_trailing_logs >= st.commit_index;
    {
      std::lock_guard<std::mutex> l(ha_mu_);
      if (!healthy) {
        healthy_since_.erase(p.member.id);
      } else {
        healthy_since_.try_emplace(p.member.id, now);
      }
    }
    if (cfg.cleanup_dead_servers && p.since_last_contact > cfg.dead_server_last_contact_threshold &&
        voters - (p.member.voter ? 1 : 0) >= std::max<uint64_t>(cfg.min_quorum, 1)) {
      log::Info("core", "autopilot: removing dead server",
                {{"server_id", p.member.name}, {"last_contact", Seconds(p.since_last_contact)}});
      if (Status s = node.RemoveMember(p.member.id); !s.ok()) {
        log::Warn("core", "autopilot: remove failed", {{"error", s.message()}});
      } else {
        (void)barrier_.Delete(kRaftNodesPrefix + p.member.name);
      }
      return;
    }
    if (!p.member.voter && healthy) {
      auto rec = ReadNodeRecord(p.member.name);
      if (!rec || !*rec || (*rec)->value("non_voter", false)) continue;
      steady_clock::time_point since;
      {
        std::lock_guard<std::mutex> l(ha_mu_);
        since = healthy_since_[p.member.id];
      }
      if (now - since < cfg.server_stabilization_time) continue;
      raft::Member promoted = p.member;
      promoted.voter = true;
      log::Info("core", "autopilot: promoting server to voter", {{"server_id", p.member.name}});
      if (Status s = node.AddMember(promoted); !s.ok())
        log::Warn("core", "autopilot: promotion failed", {{"error", s.message()}});
      return;
    }
  }
}

Result<Json> CoreImpl::AutopilotState() {
  if (!options_.raft) return Err(InvalidArgument("raft storage is not in use"));
  raft::NodeStatus st = options_.raft->node().GetStatus();
  AutopilotConfig cfg;
  std::map<uint64_t, steady_clock::time_point> since;
  {
    std::lock_guard<std::mutex> l(ha_mu_);
    cfg = autopilot_;
    since = healthy_since_;
  }
  Json servers = Json::object();
  Json voters = Json::array();
  size_t voter_count = 0, healthy_voters = 0;
  std::string leader_name;
  for (const auto& p : st.peers) {
    bool self = p.member.id == st.id;
    bool healthy = self || (p.since_last_contact <= cfg.last_contact_threshold &&
                            p.match + cfg.max_trailing_logs >= st.commit_index);
    if (p.member.id == st.leader) leader_name = p.member.name;
    if (p.member.voter) {
      ++voter_count;
      healthy_voters += healthy;
      voters.push_back(p.member.name);
    }
    std::string status = p.member.id == st.leader ? "leader"
                         : p.member.voter         ? "voter"
                                                  : "non-voter";
    servers[p.member.name] = {
        {"id", p.member.name},
        {"name", p.member.name},
        {"address", p.member.address},
        {"node_status", healthy ? "alive" : "failed"},
        {"last_contact",
         Seconds(self ? milliseconds(0) : std::min(p.since_last_contact, milliseconds(1ll << 40)))},
        {"last_term", st.term},
        {"last_index", self ? st.last_index : p.match},
        {"healthy", healthy},
        {"stable_since", FormatTime(clock_.Now())},
        {"status", status},
        {"version", Version()},
        {"node_type", p.member.voter ? "voter" : "read-replica"}};
  }
  size_t quorum = voter_count / 2 + 1;
  int64_t tolerance = static_cast<int64_t>(healthy_voters) - static_cast<int64_t>(quorum);
  return Json{{"healthy", tolerance >= 0 && healthy_voters == voter_count},
              {"failure_tolerance", std::max<int64_t>(tolerance, 0)},
              {"optimistic_failure_tolerance", std::max<int64_t>(tolerance, 0)},
              {"leader", leader_name},
              {"voters", voters},
              {"servers", servers}};
}

Result<Json> CoreImpl::HaStatus() {
  Json nodes = Json::array();
  if (!options_.raft) {
    nodes.push_back({{"hostname", options_.node_id},
                     {"api_address", options_.api_addr},
                     {"cluster_address", options_.cluster_addr},
                     {"active_node", true},
                     {"last_echo", nullptr},
                     {"version", Version()},
                     {"upgrade_version", Version()},
                     {"redundancy_zone", ""}});
    return Json{{"nodes", nodes}};
  }
  raft::NodeStatus st = options_.raft->node().GetStatus();
  auto now = clock_.Now();
  for (const auto& p : st.peers) {
    auto rec = ReadNodeRecord(p.member.name);
    Json r = rec && *rec ? **rec : Json::object();
    bool active = p.member.id == st.leader;
    Json echo = nullptr;
    if (!active) {
      echo = FormatTime(now - std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                  p.since_last_contact));
    }
    nodes.push_back({{"hostname", p.member.name},
                     {"api_address", r.value("api_addr", "")},
                     {"cluster_address", r.value("cluster_addr", "https://" + p.member.address)},
                     {"active_node", active},
                     {"last_echo", echo},
                     {"version", Version()},
                     {"upgrade_version", Version()},
                     {"redundancy_zone", ""}});
  }
  return Json{{"nodes", nodes}};
}

// --- snapshots ---

Status CoreImpl::RaftSnapshotWithRequest(Request& req,
                                         const std::function<Status(std::string_view)>& sink) {
  if (!options_.raft) return InvalidArgument("raft storage is not in use");
  COFFER_RETURN_IF_ERROR(Authorize(req, Operation::kRead, "sys/storage/raft/snapshot"));
  return RaftSnapshot(sink);
}

Status CoreImpl::RaftRestoreWithRequest(Request& req,
                                        const std::function<Result<size_t>(char*, size_t)>& source,
                                        bool force) {
  if (!options_.raft) return InvalidArgument("raft storage is not in use");
  COFFER_RETURN_IF_ERROR(
      Authorize(req, Operation::kUpdate,
                force ? "sys/storage/raft/snapshot-force" : "sys/storage/raft/snapshot"));
  return RaftRestore(source, force);
}

Status CoreImpl::RaftSnapshot(const raft::SnapshotSink& sink) {
  if (!options_.raft) return InvalidArgument("raft storage is not in use");
  COFFER_ASSIGN_OR_RETURN(auto meta, options_.raft->node().SaveSnapshot(sink));
  (void)meta;
  return Status::Ok();
}

Status CoreImpl::RaftRestore(const raft::SnapshotSource& source, bool force) {
  if (!options_.raft) return InvalidArgument("raft storage is not in use");
  auto check = [&](std::string_view key, std::string_view value) -> Status {
    if (key != kKeyringPath) return Status::Ok();
    if (force) return Status::Ok();
    // Vault refuses a snapshot of another cluster unless forced: after it the node
    // needs that cluster's keys.
    if (!barrier_.CheckKeyring(value).ok()) {
      return InvalidArgument(
          "snapshot was taken with different unseal keys (another cluster); use "
          "snapshot-force to restore it anyway");
    }
    return Status::Ok();
  };
  COFFER_RETURN_IF_ERROR(options_.raft->node().RestoreSnapshot(source, check));
  // Everything loaded from storage is stale now: reload as a new active node would, and
  // seal if this cluster's root key does not open the restored keyring.
  {
    std::unique_lock<std::shared_mutex> lock(state_mu_);
    PreSeal();
    Status st = barrier_.Reload();
    if (st.ok()) st = PostUnseal();
    if (!st.ok()) {
      log::Error("core", "restored data cannot be opened with this node's keys; sealing",
                 {{"error", st.message()}});
      sealed_.store(true);
      PreSeal();
      barrier_.Seal();
    }
  }
  log::Info("core", "raft snapshot restored");
  return Status::Ok();
}

}  // namespace coffer::core
