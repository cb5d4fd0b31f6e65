// CoreImpl mount tables: load, persist, enable, disable, move and tune mounts, and
// publish the immutable route table.
#include <algorithm>

#include "base/duration.h"
#include "base/log.h"
#include "core/core_impl.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace coffer::core {

namespace {

constexpr char kMountsPath[] = "core/mounts";
constexpr char kAuthPath[] = "core/auth";

class MountSystemView final : public SystemView {
 public:
  MountSystemView(const CoreImpl& core, MountConfig cfg) : core_(core), cfg_(std::move(cfg)) {}
  std::chrono::seconds DefaultLeaseTtl() const override {
    return cfg_.default_lease_ttl.count() > 0 ? cfg_.default_lease_ttl : core_.DefaultLeaseTtl();
  }
  std::chrono::seconds MaxLeaseTtl() const override {
    return cfg_.max_lease_ttl.count() > 0 ? cfg_.max_lease_ttl : core_.MaxLeaseTtl();
  }

 private:
  const CoreImpl& core_;
  MountConfig cfg_;
};

std::vector<MountEntry> DefaultEntries(const std::string& table) {
  std::vector<MountEntry> out;
  auto make = [&](std::string path, std::string type, std::string desc) {
    MountEntry e;
    e.table = table;
    e.path = std::move(path);
    e.type = std::move(type);
    e.description = std::move(desc);
    out.push_back(std::move(e));
  };
  if (table == "auth") {
    make("auth/token/", "token", "token based credentials");
  } else {
    make("cubbyhole/", "cubbyhole", "per-token private secret storage");
    make("sys/", "system", "system endpoints used for control, policy and debugging");
  }
  return out;
}

bool Conflicts(const std::string& a, const std::string& b) {
  return a.compare(0, b.size(), b) == 0 || b.compare(0, a.size(), a) == 0;
}

Status DeleteTree(storage::Backend& view, const std::string& prefix) {
  auto keys = view.List(prefix);
  if (!keys) return keys.error();
  for (const auto& k : *keys) {
    if (!k.empty() && k.back() == '/') {
      COFFER_RETURN_IF_ERROR(DeleteTree(view, prefix + k));
    } else {
      COFFER_RETURN_IF_ERROR(view.Delete(prefix + k));
    }
  }
  return Status::Ok();
}

}  // namespace

Status CoreImpl::LoadMountTable(const std::string& table, bool setup_defaults) {
  const char* key = table == "auth" ? kAuthPath : kMountsPath;
  auto raw = barrier_.Get(key);
  if (!raw) return raw.error();
  std::vector<MountEntry> entries;
  if (*raw) {
    auto j = ParseJson(**raw);
    if (!j || !j->contains("entries")) return Corruption(std::string("malformed ") + key);
    for (const auto& ej : (*j)["entries"]) {
      auto e = MountEntry::FromJson(ej);
      if (!e) return e.error();
      entries.push_back(std::move(*e));
    }
  } else if (setup_defaults) {
    entries = DefaultEntries(table);
    for (auto& e : entries) {
      auto uuid = crypto::GenerateUuid(random_);
      if (!uuid) return uuid.error();
      e.uuid = *uuid;
      e.accessor = e.type + "_" + e.uuid.substr(0, 8);
    }
  }
  {
    std::lock_guard<std::mutex> l(mounts_mu_);
    (table == "auth" ? auth_entries_ : mount_entries_) = entries;
  }
  if (!*raw) COFFER_RETURN_IF_ERROR(PersistMountTable(table));
  // Instantiate every mount; a mount whose type is unknown is logged and skipped so the
  // rest of the node still serves (Vault does the same for missing plugins).
  auto routes = std::make_shared<RouteTable>(*routes_.load());
  for (const auto& e : entries) {
    auto m = Instantiate(e);
    if (!m) {
      log::Error("core", "failed to mount", {{"path", e.path}, {"error", m.error().message()}});
      continue;
    }
    routes->mounts.push_back(*m);
  }
  std::sort(routes->mounts.begin(), routes->mounts.end(),
            [](const auto& a, const auto& b) { return a->entry.path > b->entry.path; });
  routes_.store(std::move(routes));
  return Status::Ok();
}

Status CoreImpl::PersistMountTable(const std::string& table) {
  Json j = {{"type", table}, {"entries", Json::array()}};
  {
    std::lock_guard<std::mutex> l(mounts_mu_);
    for (const auto& e : table == "auth" ? auth_entries_ : mount_entries_)
      j["entries"].push_back(e.ToJson());
  }
  return barrier_.Put(table == "auth" ? kAuthPath : kMountsPath, j.dump());
}

Result<std::shared_ptr<Mount>> CoreImpl::Instantiate(const MountEntry& entry) {
  auto m = std::make_shared<Mount>();
  m->entry = entry;
  m->view = std::make_unique<StorageView>(barrier_, entry.StoragePrefix());
  m->system_view = std::make_unique<MountSystemView>(*this, entry.config);
  if (entry.type == "system") {
    if (!options_.system_backend_factory) return Err(Internal("no system backend"));
    COFFER_ASSIGN_OR_RETURN(m->backend, options_.system_backend_factory(*this));
  } else if (entry.type == "token") {
    if (!options_.token_backend_factory) return Err(Internal("no token backend"));
    COFFER_ASSIGN_OR_RETURN(m->backend, options_.token_backend_factory(*this));
  } else {
    const BackendFactory* f = nullptr;
    if (options_.registry != nullptr)
      f = entry.table == "auth" ? options_.registry->FindAuthMethod(entry.type)
                                : options_.registry->FindSecretsEngine(entry.type);
    if (f == nullptr) return Err(InvalidArgument("plugin not found in the catalog: " + entry.type));
    BackendConfig cfg;
    cfg.mount_path = entry.path;
    cfg.type = entry.type;
    cfg.options = entry.options;
    cfg.storage = m->view.get();
    cfg.system = m->system_view.get();
    cfg.clock = &clock_;
    cfg.random = &random_;
    COFFER_ASSIGN_OR_RETURN(m->backend, (*f)(cfg));
  }
  COFFER_RETURN_IF_ERROR(m->backend->Initialize());
  return m;
}

void CoreImpl::Publish() {
  auto routes = std::make_shared<RouteTable>(*routes_.load());
  std::sort(routes->mounts.begin(), routes->mounts.end(),
            [](const auto& a, const auto& b) { return a->entry.path > b->entry.path; });
  routes_.store(std::move(routes));
}

Status CoreImpl::EnableMount(MountEntry entry) {
  if (entry.path.empty()) return InvalidArgument("path cannot be empty");
  if (entry.path.back() != '/') entry.path += '/';
  if (entry.table == "auth" && entry.path.rfind("auth/", 0) != 0) entry.path = "auth/" + entry.path;
  std::lock_guard<std::mutex> l(table_change_mu_);
  auto current = routes_.load();
  for (const auto& m : current->mounts) {
    if (Conflicts(entry.path, m->entry.path))
      return InvalidArgument("path is already in use at " + m->entry.path);
  }
  if (entry.uuid.empty()) {
    COFFER_ASSIGN_OR_RETURN(entry.uuid, crypto::GenerateUuid(random_));
  }
  if (entry.accessor.empty()) {
    COFFER_ASSIGN_OR_RETURN(SecretBytes rnd, crypto::RandomBytes(random_, 4));
    entry.accessor = entry.type + "_" + crypto::HexEncode(rnd.view());
  }
  COFFER_ASSIGN_OR_RETURN(auto mount, Instantiate(entry));
  {
    std::lock_guard<std::mutex> ml(mounts_mu_);
    (entry.table == "auth" ? auth_entries_ : mount_entries_).push_back(entry);
  }
  Status st = PersistMountTable(entry.table);
  if (!st.ok()) {
    std::lock_guard<std::mutex> ml(mounts_mu_);
    auto& v = entry.table == "auth" ? auth_entries_ : mount_entries_;
    v.pop_back();
    return st;
  }
  auto routes = std::make_shared<RouteTable>(*current);
  routes->mounts.push_back(mount);
  routes_.store(std::move(routes));
  Publish();
  log::Info("core", "successfully mounted", {{"type", entry.type}, {"path", entry.path}});
  return Status::Ok();
}

Status CoreImpl::DisableMount(const std::string& table, const std::string& path_in) {
  std::string path = path_in;
  if (!path.empty() && path.back() != '/') path += '/';
  if (table == "auth" && path.rfind("auth/", 0) != 0) path = "auth/" + path;
  std::lock_guard<std::mutex> l(table_change_mu_);
  auto current = routes_.load();
  auto mount = current->ByPath(path);
  if (!mount || mount->entry.table != table) return Status::Ok();  // Vault: no error
  if (mount->entry.type == "system" || mount->entry.type == "cubbyhole" ||
      mount->entry.type == "token")
    return InvalidArgument("cannot unmount \"" + path + "\"");
  // As Vault: the mount's leases (and, for an auth method, its tokens) are revoked
  // first; a lease its backend refuses to revoke keeps the mount.
  if (expiration_) COFFER_RETURN_IF_ERROR(expiration_->RevokePrefix(path, false));
  {
    std::lock_guard<std::mutex> ml(mounts_mu_);
    auto& v = table == "auth" ? auth_entries_ : mount_entries_;
    v.erase(std::remove_if(v.begin(), v.end(), [&](const MountEntry& e) { return e.path == path; }),
            v.end());
  }
  COFFER_RETURN_IF_ERROR(PersistMountTable(table));
  auto routes = std::make_shared<RouteTable>(*current);
  routes->mounts.erase(std::remove(routes->mounts.begin(), routes->mounts.end(), mount),
                       routes->mounts.end());
  routes_.store(std::move(routes));
  mount->backend->Cleanup();
  COFFER_RETURN_IF_ERROR(DeleteTree(*mount->view, ""));
  log::Info("core", "successfully unmounted", {{"path", path}});
  return Status::Ok();
}

Status CoreImpl::Remount(const std::string& from_in, const std::string& to_in) {
  std::string from = from_in, to = to_in;
  if (from.empty() || to.empty())
    return InvalidArgument("both 'from' and 'to' paths must be specified");
  if (from.back() != '/') from += '/';
  if (to.back() != '/') to += '/';
  std::lock_guard<std::mutex> l(table_change_mu_);
  auto current = routes_.load();
  auto mount = current->ByPath(from);
  if (!mount) return InvalidArgument("no matching mount at \"" + from + "\"");
  std::string table = mount->entry.table;
  if ((table == "auth") != (to.rfind("auth/", 0) == 0))
    return InvalidArgument("cannot remount between secrets engines and auth methods");
  if (mount->entry.type == "system" || mount->entry.type == "cubbyhole" ||
      mount->entry.type == "token")
    return InvalidArgument("cannot remount \"" + from + "\"");
  for (const auto& m : current->mounts)
    if (m != mount && Conflicts(to, m->entry.path))
      return InvalidArgument("path already in use at \"" + m->entry.path + "\"");
  MountEntry moved = mount->entry;
  moved.path = to;
  COFFER_ASSIGN_OR_RETURN(auto fresh, Instantiate(moved));
  {
    std::lock_guard<std::mutex> ml(mounts_mu_);
    for (auto& e : table == "auth" ? auth_entries_ : mount_entries_)
      if (e.path == from) e.path = to;
  }
  COFFER_RETURN_IF_ERROR(PersistMountTable(table));
  auto routes = std::make_shared<RouteTable>(*current);
  std::replace(routes->mounts.begin(), routes->mounts.end(), mount, fresh);
  routes_.store(std::move(routes));
  Publish();
  mount->backend->Cleanup();
  return Status::Ok();
}

Status CoreImpl::TuneMount(const std::string& table, const std::string& path_in, const Json& tune) {
  std::string path = path_in;
  if (!path.empty() && path.back() != '/') path += '/';
  std::lock_guard<std::mutex> l(table_change_mu_);
  auto current = routes_.load();
  auto mount = current->ByPath(path);
  if (!mount || mount->entry.table != table)
    return InvalidArgument("no mount entry found at \"" + path + "\"");
  MountEntry e = mount->entry;
  auto dur = [&](const char* name, std::chrono::seconds* out) -> Status {
    if (!tune.contains(name)) return Status::Ok();
    const Json& v = tune[name];
    if (v.is_number_integer()) {
      *out = std::chrono::seconds(v.get<int64_t>());
      return Status::Ok();
    }
    if (!v.is_string()) return InvalidArgument(std::string("invalid ") + name);
    std::string s = v.get<std::string>();
    if (s == "system" || s.empty()) {
      *out = std::chrono::seconds(0);
      return Status::Ok();
    }
    auto d = ParseDuration(s);
    if (!d) return InvalidArgument(std::string("invalid ") + name + ": " + d.error().message());
    *out = *d;
    return Status::Ok();
  };
  COFFER_RETURN_IF_ERROR(dur("default_lease_ttl", &e.config.default_lease_ttl));
  COFFER_RETURN_IF_ERROR(dur("max_lease_ttl", &e.config.max_lease_ttl));
  std::chrono::seconds eff_max =
      e.config.max_lease_ttl.count() ? e.config.max_lease_ttl : options_.max_lease_ttl;
  std::chrono::seconds eff_def =
      e.config.default_lease_ttl.count() ? e.config.default_lease_ttl : options_.default_lease_ttl;
  if (e.config.max_lease_ttl > options_.max_lease_ttl)
    return InvalidArgument("given TTL of " + std::to_string(e.config.max_lease_ttl.count()) +
                           " seconds is greater than current mount/system default of " +
                           std::to_string(options_.max_lease_ttl.count()) + " seconds");
  // Only explicitly configured values are compared: an unset default falls back to
  // min(system default, mount max) when used, as in Vault.
  if (e.config.default_lease_ttl.count() > 0 && eff_def > eff_max)
    return InvalidArgument("default lease TTL cannot be greater than max lease TTL");
  if (tune.contains("description") && tune["description"].is_string())
    e.description = tune["description"].get<std::string>();
  auto list = [&](const char* name, std::vector<std::string>* out) {
    if (tune.contains(name)) {
      auto v = JsonToStringList(tune[name]);
      if (v) *out = *v;
    }
  };
  list("audit_non_hmac_request_keys", &e.config.audit_non_hmac_request_keys);
  list("audit_non_hmac_response_keys", &e.config.audit_non_hmac_response_keys);
  list("passthrough_request_headers", &e.config.passthrough_request_headers);
  list("allowed_response_headers", &e.config.allowed_response_headers);
  if (tune.contains("listing_visibility") && tune["listing_visibility"].is_string()) {
    std::string lv = tune["listing_visibility"].get<std::string>();
    if (lv != "" && lv != "hidden" && lv != "unauth")
      return InvalidArgument("invalid listing_visibility " + lv);
    e.config.listing_visibility = lv;
  }
  if (tune.contains("token_type") && tune["token_type"].is_string())
    e.config.token_type = tune["token_type"].get<std::string>();
  if (tune.contains("options") && tune["options"].is_object()) {
    // The sys backend sends the complete new option map (Vault's merge-and-delete rules
    // are applied there), so it replaces the old one.
    std::map<std::string, std::string> old_options = e.options;
    e.options.clear();
    for (auto& [k, v] : tune["options"].items()) {
      std::string s = v.is_string() ? v.get<std::string>() : v.dump();
      if (k == "version" && old_options.count("version") && s < old_options["version"])
        return InvalidArgument("cannot downgrade mount from version " + old_options["version"]);

      e.options[k] = s;
    }
  }
  std::shared_ptr<Mount> fresh;
  COFFER_ASSIGN_OR_RETURN(fresh, Instantiate(e));
  {
    std::lock_guard<std::mutex> ml(mounts_mu_);
    for (auto& me : table == "auth" ? auth_entries_ : mount_entries_)
      if (me.path == path) me = e;
  }
  COFFER_RETURN_IF_ERROR(PersistMountTable(table));
  auto routes = std::make_shared<RouteTable>(*current);
  std::replace(routes->mounts.begin(), routes->mounts.end(), mount, fresh);
  routes_.store(std::move(routes));
  return Status::Ok();
}

std::vector<MountEntry> CoreImpl::ListMounts(const std::string& table) {
  std::lock_guard<std::mutex> l(mounts_mu_);
  return table == "auth" ? auth_entries_ : mount_entries_;
}

std::shared_ptr<Mount> CoreImpl::FindMount(const std::string& table, const std::string& path_in) {
  std::string path = path_in;
  if (!path.empty() && path.back() != '/') path += '/';
  if (table == "auth" && path.rfind("auth/", 0) != 0) path = "auth/" + path;
  auto m = routes_.load()->ByPath(path);
  if (m && m->entry.table != table) return nullptr;
  return m;
}

}  // namespace coffer::core
