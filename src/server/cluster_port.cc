#include "server/cluster_port.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>

#include "api/client.h"
#include "base/log.h"
#include "http/server.h"

namespace coffer::server {

namespace raft = storage::raft;

namespace {

// PEM material for one join request, in a private temporary directory (the API client
// takes file names); removed when this goes out of scope.
class TempPemFiles {
 public:
  TempPemFiles() {
    char tmpl[] = "/tmp/coffer-join-XXXXXX";
    if (char* d = ::mkdtemp(tmpl)) dir_ = d;
  }
  ~TempPemFiles() {
    for (const auto& f : files_) std::remove(f.c_str());
    if (!dir_.empty()) ::rmdir(dir_.c_str());
  }
  // The file holding `pem` (empty → empty name).
  Result<std::string> Write(const std::string& name, const std::string& pem) {
    if (pem.empty()) return std::string();
    if (dir_.empty()) return Err(Internal("cannot create a temporary directory"));
    std::string path = dir_ + "/" + name;
    std::ofstream f(path, std::ios::trunc);
    f << pem;
    f.close();
    if (!f) return Err(Internal("cannot write " + path));
    ::chmod(path.c_str(), 0600);
    files_.push_back(path);
    return path;
  }

 private:
  std::string dir_;
  std::vector<std::string> files_;
};

// A spooled body (HttpRequest/HttpResponse::body_file) read into memory to cross the
// cluster port, which carries bodies of at most cluster::kMaxForwardedBody bytes.
Result<std::string> ReadSpool(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) return Err(Internal("cannot read " + path));
  auto size = static_cast<uint64_t>(f.tellg());
  if (size > cluster::kMaxForwardedBody) {
    return Err(InvalidArgument("a body of " + std::to_string(size) +
                               " bytes is too large to forward between nodes; send it to the "
                               "active node"));
  }
  std::string out(size, '\0');
  f.seekg(0);
  f.read(out.data(), static_cast<std::streamsize>(size));
  if (!f) return Err(Internal("cannot read " + path));
  return out;
}

}  // namespace

ClusterPort::ClusterPort(std::string listen_address, std::string snapshot_dir, uint64_t local_id)
    : listen_address_(std::move(listen_address)),
      snapshot_dir_(std::move(snapshot_dir)),
      local_id_(local_id) {}

ClusterPort::~ClusterPort() { Stop(); }

void ClusterPort::NotifyLeadership() {
  std::lock_guard<std::mutex> l(listener_mu_);
  if (listener_) listener_();
}

void ClusterPort::SetLeadershipListener(std::function<void()> listener) {
  std::lock_guard<std::mutex> l(listener_mu_);
  listener_ = std::move(listener);
}

std::vector<raft::Member> ClusterPort::AllPeers() const {
  std::vector<raft::Member> all = members_;
  for (const auto& e : extra_) {
    bool known = false;
    for (const auto& m : all) known |= m.id == e.id;
    if (!known) all.push_back(e);
  }
  return all;
}

void ClusterPort::Send(std::vector<raft::Message> messages) {
  std::shared_lock<std::shared_mutex> l(mu_);
  if (transport_) transport_->Send(std::move(messages));
}

void ClusterPort::SendSnapshot(raft::Message m,
                               std::function<Status(const raft::SnapshotSink&)> write) {
  {
    std::shared_lock<std::shared_mutex> l(mu_);
    if (transport_) return transport_->SendSnapshot(std::move(m), std::move(write));
  }
  if (raft::Node* node = node_.load()) node->ReportSnapshot(m.to, /*failed=*/true);
}

void ClusterPort::UpdatePeers(const std::vector<raft::Member>& members) {
  std::unique_lock<std::shared_mutex> l(mu_);
  members_ = members;
  if (transport_) transport_->UpdatePeers(AllPeers());
}

void ClusterPort::AddPeers(const std::vector<raft::Member>& members) {
  std::unique_lock<std::shared_mutex> l(mu_);
  for (const auto& m : members) {
    if (m.id == local_id_) continue;
    std::erase_if(extra_, [&](const raft::Member& e) { return e.id == m.id; });
    extra_.push_back(m);
  }
  if (transport_) transport_->UpdatePeers(AllPeers());
}

Result<Json> ClusterPort::GenerateTls() {
  COFFER_ASSIGN_OR_RETURN(cluster::ClusterTls tls, cluster::GenerateClusterTls());
  SecretBytes json = cluster::ClusterTlsToJson(tls);
  return ParseJson(json.view());
}

Status ClusterPort::Start(const Json& tls_keyring) {
  std::string text = tls_keyring.dump();
  auto tls = cluster::ClusterTlsFromJson(text);
  WipeString(text);
  if (!tls) return tls.error();
  std::unique_lock<std::shared_mutex> l(mu_);
  if (transport_) return transport_->UpdateTls(*tls);
  cluster::ClusterTransportOptions opts;
  opts.local_id = local_id_;
  opts.snapshot_dir = snapshot_dir_;
  COFFER_ASSIGN_OR_RETURN(auto t, cluster::ClusterTransport::Create(*tls, opts));
  t->SetMessageHandler([this](raft::Message m) {
    if (raft::Node* node = node_.load()) node->Step(std::move(m));
  });
  t->SetUnreachableHandler([this](uint64_t id) {
    if (raft::Node* node = node_.load()) node->ReportUnreachable(id);
  });
  t->SetSnapshotStatusHandler([this](uint64_t to, bool failed) {
    if (raft::Node* node = node_.load()) node->ReportSnapshot(to, failed);
  });
  t->SetSnapshotHandler([this](raft::Message m, std::string path) {
    if (raft::Node* node = node_.load()) node->ReceiveSnapshot(std::move(m), std::move(path));
  });
  t->SetForwardHandler([this](cluster::ForwardedRequest r) {
    cluster::ForwardedResponse out;
    http::Server* server = http_.load();
    if (server == nullptr) {
      out.status = 503;
      out.body = R"({"errors":["node is starting"]})";
      return out;
    }
    http::HttpRequest h;
    h.method = std::move(r.method);
    h.target = std::move(r.target);
    h.headers = std::move(r.headers);
    h.body = std::move(r.body);
    h.remote_addr = std::move(r.remote_address);
    http::HttpResponse resp = server->HandleForwarded(h);
    out.status = resp.status;
    out.headers = std::move(resp.headers);
    out.body = std::move(resp.body);
    if (!resp.body_file.empty()) {
      auto body = ReadSpool(resp.body_file);
      ::unlink(resp.body_file.c_str());
      if (!body) {
        out.status = 413;
        out.headers = {{"Content-Type", "application/json"}};
        out.body = Json{{"errors", Json::array({body.error().message()})}}.dump();
      } else {
        out.body = std::move(*body);
      }
    }
    return out;
  });
  COFFER_RETURN_IF_ERROR(t->Start(listen_address_));
  t->UpdatePeers(AllPeers());
  transport_ = std::shared_ptr<cluster::ClusterTransport>(std::move(t));
  log::Info("cluster", "cluster port listening", {{"address", listen_address_}});
  return Status::Ok();
}

void ClusterPort::Stop() {
  std::shared_ptr<cluster::ClusterTransport> t;
  {
    std::unique_lock<std::shared_mutex> l(mu_);
    t = std::move(transport_);
  }
  if (t) {
    t->Stop();
    log::Info("cluster", "cluster port stopped");
  }
}

std::optional<http::HttpResponse> ClusterPort::Forward(const std::string& cluster_addr,
                                                       const http::HttpRequest& request) {
  std::string address = core::ClusterHostPort(cluster_addr);
  if (address.empty()) return std::nullopt;
  cluster::ForwardedRequest r;
  r.method = request.method;
  r.target = request.target;
  r.headers = request.headers;
  r.body = request.body;
  r.remote_address = request.remote_addr;
  if (!request.body_file.empty()) {
    auto body = ReadSpool(request.body_file);
    if (!body) {
      http::HttpResponse err;
      err.status = 413;
      err.headers = {{"Content-Type", "application/json"}};
      err.body = Json{{"errors", Json::array({body.error().message()})}}.dump();
      return err;
    }
    r.body = std::move(*body);
  }
  std::shared_ptr<cluster::ClusterTransport> t;
  {
    std::shared_lock<std::shared_mutex> l(mu_);
    t = transport_;
  }
  if (!t) return std::nullopt;
  // Stop() fails a forward in flight, so holding `t` never delays it.
  auto resp = t->Forward(address, std::move(r), std::chrono::seconds(90));
  if (!resp) {
    log::Warn("cluster", "forwarding to the active node failed",
              {{"address", address}, {"error", resp.error().message()}});
    return std::nullopt;
  }
  http::HttpResponse out;
  out.status = resp->status;
  out.headers = std::move(resp->headers);
  out.body = std::move(resp->body);
  return out;
}

Result<std::pair<int, Json>> ClusterPort::PostJson(const Target& target, const std::string& path,
                                                   const Json& body) {
  TempPemFiles files;
  api::ClientConfig cfg;
  cfg.address = target.api_addr;
  cfg.tls_server_name = target.tls_server_name;
  cfg.timeout = std::chrono::seconds(30);
  COFFER_ASSIGN_OR_RETURN(cfg.ca_cert, files.Write("ca.pem", target.ca_cert_pem));
  COFFER_ASSIGN_OR_RETURN(cfg.client_cert, files.Write("cert.pem", target.client_cert_pem));
  COFFER_ASSIGN_OR_RETURN(cfg.client_key, files.Write("key.pem", target.client_key_pem));
  api::Client client(cfg);
  COFFER_ASSIGN_OR_RETURN(api::Response r, client.RawRequest("POST", path, &body));
  Json j = r.body;
  // sys/ responses carry their data both in "data" and at the top level.
  if (j.is_object() && j.contains("data") && j["data"].is_object()) j = j["data"];
  if (r.status >= 400 && r.body.is_object()) j = r.body;
  return std::pair<int, Json>(r.status, std::move(j));
}

}  // namespace coffer::server
