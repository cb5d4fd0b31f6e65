#include "cli/kv_path.h"

#include <vector>

#include "cli/command.h"
#include "cli/format.h"

namespace coffer::cli {

std::string PathJoin(std::initializer_list<std::string_view> parts) {
  std::string joined;
  for (std::string_view p : parts) {
    if (p.empty()) continue;
    if (!joined.empty()) joined += '/';
    joined += p;
  }
  if (joined.empty()) return "";
  bool rooted = joined[0] == '/';
  std::vector<std::string> segs;
  size_t start = 0;
  while (start <= joined.size()) {
    size_t slash = joined.find('/', start);
    if (slash == std::string::npos) slash = joined.size();
    std::string seg = joined.substr(start, slash - start);
    start = slash + 1;
    if (seg.empty() || seg == ".") continue;
    if (seg == ".." && !segs.empty() && segs.back() != "..") {
      segs.pop_back();
    } else if (seg != ".." || !rooted) {
      segs.push_back(seg);
    }
  }
  std::string out = rooted ? "/" : "";
  for (size_t i = 0; i < segs.size(); ++i) out += (i ? "/" : "") + segs[i];
  return out.empty() ? "." : out;
}

std::string AddPrefixToKvPath(std::string_view p, std::string_view mount_path,
                              std::string_view api_prefix) {
  std::string mount(mount_path);
  std::string trimmed_mount = mount;
  while (!trimmed_mount.empty() && trimmed_mount.back() == '/') trimmed_mount.pop_back();
  if (p == mount || p == trimmed_mount) return PathJoin({mount, api_prefix});

  auto trim_prefix = [](std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix ? s.substr(prefix.size()) : s;
  };
  std::string_view tp = trim_prefix(p, mount);
  // The mount path may carry namespace segments the given path lacks: drop them one by one.
  while (tp == p) {
    size_t slash = mount.find('/');
    if (slash == std::string::npos || slash + 1 >= mount.size()) break;
    mount = mount.substr(slash + 1);
    while (!mount.empty() && mount.back() == '/') mount.pop_back();
    tp = trim_prefix(tp, mount);
  }
  return PathJoin({mount, api_prefix, tp});
}

Result<KvMount> KvPreflight(const api::Client& client, std::string_view path) {
  api::RequestOptions options;
  options.allow_wrapping = false;
  std::string ui_path = "sys/internal/ui/mounts/" + std::string(path);
  COFFER_ASSIGN_OR_RETURN(api::Response resp,
                          client.RawRequest("GET", ui_path, nullptr, {}, options));
  if (resp.status == 404) return KvMount{};
  if (resp.status < 200 || resp.status > 299) {
    return Err(Status(api::StatusCodeForHttp(resp.status),
                      api::FormatApiError("GET", client.Url(ui_path), resp.status, resp.raw_body)));
  }
  const Json* data = Find(resp.body, "data");
  if (data == nullptr) return Err(Internal("nil response from pre-flight request"));
  KvMount m;
  m.mount_path = GetString(*data, "path");
  const Json* options_json = Find(*data, "options");
  if (options_json != nullptr && GetString(*options_json, "version") == "2") m.version = 2;
  return m;
}

std::string KvTarget::Full(std::string_view api_prefix) const {
  if (mount.version == 2) return AddPrefixToKvPath(partial_path, mount.mount_path, api_prefix);
  if (!mount_flag_syntax) return partial_path;
  return PathJoin({mount.mount_path.empty() ? flag_mount : mount.mount_path, partial_path});
}

Result<KvTarget> ResolveKvTarget(const api::Client& client, std::string_view arg,
                                 std::string_view mount_flag) {
  KvTarget t;
  t.partial_path = SanitizePath(arg);
  if (!mount_flag.empty()) {
    t.mount_flag_syntax = true;
    t.flag_mount = SanitizePath(mount_flag);
    COFFER_ASSIGN_OR_RETURN(t.mount, KvPreflight(client, t.flag_mount));
    if (t.mount.version == 2) {
      if (t.mount.mount_path.empty()) t.mount.mount_path = t.flag_mount + "/";
      t.partial_path = PathJoin({t.mount.mount_path, t.partial_path});
    }
  } else {
    COFFER_ASSIGN_OR_RETURN(t.mount, KvPreflight(client, t.partial_path));
  }
  return t;
}

}  // namespace coffer::cli

namespace coffer::cli {

std::string KvPathHeader(std::string_view title, std::string_view path) {
  return PadEqualSigns(title, path.size()) + "\n" + std::string(path) + "\n";
}

Result<std::vector<int64_t>> ParseKvVersions(const std::vector<std::string>& versions) {
  std::vector<int64_t> out;
  for (const std::string& v : versions) {
    Result<int64_t> n = JsonToInt(Json(v));
    if (!n || *n < 0) return Err(InvalidArgument("invalid version: \"" + v + "\""));
    out.push_back(*n);
  }
  return out;
}

}  // namespace coffer::cli
