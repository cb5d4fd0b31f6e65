// TokenEntry: the stored form of a service token and the body of auth/token/lookup*.
#include <algorithm>

#include "core/token_store.h"

namespace coffer::core {

namespace {
int64_t UnixSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
TimePoint FromUnix(int64_t s) { return TimePoint(std::chrono::seconds(s)); }
}  // namespace

bool TokenEntry::IsRoot() const {
  return std::find(policies.begin(), policies.end(), "root") != policies.end();
}

Json TokenEntry::ToJson() const {
  return {{"id_hash", id_hash},
          {"accessor", accessor},
          {"parent_hash", parent_hash},
          {"policies", policies},
          {"path", path},
          {"meta", meta},
          {"display_name", display_name},
          {"num_uses", num_uses},
          {"creation_time", creation_time},
          {"ttl", ttl.count()},
          {"explicit_max_ttl", explicit_max_ttl.count()},
          {"period", period.count()},
          {"expire_time", expire_time},
          {"max_expire_time", max_expire_time},
          {"type", type == TokenType::kBatch ? "batch" : "service"},
          {"orphan", orphan},
          {"renewable", renewable},
          {"entity_id", entity_id},
          {"mount_accessor", mount_accessor},
          {"internal_data", internal_data},
          {"last_renewal_time", last_renewal_time},
          {"role", role},
          {"bound_cidrs", bound_cidrs}};
}

Result<TokenEntry> TokenEntry::FromJson(const Json& j) {
  if (!j.is_object()) return Err(Corruption("token entry: not an object"));
  TokenEntry e;
  try {
    e.id_hash = j.value("id_hash", "");
    e.accessor = j.value("accessor", "");
    e.parent_hash = j.value("parent_hash", "");
    e.policies = j.value("policies", std::vector<std::string>{});
    e.path = j.value("path", "");
    e.meta = j.value("meta", std::map<std::string, std::string>{});
    e.display_name = j.value("display_name", "");
    e.num_uses = j.value("num_uses", int64_t{0});
    e.creation_time = j.value("creation_time", int64_t{0});
    e.ttl = std::chrono::seconds(j.value("ttl", int64_t{0}));
    e.explicit_max_ttl = std::chrono::seconds(j.value("explicit_max_ttl", int64_t{0}));
    e.period = std::chrono::seconds(j.value("period", int64_t{0}));
    e.expire_time = j.value("expire_time", int64_t{0});
    e.max_expire_time = j.value("max_expire_time", int64_t{0});
    e.type = j.value("type", "service") == "batch" ? TokenType::kBatch : TokenType::kService;
    e.orphan = j.value("orphan", false);
    e.renewable = j.value("renewable", false);
    e.entity_id = j.value("entity_id", "");
    e.mount_accessor = j.value("mount_accessor", "");
    e.internal_data = j.value("internal_data", Json::object());
    e.last_renewal_time = j.value("last_renewal_time", int64_t{0});
    e.role = j.value("role", "");  // absent in entries written before roles existed
    e.bound_cidrs = j.value("bound_cidrs", std::vector<std::string>{});
  } catch (const Json::exception&) {
    return Err(Corruption("token entry: malformed"));
  }
  return e;
}

Json TokenEntry::LookupData(const Clock& clock) const {
  int64_t now = UnixSeconds(clock.Now());
  int64_t remaining = expire_time == 0 ? 0 : std::max<int64_t>(0, expire_time - now);
  Json j = {
      {"accessor", type == TokenType::kBatch ? "" : accessor},
      {"creation_time", creation_time},
      {"creation_ttl", ttl.count()},
      {"display_name", display_name},
      {"entity_id", entity_id},
      {"expire_time", expire_time == 0 ? Json(nullptr) : Json(FormatTime(FromUnix(expire_time)))},
      {"explicit_max_ttl", explicit_max_ttl.count()},
      {"id", id},
      {"issue_time", FormatTime(FromUnix(creation_time))},
      {"meta", meta.empty() ? Json(nullptr) : Json(meta)},
      {"num_uses", num_uses < 0 ? 0 : num_uses},  // -1: last use being taken
      {"orphan", orphan},
      {"path", path},
      {"policies", policies},
      {"renewable", renewable},
      {"ttl", remaining},
      {"type", type == TokenType::kBatch ? "batch" : "service"}};
  if (period.count() > 0) j["period"] = period.count();
  if (!role.empty()) j["role"] = role;
  if (!bound_cidrs.empty()) j["bound_cidrs"] = bound_cidrs;
  if (last_renewal_time != 0) {
    j["last_renewal_time"] = last_renewal_time;
    j["last_renewal"] = FormatTime(FromUnix(last_renewal_time));
  }
  return j;
}

}  // namespace coffer::core
