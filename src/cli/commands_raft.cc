// operator raft join | list-peers | remove-peer | snapshot save | snapshot restore
// (hashicorp/vault command/operator_raft_*.go).

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cli/command.h"
#include "cli/format.h"

namespace coffer::cli {
namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string Errno(const std::string& op, const std::string& path) {
  return op + " " + path + ": " + std::strerror(errno);
}

// Vault's parseFlagFile: "@path" is the contents of the file at path; anything else is the
// value itself (PEM given inline).
Result<std::string> FlagFile(const std::string& raw) {
  if (raw.empty() || raw[0] != '@') return raw;
  return ReadFileContents(raw.substr(1));
}

// A file written under a temporary name in the target's directory, then fsynced and renamed
// over the target, so a failed or interrupted download never leaves a partial file behind.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path) : path_(std::move(path)) {}
  ~AtomicFile() {
    if (fd_ >= 0) close(fd_);
    if (!tmp_.empty()) unlink(tmp_.c_str());
  }
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  Status Open() {
    std::filesystem::path target(path_);
    std::filesystem::path dir = target.parent_path();
    std::string tmpl = (dir.empty() ? std::string(".") : dir.string()) + "/." +
                       target.filename().string() + ".tmp-XXXXXX";
    fd_ = mkostemp(tmpl.data(), O_CLOEXEC);  // mode 0600, like Vault's snapshot file
    if (fd_ < 0) return IoError(Errno("open", tmpl));
    tmp_ = tmpl;
    return Status::Ok();
  }

  Status Write(std::string_view chunk) {
    while (!chunk.empty()) {
      ssize_t n = write(fd_, chunk.data(), chunk.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return IoError(Errno("write", tmp_));
      chunk.remove_prefix(static_cast<size_t>(n));
      written_ += n;
    }
    return Status::Ok();
  }

  int64_t written() const { return written_; }

  Status Commit() {
    if (fsync(fd_) != 0) return IoError(Errno("sync", tmp_));
    int fd = fd_;
    fd_ = -1;
    if (close(fd) != 0) return IoError(Errno("close", tmp_));
    if (rename(tmp_.c_str(), path_.c_str()) != 0) return IoError(Errno("rename", path_));
    tmp_.clear();
    std::string dir = std::filesystem::path(path_).parent_path().string();
    int dir_fd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {  // make the rename durable; best effort, as the data is already synced
      fsync(dir_fd);
      close(dir_fd);
    }
    return Status::Ok();
  }

 private:
  std::string path_;
  std::string tmp_;
  int fd_ = -1;
  int64_t written_ = 0;
};

int RunJoin(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(
      io,
      "Usage: coffer operator raft join [options] <leader-api-addr|auto-join-configuration>\n\n"
      "  Join the current node as a peer to the Raft cluster by providing the address\n"
      "  of the Raft leader node.\n\n"
      "      $ coffer operator raft join \"http://127.0.0.2:8200\"\n\n"
      "  TLS certificate data can also be consumed from a file on disk by prefixing\n"
      "  with the \"@\" symbol. For example:\n\n"
      "      $ coffer operator raft join \"http://127.0.0.2:8200\" \\\n"
      "        -leader-ca-cert=@leader_ca.crt \\\n"
      "        -leader-client-cert=@leader_client.crt \\\n"
      "        -leader-client-key=@leader.key");
  c.AddHttpFlags();
  c.AddOutputFlags(false);
  std::string scheme = "https", ca_cert, client_cert, client_key;
  int64_t port = 8200;
  bool retry = false, non_voter = false;
  FlagSet& f = c.flags();
  f.String("auto-join-scheme", &scheme,
           "An optional URI protocol scheme used for addresses discovered via auto-join.");
  f.Int("auto-join-port", &port, "An optional port used for addresses discovered via auto-join.");
  f.String("leader-ca-cert", &ca_cert,
           "CA cert to use when verifying the Raft leader certificate.");
  f.String("leader-client-cert", &client_cert,
           "Client cert to use when authenticating with the Raft leader.");
  f.String("leader-client-key", &client_key,
           "Client key to use when authenticating with the Raft leader.");
  f.Bool("retry", &retry, "Continuously retry joining the Raft cluster upon failures.");
  f.Bool("non-voter", &non_voter,
         "(Enterprise-only) This flag is used to make the server not participate in the Raft "
         "quorum, and have it only receive the data replication stream.");
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (c.args().size() > 1) {
    c.Error("Too many arguments (expected 0-1, got " + std::to_string(c.args().size()) + ")");
    return kExitLocalError;
  }
  std::string leader = c.args().empty() ? "" : Trim(c.args()[0]);
  struct {
    const std::string& raw;
    const char* what;
  } files[] = {{ca_cert, "leader CA certificate"},
               {client_cert, "leader client certificate"},
               {client_key, "leader client key"}};
  std::string contents[3];
  for (int i = 0; i < 3; ++i) {
    Result<std::string> v = FlagFile(files[i].raw);
    if (!v) {
      c.Error(std::string("Failed to parse ") + files[i].what + ": " + v.error().message());
      return kExitLocalError;
    }
    contents[i] = std::move(*v);
  }
  if (!scheme.empty() && scheme != "http" && scheme != "https") {
    c.Error("invalid scheme \"" + scheme + "\"; must either be http or https");
    return kExitLocalError;
  }
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  // Every field of Vault's RaftJoinRequest is sent, set or not.
  bool auto_join = leader.find("provider=") != std::string::npos;
  Json req = {{"auto_join", auto_join ? leader : ""},
              {"auto_join_scheme", auto_join ? scheme : ""},
              {"auto_join_port", auto_join ? port : 0},
              {"leader_api_addr", auto_join ? "" : leader},
              {"leader_ca_cert", contents[0]},
              {"leader_client_cert", contents[1]},
              {"leader_client_key", contents[2]},
              {"retry", retry},
              {"non_voter", non_voter}};
  Result<api::Response> r = client->Request("POST", "sys/storage/raft/join", &req);
  if (!r) return c.RemoteError("Error joining the node to the Raft cluster", r.error());
  bool joined = GetBool(r->body, "joined");
  if (!c.table()) return c.OutputData(Json{{"joined", joined}});
  c.Out(TableOutput({{"Key", "Value"}, {"Joined", joined ? "true" : "false"}}));
  return kExitOk;
}

int RunListPeers(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer operator raft list-peers\n\n"
                "  Provides the details of all the peers in the Raft cluster.\n\n"
                "      $ coffer operator raft list-peers");
  c.AddHttpFlags();
  c.AddOutputFlags(false);
  std::string dr_token;
  c.flags().String("dr-token", &dr_token,
                   "DR operation token used to authorize this request (if a DR secondary node).");
  if (std::optional<int> code = c.Parse(args)) return *code;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<std::optional<Json>> r =
      dr_token.empty()
          ? client->Read("sys/storage/raft/configuration")
          : client->Write("sys/storage/raft/configuration", Json{{"dr_operation_token", dr_token}});
  if (!r) return c.RemoteError("Error reading the raft cluster configuration", r.error());
  if (!r->has_value()) {
    c.Error("No raft cluster configuration found");
    return kExitRemoteError;
  }
  const Json& secret = **r;
  if (!c.table()) return c.OutputSecret(secret);
  const Json* data = Find(secret, "data");
  const Json* config = data ? Find(*data, "config") : nullptr;
  const Json* servers = config ? Find(*config, "servers") : nullptr;
  Rows rows = {{"Node", "Address", "State", "Voter"}};
  if (servers != nullptr && servers->is_array()) {
    for (const Json& s : *servers) {
      rows.push_back({GetString(s, "node_id"), GetString(s, "address"),
                      GetBool(s, "leader") ? "leader" : "follower",
                      GetBool(s, "voter") ? "true" : "false"});
    }
  }
  c.Out(TableOutput(rows));
  return kExitOk;
}

int RunRemovePeer(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer operator raft remove-peer <server_id>\n\n"
                "  Removes a node from the Raft cluster.\n\n"
                "      $ coffer operator raft remove-peer node1");
  c.AddHttpFlags();
  c.AddOutputFlags(false);
  std::string dr_token;
  c.flags().String("dr-token", &dr_token,
                   "DR operation token used to authorize this request (if a DR secondary node).");
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (c.args().size() != 1) {
    c.Error("Incorrect arguments (expected 1, got " + std::to_string(c.args().size()) + ")");
    return kExitLocalError;
  }
  std::string server_id = Trim(c.args()[0]);
  if (server_id.empty()) {
    c.Error("Server id is required");
    return kExitLocalError;
  }
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Json req = {{"server_id", server_id}, {"dr_operation_token", dr_token}};
  Result<std::optional<Json>> r = client->Write("sys/storage/raft/remove-peer", req);
  if (!r) return c.RemoteError("Error removing the peer from raft cluster", r.error());
  c.Out("Peer removed successfully!");
  return kExitOk;
}

int RunSnapshotSave(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer operator raft snapshot save <snapshot_file>\n\n"
                "  Saves a snapshot of the current state of the Raft cluster into a file.\n"
                "  The snapshot is streamed to a temporary file beside the target, which\n"
                "  replaces the target only once the whole snapshot is on disk.\n\n"
                "      $ coffer operator raft snapshot save raft.snap");
  c.AddHttpFlags();
  c.AddOutputFlags(false);
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (c.args().size() != 1) {
    c.Error("Incorrect arguments (expected 1, got " + std::to_string(c.args().size()) + ")");
    return kExitLocalError;
  }
  std::string path = Trim(c.args()[0]);
  if (path.empty()) {
    c.Error("Output file name is required");
    return kExitLocalError;
  }
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  AtomicFile file(path);
  Status st = file.Open();
  if (st.ok()) {
    Result<api::Response> r =
        client->Download("GET", "sys/storage/raft/snapshot",
                         [&file](std::string_view chunk) { return file.Write(chunk); });
    if (!r) {
      st = r.error();
    } else if (file.written() == 0) {
      st = IoError("incomplete snapshot: the server sent no data");
    } else {
      st = file.Commit();
    }
  }
  if (!st.ok()) return c.RemoteError("Error taking the snapshot", st);
  return kExitOk;
}

int RunSnapshotRestore(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer operator raft snapshot restore <snapshot_file>\n\n"
                "  Installs the provided snapshot, returning the cluster to the state defined "
                "in it.\n\n"
                "      $ coffer operator raft snapshot restore raft.snap");
  c.AddHttpFlags();
  c.AddOutputFlags(false);
  bool force = false;
  c.flags().Bool("force", &force,
                 "This bypasses checks ensuring the Autounseal or shamir keys are consistent "
                 "with the snapshot data.");
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (c.args().size() != 1) {
    c.Error("Incorrect arguments (expected 1, got " + std::to_string(c.args().size()) + ")");
    return kExitLocalError;
  }
  std::string path = Trim(c.args()[0]);
  if (path.empty()) {
    c.Error("Snapshot file name is required");
    return kExitLocalError;
  }
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0) {
    // Vault's wording, "policy file" included.
    c.Error("Error opening policy file: " + Errno("open", path));
    if (fd >= 0) close(fd);
    return kExitRemoteError;
  }
  api::Client* client = c.Client();
  if (client == nullptr) {
    close(fd);
    return kExitRemoteError;
  }
  Result<api::Response> r = client->Upload(
      "POST", force ? "sys/storage/raft/snapshot-force" : "sys/storage/raft/snapshot", fd,
      static_cast<int64_t>(st.st_size));
  close(fd);
  if (!r) return c.RemoteError("Error installing the snapshot", r.error());
  return kExitOk;
}

}  // namespace

void AddRaftCommands(std::vector<CommandSpec>* out) {
  out->push_back({"operator raft join", "Joins a node to the Raft cluster", RunJoin});
  out->push_back({"operator raft list-peers", "Returns the Raft peer set", RunListPeers});
  out->push_back(
      {"operator raft remove-peer", "Removes a node from the Raft cluster", RunRemovePeer});
  out->push_back({"operator raft snapshot save",
                  "Saves a snapshot of the current state of the Raft cluster into a file",
                  RunSnapshotSave});
  out->push_back(
      {"operator raft snapshot restore",
       "Installs the provided snapshot, returning the cluster to the state defined in it",
       RunSnapshotRestore});
}

}  // namespace coffer::cli
