#include "engines/kv/util.h"

namespace coffer::engines::kv {

core::Response WithStatus(int status, Json data, std::vector<std::string> warnings) {
  core::Response r;
  r.data = std::move(data);
  r.warnings = std::move(warnings);
  r.http_status = status;
  return r;
}

tl::unexpected<Status> NoResponse() { return Err(NotFound("")); }

Result<int64_t> IntParam(const core::Request& req, const framework::FieldData& d,
                         const std::string& name, int64_t fallback) {
  Json raw;
  if (d.Has(name)) {
    raw = d.raw().at(name);
  } else if (auto it = req.query.find(name); it != req.query.end()) {
    raw = it->second;
  } else {
    return fallback;
  }
  auto v = JsonToInt(raw);
  if (!v) {
    return Err(
        InvalidArgument("error converting input for field \"" + name + "\": expected an integer"));
  }
  return *v;
}

Result<std::vector<uint64_t>> ParseVersionList(const Json& raw) {
  std::vector<uint64_t> out;
  Json items = raw;
  if (raw.is_string() || raw.is_number()) {
    if (raw.is_number()) {
      items = Json::array({raw});
    } else {
      auto parts = JsonToStringList(raw);
      if (!parts) return Err(parts.error());
      items = Json(*parts);
    }
  }
  if (items.is_null()) return out;
  if (!items.is_array()) return Err(InvalidArgument("versions must be a list of integers"));
  for (const auto& item : items) {
    auto v = JsonToInt(item);
    if (!v || *v < 0) return Err(InvalidArgument("versions must be a list of integers"));
    out.push_back(static_cast<uint64_t>(*v));
  }
  return out;
}

std::string AsFolder(std::string path) {
  if (!path.empty() && path.back() != '/') path += '/';
  return path;
}

}  // namespace coffer::engines::kv
