// Parse and Load: each file is parsed into an hcl::Document and applied on top of the
// configuration built so far, which is what gives Vault's merge rules.

#include "config/config.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/blocks.h"
#include "config/section.h"
#include "hcl/hcl.h"

namespace coffer::config {
namespace {

using internal::Block;
using internal::Section;
using internal::SourceFile;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Status ParseSource(std::string_view text, std::string_view filename, SourceFile* out) {
  size_t first = text.find_first_not_of(" \t\r\n");
  bool json =
      EndsWith(filename, ".json") || (first != std::string_view::npos && text[first] == '{');
  auto doc = json ? hcl::ParseJsonDocument(text, filename) : hcl::Parse(text, filename);
  if (!doc) return doc.error();
  out->name = std::string(filename);
  out->doc = std::move(*doc);
  return Status::Ok();
}

// Lower-cases and trims, as Vault does for log_level and log_format.
std::string Normalize(std::string s) {
  s.erase(0, s.find_first_not_of(" \t"));
  s.erase(s.find_last_not_of(" \t") + 1);
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

void ApplyScalars(Section& top, ServerConfig* c) {
  top.String("api_addr", &c->api_addr);
  top.String("cluster_addr", &c->cluster_addr);
  top.String("cluster_name", &c->cluster_name);
  top.Bool("ui", &c->ui);
  if (top.object().contains("log_level")) {
    top.String("log_level", &c->log_level);
    c->log_level = Normalize(c->log_level);
    if (top.ok()) top.Check("log_level", internal::CheckLogLevel(c->log_level));
  }
  if (top.object().contains("log_format")) {
    top.String("log_format", &c->log_format);
    c->log_format = Normalize(c->log_format);
    if (c->log_format.empty()) c->log_format = "standard";
    if (top.ok()) top.Check("log_format", internal::CheckLogFormat(c->log_format));
  }
  top.String("log_file", &c->log_file);
  top.Bool("disable_mlock", &c->disable_mlock);
  top.Duration("default_lease_ttl", &c->default_lease_ttl);
  top.Duration("max_lease_ttl", &c->max_lease_ttl);
  top.Duration("default_max_request_duration", &c->default_max_request_duration);
  top.String("pid_file", &c->pid_file);
  top.String("plugin_directory", &c->plugin_directory);
  top.String("license_path", &c->license_path);
  top.Int("cache_size", &c->cache_size);
  top.Bool("disable_cache", &c->disable_cache);
  top.Bool("raw_storage_endpoint", &c->raw_storage_endpoint);
  top.Bool("disable_clustering", &c->disable_clustering);
  top.Bool("enable_response_header_hostname", &c->enable_response_header_hostname);
  top.Bool("enable_response_header_raft_node_id", &c->enable_response_header_raft_node_id);
  top.Bool("disable_performance_standby", &c->disable_performance_standby);
  top.Bool("introspection_endpoint", &c->introspection_endpoint);
}

// storage (and its legacy name backend) or ha_storage: once across all files.
Status ApplyStorage(Section& top, std::initializer_list<std::string_view> names,
                    std::optional<Storage>* slot) {
  for (std::string_view name : names) {
    CONFIG_ASSIGN_OR_RETURN(std::vector<Block> blocks, internal::LabeledBlocks(top, name));
    for (const Block& b : blocks) {
      if (slot->has_value()) {
        return InvalidArgument(top.file().Location(b.pointer) + ": " + std::string(name) + " \"" +
                               b.label + "\": " + std::string(*names.begin()) +
                               " is already configured at " + (*slot)->source +
                               " (only one is allowed)");
      }
      Storage s;
      CONFIG_RETURN_IF_ERROR(internal::ParseStorage(top.file(), b, name, &s));
      *slot = std::move(s);
    }
  }
  return Status::Ok();
}

Status ApplyBlocks(Section& top, ServerConfig* c) {
  CONFIG_RETURN_IF_ERROR(ApplyStorage(top, {"storage", "backend"}, &c->storage));
  CONFIG_RETURN_IF_ERROR(ApplyStorage(top, {"ha_storage"}, &c->ha_storage));
  CONFIG_ASSIGN_OR_RETURN(std::vector<Block> listeners, internal::LabeledBlocks(top, "listener"));
  for (const Block& b : listeners) {
    Listener l;
    CONFIG_RETURN_IF_ERROR(internal::ParseListener(top.file(), b, &l));
    c->listeners.push_back(std::move(l));
  }
  CONFIG_ASSIGN_OR_RETURN(std::vector<Block> seals, internal::LabeledBlocks(top, "seal"));
  for (const Block& b : seals) {
    Seal s;
    CONFIG_RETURN_IF_ERROR(internal::ParseSeal(top.file(), b, &s));
    c->seals.push_back(std::move(s));
  }
  CONFIG_ASSIGN_OR_RETURN(std::optional<Block> telemetry, internal::SingleBlock(top, "telemetry"));
  if (telemetry)
    CONFIG_RETURN_IF_ERROR(internal::ParseTelemetry(top.file(), *telemetry, &c->telemetry));
  CONFIG_ASSIGN_OR_RETURN(std::vector<Block> regs,
                          internal::LabeledBlocks(top, "service_registration"));
  if (regs.size() > 1) {
    return InvalidArgument(top.file().Location(regs[1].pointer) +
                           ": service_registration: only one service_registration block is "
                           "allowed");
  }
  if (!regs.empty()) {
    ServiceRegistration r;
    CONFIG_RETURN_IF_ERROR(internal::ParseServiceRegistration(top.file(), regs[0], &r));
    c->service_registration = std::move(r);
  }
  return Status::Ok();
}

Status ApplyFile(const SourceFile& file, ServerConfig* c) {
  Section top(file, file.doc.value, "", "");
  ApplyScalars(top, c);
  if (!top.ok()) return top.Finish();
  CONFIG_RETURN_IF_ERROR(ApplyBlocks(top, c));
  c->files.push_back(file.name);
  return top.Finish();
}

Status ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError(path + ": cannot read: " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return IoError(path + ": cannot read: " + std::strerror(errno));
  *out = ss.str();
  return Status::Ok();
}

// Appends `path` (a file) or the *.hcl and *.json files of `path` (a directory).
Status ExpandPath(const std::string& path, std::vector<std::string>* files) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    std::string why = ec ? ec.message() : "No such file or directory";
    return IoError(path + ": cannot read: " + why);
  }
  if (!fs::is_directory(st)) {
    files->push_back(path);
    return Status::Ok();
  }
  std::vector<std::string> names;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    std::error_code file_ec;
    if (name.empty() || name[0] == '.' || !it->is_regular_file(file_ec)) continue;
    if (EndsWith(name, ".hcl") || EndsWith(name, ".json")) names.push_back(name);
  }
  if (ec) return IoError(path + ": cannot list directory: " + ec.message());
  if (names.empty()) return IoError(path + ": no .hcl or .json files in directory");
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) files->push_back((fs::path(path) / name).string());
  return Status::Ok();
}

Result<ServerConfig> LoadFiles(const std::vector<std::string>& paths) {
  if (paths.empty()) return Err(InvalidArgument("no configuration files given"));
  std::vector<std::string> files;
  for (const std::string& p : paths) COFFER_RETURN_IF_ERROR(ExpandPath(p, &files));
  ServerConfig config;
  for (const std::string& f : files) {
    std::string text;
    COFFER_RETURN_IF_ERROR(ReadFile(f, &text));
    SourceFile source;
    COFFER_RETURN_IF_ERROR(ParseSource(text, f, &source));
    COFFER_RETURN_IF_ERROR(ApplyFile(source, &config));
  }
  return config;
}

}  // namespace

Result<ServerConfig> Parse(std::string_view text, std::string_view filename) {
  try {
    SourceFile source;
    COFFER_RETURN_IF_ERROR(ParseSource(text, filename, &source));
    ServerConfig config;
    COFFER_RETURN_IF_ERROR(ApplyFile(source, &config));
    return config;
  } catch (const std::exception& e) {
    return Err(Internal(std::string(filename) + ": " + e.what()));
  }
}

Result<ServerConfig> Load(const std::vector<std::string>& paths) {
  try {
    return LoadFiles(paths);
  } catch (const std::exception& e) {
    return Err(Internal(std::string("loading configuration: ") + e.what()));
  }
}

}  // namespace coffer::config
