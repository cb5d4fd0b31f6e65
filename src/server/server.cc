#include "server/server.h"

#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>

#include "audit/builtins.h"
#include "auth/builtins.h"
#include "auth/token/token_backend.h"
#include "base/log.h"
#include "config/config.h"
#include "core/core_impl.h"
#include "crypto/hash.h"
#include "engines/builtins.h"
#include "engines/cubbyhole/cubbyhole.h"
#include "engines/kv/kv.h"
#include "engines/sys/sys_backend.h"
#include "http/server.h"
#include "server/cluster_port.h"
#include "server/flags.h"
#include "server/raft_setup.h"
#include "server/telemetry_setup.h"
#include "storage/factory.h"

namespace coffer::server {

namespace {

http::ListenerOptions ToListenerOptions(const config::Listener& l) {
  http::ListenerOptions o;
  o.address = l.address;
  o.tls_disable = l.tls_disable;
  o.tls_cert_file = l.tls_cert_file;
  o.tls_key_file = l.tls_key_file;
  o.tls_min_version = l.tls_min_version;
  o.tls_max_version = l.tls_max_version;
  o.tls_cipher_suites = l.tls_cipher_suites;
  o.tls_client_ca_file = l.tls_client_ca_file;
  o.tls_require_and_verify_client_cert = l.tls_require_and_verify_client_cert;
  o.tls_disable_client_certs = l.tls_disable_client_certs;
  o.max_request_size = l.max_request_size;
  o.max_request_duration = l.max_request_duration;
  if (l.http_read_header_timeout.count() > 0) o.header_read_timeout = l.http_read_header_timeout;
  if (l.http_idle_timeout.count() > 0) o.idle_timeout = l.http_idle_timeout;
  if (l.http_read_timeout.count() > 0) o.read_timeout = l.http_read_timeout;
  o.unauthenticated_metrics_access = l.unauthenticated_metrics_access;
  return o;
}

Status ApplyLogSettings(const std::string& level, const std::string& format) {
  log::Level l;
  if (!log::ParseLevel(level, &l)) return InvalidArgument("unknown log level \"" + level + "\"");
  log::SetLevel(l);
  if (format == "json")
    log::SetFormat(log::Format::kJson);
  else if (format.empty() || format == "standard")
    log::SetFormat(log::Format::kStandard);
  else
    return InvalidArgument("unknown log format \"" + format + "\"");
  return Status::Ok();
}

// Keys must not be paged out or dumped: lock memory (unless disabled) and mark the
// process non-dumpable so a crash does not write key material to a core file.
Status HardenProcess(bool disable_mlock) {
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (disable_mlock) return Status::Ok();
  if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0) {
    return Internal(
        "failed to lock memory with mlockall: " + std::string(std::strerror(errno)) +
        ". Run as root, grant CAP_IPC_LOCK, or set disable_mlock = true in the configuration");
  }
  return Status::Ok();
}

Status CheckReadable(const std::string& path, const std::string& what) {
  if (path.empty()) return Status::Ok();
  if (access(path.c_str(), R_OK) != 0)
    return InvalidArgument(what + " \"" + path + "\": " + std::strerror(errno));
  return Status::Ok();
}

void WriteDevToken(const std::string& token) {
  const char* home = std::getenv("HOME");
  if (home == nullptr) return;
  std::string path = std::string(home) + "/.coffer-token";
  std::ofstream f(path, std::ios::trunc);
  f << token;
  f.close();
  chmod(path.c_str(), 0600);
}

core::CoreOptions BaseCoreOptions(core::Registry& registry) {
  engines::RegisterBuiltins(registry);
  auth::RegisterBuiltins(registry);
  audit::RegisterBuiltins(registry);
  core::CoreOptions o;
  o.registry = &registry;
  o.system_backend_factory = [](core::CoreImpl& c) { return engines::sys::NewSystemBackend(c); };
  o.token_backend_factory = [](core::CoreImpl& c) { return auth::token::NewTokenBackend(c); };
  o.cubbyhole_destroyer = [](storage::Backend& view, const std::string& token) {
    return engines::cubbyhole::DestroyCubbyhole(view, token);
  };
  return o;
}

// Blocks until SIGINT/SIGTERM; SIGHUP runs `reload`.
void WaitForSignals(const std::function<void()>& reload) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      log::Info("server", "caught SIGHUP, reloading");
      reload();
      continue;
    }
    log::Info("server", "shutdown triggered");
    return;
  }
}

void BlockSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

}  // namespace

int Main(int argc, char** argv) {
  BlockSignals();  // before any thread starts, so only sigwait sees them
  auto flags = ParseServerFlags(argc, argv);
  if (!flags) {
    std::cerr << "Error: " << flags.error().message() << "\n\n" << ServerUsage();
    return 2;
  }
  if (flags->help) {
    std::cout << ServerUsage();
    return 0;
  }

  config::ServerConfig cfg;
  if (flags->dev) {
    config::Storage st;
    st.type = "inmem";
    cfg.storage = st;
    config::Listener l;
    l.address = flags->dev_listen_address;
    l.tls_disable = true;
    cfg.listeners.push_back(l);
    cfg.disable_mlock = true;
    cfg.api_addr = "http://" + flags->dev_listen_address;
  }
  if (!flags->config_paths.empty()) {
    auto loaded = config::Load(flags->config_paths);
    if (!loaded) {
      std::cerr << "Error loading configuration: " << loaded.error().message() << "\n";
      return 1;
    }
    if (flags->dev) {
      // Dev mode keeps its in-memory storage and plain listener unless the file sets them.
      if (!loaded->storage) loaded->storage = cfg.storage;
      if (loaded->listeners.empty()) loaded->listeners = cfg.listeners;
      loaded->disable_mlock = true;
    }
    cfg = std::move(*loaded);
    Status v = config::Validate(cfg);
    if (!v.ok()) {
      std::cerr << "Error: " << v.message() << "\n";
      return 1;
    }
  }
  std::string level = !flags->log_level.empty() ? flags->log_level : cfg.log_level;
  std::string format = !flags->log_format.empty() ? flags->log_format : cfg.log_format;
  if (Status s = ApplyLogSettings(level, format); !s.ok()) {
    std::cerr << "Error: " << s.message() << "\n";
    return 1;
  }
  for (const auto& seal : cfg.seals) {
    if (seal.type != "shamir" && !seal.disabled) {
      std::cerr << "Error: " << seal.source << ": seal \"" << seal.type
                << "\" is not yet supported by this version of Coffer (only \"shamir\")\n";
      return 1;
    }
  }
  for (const auto& l : cfg.listeners) {
    if (l.tls_disable) continue;
    for (auto [path, what] :
         {std::pair{l.tls_cert_file, "tls_cert_file"}, std::pair{l.tls_key_file, "tls_key_file"},
          std::pair{l.tls_client_ca_file, "tls_client_ca_file"}}) {
      if (Status s = CheckReadable(path, std::string(l.source) + ": listener \"tcp\": " + what);
          !s.ok()) {
        std::cerr << "Error: " << s.message() << "\n";
        return 1;
      }
    }
  }
  if (Status s = HardenProcess(cfg.disable_mlock); !s.ok()) {
    std::cerr << "Error: " << s.message() << "\n";
    return 1;
  }

  StartTelemetry(cfg, flags->dev);

  // The cluster port outlives the storage: the Raft loop sends through it until it stops.
  std::unique_ptr<ClusterPort> cluster_port;
  std::unique_ptr<storage::Backend> physical;
  storage::raft::RaftBackend* raft = nullptr;
  std::string node_id;
  if (cfg.storage->type == "raft") {
    auto opened = OpenRaftStorage(cfg, &cluster_port, &node_id);
    if (!opened) {
      std::cerr << "Error initializing storage of type raft: " << opened.error().message() << "\n";
      return 1;
    }
    raft = opened->get();
    physical = std::move(*opened);
  } else {
    auto opened = storage::NewBackend(cfg.storage->type, cfg.storage->options);
    if (!opened) {
      std::cerr << "Error initializing storage of type " << cfg.storage->type << ": "
                << opened.error().message() << "\n";
      return 1;
    }
    physical = std::move(*opened);
  }

  core::Registry registry;
  core::CoreOptions copts = BaseCoreOptions(registry);
  if (flags->dev_leased_kv) registry.RegisterSecretsEngine("kv", engines::kv::LeasedFactory);
  copts.physical = physical.get();
  copts.raft = raft;
  copts.network = cluster_port.get();
  copts.node_id = node_id;
  copts.storage_type = cfg.storage->type;
  copts.default_lease_ttl = cfg.default_lease_ttl;
  copts.max_lease_ttl = cfg.max_lease_ttl;
  copts.cluster_name = cfg.cluster_name;
  copts.api_addr = cfg.api_addr;
  copts.cluster_addr = cfg.cluster_addr;
  core::CoreImpl core(std::move(copts));
  if (cluster_port) cluster_port->SetLeadershipListener([&core] { core.OnLeadershipChange(); });
  // Detaches the listener before `core` goes, on every return path.
  struct ListenerReset {
    ClusterPort* port;
    ~ListenerReset() {
      if (port) port->SetLeadershipListener(nullptr);
    }
  } listener_reset{cluster_port.get()};

  std::string dev_token;
  std::string dev_key;
  if (flags->dev) {
    auto init = core.SetupDevMode(flags->dev_root_token_id, flags->dev_leased_kv ? 1 : 2);
    if (!init) {
      std::cerr << "Error initializing dev mode: " << init.error().message() << "\n";
      return 1;
    }
    dev_token = init->root_token;
    dev_key = init->keys.empty() ? "" : crypto::Base64Encode(init->keys[0].view());
  }

  http::ServerOptions hopts;
  for (const auto& l : cfg.listeners) hopts.listeners.push_back(ToListenerOptions(l));
  if (cluster_port) {
    hopts.forward = [&core, port = cluster_port.get()](const http::HttpRequest& r) {
      return port->Forward(core.GetHaState().leader_cluster_address, r);
    };
  }
  http::Server http_server(core, hopts);
  if (cluster_port) cluster_port->AttachHttp(&http_server);
  struct HttpDetach {
    ClusterPort* port;
    ~HttpDetach() {
      if (port) port->AttachHttp(nullptr);
    }
  } http_detach{cluster_port.get()};
  RetryJoin retry_join(core, cfg);
  if (Status s = http_server.Start(); !s.ok()) {
    std::cerr << "Error starting listeners: " << s.message() << "\n";
    return 1;
  }
  if (!cfg.pid_file.empty()) {
    std::ofstream pf(cfg.pid_file, std::ios::trunc);
    pf << getpid() << "\n";
  }

  std::cout << "==> Coffer server configuration:\n\n"
            << "             Api Address: " << cfg.api_addr << "\n"
            << "               Log Level: " << level << "\n"
            << "                 Storage: " << cfg.storage->type << "\n"
            << "                 Version: Coffer " << core.Version() << "\n";
  for (size_t i = 0; i < cfg.listeners.size(); ++i) {
    std::cout << "              Listener " << i + 1 << ": tcp (addr: \"" << cfg.listeners[i].address
              << "\", tls: \"" << (cfg.listeners[i].tls_disable ? "disabled" : "enabled")
              << "\")\n";
  }
  if (flags->dev) {
    if (!flags->dev_no_store_token) WriteDevToken(dev_token);
    std::cout << "\nWARNING! dev mode is enabled! In this mode, Coffer runs entirely in-memory\n"
              << "and starts unsealed with a single unseal key. The root token is already\n"
              << "authenticated to the CLI, so you can immediately begin using Coffer.\n\n"
              << "You may need to set the following environment variables:\n\n"
              << "    $ export COFFER_ADDR='http://" << flags->dev_listen_address << "'\n\n"
              << "The unseal key and root token are displayed below in case you want to\n"
              << "seal/unseal the Vault or re-authenticate.\n\n"
              << "Unseal Key: " << dev_key << "\n"
              << "Root Token: " << dev_token << "\n\n"
              << "Development mode should NOT be used in production installations!\n";
  }
  std::cout << "\n==> Coffer server started! Log data will stream in below:\n" << std::flush;

  std::vector<std::string> config_paths = flags->config_paths;
  std::string flag_level = flags->log_level;
  WaitForSignals([&] {
    if (!config_paths.empty()) {
      auto reloaded = config::Load(config_paths);
      if (!reloaded) {
        log::Error("server", "failed to reload configuration",
                   {{"error", reloaded.error().message()}});
      } else if (flag_level.empty()) {
        Status s = ApplyLogSettings(reloaded->log_level, format);
        if (!s.ok()) log::Error("server", "failed to apply log level", {{"error", s.message()}});
      }
    }
    Status s = http_server.ReloadTls();
    if (!s.ok())
      log::Error("server", "failed to reload TLS certificates", {{"error", s.message()}});
    else
      log::Info("server", "reloaded TLS certificates");
    // Audit devices reopen their files (log rotation) and reconnect sockets.
    s = core.ReloadAudit();
    if (!s.ok()) log::Error("server", "failed to reload audit devices", {{"error", s.message()}});
  });
  retry_join.Stop();
  http_server.Stop();
  (void)core.Seal();
  if (cluster_port) cluster_port->Stop();
  if (!cfg.pid_file.empty()) std::remove(cfg.pid_file.c_str());
  log::Info("server", "shutdown complete");
  return 0;
}

}  // namespace coffer::server
