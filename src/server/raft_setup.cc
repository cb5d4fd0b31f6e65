#include "server/raft_setup.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "base/log.h"
#include "crypto/random.h"
#include "storage/factory.h"

namespace coffer::server {

namespace {

Result<std::string> ReadFile(const std::string& path, const std::string& what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Err(InvalidArgument(what + ": cannot read \"" + path + "\""));
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The cluster listener: the first listener's cluster_address, else its port + 1.
Result<std::string> ClusterListenAddress(const config::ServerConfig& cfg) {
  if (cfg.listeners.empty()) return Err(InvalidArgument("no listener for the cluster port"));
  const config::Listener& l = cfg.listeners.front();
  if (!l.cluster_address.empty()) return l.cluster_address;
  auto colon = l.address.rfind(':');
  if (colon == std::string::npos) return Err(InvalidArgument("listener address has no port"));
  int port = std::atoi(l.address.c_str() + colon + 1);
  if (port <= 0 || port >= 65535)
    return Err(InvalidArgument("cannot derive the cluster port from \"" + l.address + "\""));
  return l.address.substr(0, colon + 1) + std::to_string(port + 1);
}

Result<std::string> ResolveNodeId(const std::map<std::string, std::string>& options,
                                  const std::string& path) {
  if (auto it = options.find("node_id"); it != options.end() && !it->second.empty())
    return it->second;
  if (const char* env = std::getenv("VAULT_RAFT_NODE_ID"); env != nullptr && *env) return env;
  std::string file = path + "/node-id";
  if (std::ifstream f(file); f) {
    std::string id;
    std::getline(f, id);
    if (!id.empty()) return id;
  }
  ::mkdir(path.c_str(), 0700);
  COFFER_ASSIGN_OR_RETURN(std::string id, crypto::GenerateUuid(crypto::SystemRandom::Get()));
  std::ofstream out(file, std::ios::trunc);
  out << id << "\n";
  out.close();
  if (!out) return Err(Internal("cannot write " + file));
  return id;
}

}  // namespace

Result<std::unique_ptr<storage::raft::RaftBackend>> OpenRaftStorage(
    const config::ServerConfig& cfg, std::unique_ptr<ClusterPort>* port, std::string* node_id) {
  std::map<std::string, std::string> options = cfg.storage->options;
  auto path_it = options.find("path");
  if (path_it == options.end() || path_it->second.empty())
    return Err(InvalidArgument("storage \"raft\": missing \"path\""));
  const std::string path = path_it->second;
  ::mkdir(path.c_str(), 0700);
  COFFER_ASSIGN_OR_RETURN(*node_id, ResolveNodeId(options, path));
  COFFER_ASSIGN_OR_RETURN(std::string listen, ClusterListenAddress(cfg));
  std::string snapshots = path + "/snapshots";
  ::mkdir(snapshots.c_str(), 0700);

  COFFER_ASSIGN_OR_RETURN(storage::raft::NodeOptions node, storage::RaftNodeOptions(options));
  node.name = *node_id;
  node.address = core::ClusterHostPort(cfg.cluster_addr);
  node.snapshot_dir = snapshots;
  *port = std::make_unique<ClusterPort>(listen, snapshots, storage::raft::MemberId(*node_id));
  node.transport = port->get();
  node.on_leadership = [p = port->get()](bool, uint64_t) { p->NotifyLeadership(); };
  // A node whose Raft loop stopped (a failed write or fdatasync: disk full, I/O error)
  // would linger as a standby that never catches up; like PostgreSQL after a failed
  // fsync, exit so the supervisor restarts it and it recovers from its WAL (found by
  // tests/faults' disk-full fault).
  node.on_stopped = [](const Status& error) {
    log::Error("raft", "storage write failed, exiting to restart from the write-ahead log",
               {{"error", error.message()}});
    std::fflush(nullptr);
    std::_Exit(1);
  };
  COFFER_ASSIGN_OR_RETURN(auto backend, storage::OpenRaft(options, node));
  (*port)->Attach(&backend->node());
  return backend;
}

RetryJoin::RetryJoin(core::CoreImpl& core, const config::ServerConfig& cfg) : core_(core) {
  if (!cfg.storage || cfg.storage->type != "raft") return;
  const Json& raw = cfg.storage->raw;
  if (!raw.is_object() || !raw.contains("retry_join")) return;
  bool non_voter = false;
  if (raw.contains("retry_join_as_non_voter")) {
    const Json& v = raw["retry_join_as_non_voter"];
    non_voter = v.is_boolean() ? v.get<bool>() : (v.is_string() && v.get<std::string>() == "true");
  }
  for (const Json& stanza : raw["retry_join"]) {
    if (!stanza.is_object()) continue;
    core::RaftJoinParams p;
    p.non_voter = non_voter;
    auto str = [&](const char* k) {
      return stanza.contains(k) && stanza[k].is_string() ? stanza[k].get<std::string>() : "";
    };
    p.leader.api_addr = str("leader_api_addr");
    p.leader.tls_server_name = str("leader_tls_servername");
    p.leader.ca_cert_pem = str("leader_ca_cert");
    p.leader.client_cert_pem = str("leader_client_cert");
    p.leader.client_key_pem = str("leader_client_key");
    for (auto [key, out] : {std::pair{"leader_ca_cert_file", &p.leader.ca_cert_pem},
                            std::pair{"leader_client_cert_file", &p.leader.client_cert_pem},
                            std::pair{"leader_client_key_file", &p.leader.client_key_pem}}) {
      std::string file = str(key);
      if (file.empty()) continue;
      auto pem = ReadFile(file, std::string("retry_join ") + key);
      if (!pem) {
        log::Error("server", "retry_join: skipping a stanza", {{"error", pem.error().message()}});
        p.leader.api_addr.clear();
        break;
      }
      *out = std::move(*pem);
    }
    if (!p.leader.api_addr.empty()) targets_.push_back(std::move(p));
  }
  if (!targets_.empty()) thread_ = std::thread([this] { Run(); });
}

void RetryJoin::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RetryJoin::Run() {
  std::unique_lock<std::mutex> l(mu_);
  for (;;) {
    l.unlock();
    auto initialized = core_.IsInitialized();
    bool done = (initialized && *initialized) || !core_.Raft()->node().Members().empty();
    if (!done) {
      for (const auto& target : targets_) {
        auto joined = core_.JoinRaft(target);
        if (joined) {
          log::Info("server", "retry_join: join challenge received",
                    {{"leader", target.leader.api_addr}});
          done = true;
          break;
        }
        log::Warn("server", "retry_join: attempt failed",
                  {{"leader", target.leader.api_addr}, {"error", joined.error().message()}});
      }
    }
    l.lock();
    if (done || stop_) return;
    cv_.wait_for(l, std::chrono::seconds(2), [&] { return stop_; });
    if (stop_) return;
  }
}

}  // namespace coffer::server
