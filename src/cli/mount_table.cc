#include "cli/mount_table.h"

#include "cli/format.h"

namespace coffer::cli {
namespace {

std::string Ttl(const Json& config, std::string_view key) {
  int64_t s = GetInt(config, key);
  return s == 0 ? "system" : HumanDuration(s);
}

}  // namespace

Json MountsOf(const Json& body) {
  const Json* data = Find(body, "data");
  if (data != nullptr && data->is_object()) return *data;
  Json out = Json::object();
  if (!body.is_object()) return out;
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it->is_object() && it.key() != "wrap_info" && it.key() != "auth") out[it.key()] = *it;
  }
  return out;
}

std::string MountsTable(const Json& mounts, bool detailed, bool auth) {
  Rows rows;
  if (!detailed) {
    rows.push_back({"Path", "Type", "Accessor", "Description"});
    if (auth) rows[0].push_back("Version");
  } else {
    rows.push_back({"Path", "Plugin", "Accessor", "Default TTL", "Max TTL"});
    if (auth) {
      rows[0].push_back("Token Type");
    } else {
      rows[0].push_back("Force No Cache");
    }
    for (const char* h : {"Replication", "Seal Wrap", "External Entropy Access", "Options",
                          "Description", "UUID", "Version"}) {
      rows[0].push_back(h);
    }
  }
  for (auto it = mounts.begin(); it != mounts.end(); ++it) {
    const Json& m = *it;
    if (!m.is_object()) continue;
    Json config = GetJson(m, "config");
    std::string version = GetString(m, "plugin_version");
    if (!detailed) {
      rows.push_back(
          {it.key(), GetString(m, "type"), GetString(m, "accessor"), GetString(m, "description")});
      if (auth) rows.back().push_back(version);
      continue;
    }
    std::vector<std::string> row = {it.key(), GetString(m, "type"), GetString(m, "accessor"),
                                    Ttl(config, "default_lease_ttl"), Ttl(config, "max_lease_ttl")};
    if (auth) {
      row.push_back(GetString(config, "token_type"));
    } else {
      row.push_back(GetBool(config, "force_no_cache") ? "true" : "false");
    }
    row.push_back(GetBool(m, "local") ? "local" : "replicated");
    row.push_back(GetBool(m, "seal_wrap") ? "true" : "false");
    row.push_back(GetBool(m, "external_entropy_access") ? "true" : "false");
    Json options = GetJson(m, "options");
    row.push_back(options.is_null() ? "map[]" : GoValue(options));
    row.push_back(GetString(m, "description"));
    row.push_back(GetString(m, "uuid"));
    row.push_back(version);
    rows.push_back(std::move(row));
  }
  return TableOutput(rows);
}

}  // namespace coffer::cli
