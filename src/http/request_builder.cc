#include "http/request_builder.h"

#include <algorithm>
#include <cctype>

#include "base/duration.h"
#include "base/json.h"
#include "crypto/random.h"

namespace coffer::http {

namespace {

constexpr std::string_view kApiPrefix = "/v1/";
constexpr std::string_view kMergePatch = "application/merge-patch+json";
constexpr std::string_view kFormUrlEncoded = "application/x-www-form-urlencoded";

tl::unexpected<HttpError> Fail(int status, std::string message = {}) {
  return tl::unexpected<HttpError>(HttpError{status, std::move(message)});
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// A path is safe when no segment can be read as a directory step and no byte could be
// reinterpreted as a separator further down (file-backed storage, audit logs).
bool SafePath(std::string_view path) {
  if (path.find('\0') != std::string_view::npos) return false;
  if (path.find('\\') != std::string_view::npos) return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    bool last = slash == std::string_view::npos;
    std::string_view segment = path.substr(start, last ? std::string_view::npos : slash - start);
    if (segment == "." || segment == "..") return false;
    // Only the final segment may be empty (a trailing '/', as in "secret/foo/").
    if (segment.empty() && !last) return false;
    if (last) break;
    start = slash + 1;
  }
  return true;
}

// Vault's parseQuery: one value → string, repeated → array; "help" is reserved.
Json QueryToData(const QueryList& query, std::string_view skip) {
  Json data = Json::object();
  for (const auto& [k, v] : query) {
    if (k == "help" || k == skip) continue;
    auto it = data.find(k);
    if (it == data.end()) {
      data[k] = v;
    } else if (it->is_array()) {
      it->push_back(v);
    } else {
      Json first = *it;
      *it = Json::array({std::move(first), v});
    }
  }
  return data;
}

}  // namespace

tl::expected<Json, HttpError> ParseJsonObject(std::string_view body) {
  body = TrimSpace(body);
  if (body.empty()) return Json::object();
  auto parsed = ParseJson(body);
  if (!parsed || !(parsed->is_object() || parsed->is_null())) {
    return Fail(400, "failed to parse JSON input");
  }
  if (parsed->is_null()) return Json::object();
  return std::move(*parsed);
}

namespace {

tl::expected<Json, HttpError> ParseWriteBody(const HttpRequest& http) {
  const std::string* ct = FindHeader(http.headers, "content-type");
  std::string_view trimmed = TrimSpace(http.body);
  if (ct != nullptr && MediaType(*ct) == kFormUrlEncoded && !trimmed.empty() &&
      trimmed.front() != '{') {
    auto form = ParseQuery(trimmed);
    if (!form) return Fail(400, "error parsing form data");
    return QueryToData(*form, {});
  }
  return ParseJsonObject(http.body);
}

void EnsureTrailingSlash(std::string& path) {
  if (path.empty() || path.back() != '/') path.push_back('/');
}

// Operation and data from the verb; may adjust the path (list operations).
tl::expected<void, HttpError> ApplyMethod(const HttpRequest& http, const QueryList& query,
                                          core::Request& req) {
  const std::string& m = http.method;
  if (m == "GET") {
    req.operation = core::Operation::kRead;
    std::string skip;
    if (auto list = QueryValue(query, "list"); list && !list->empty()) {
      auto on = ParseGoBool(*list);
      if (!on) return Fail(400);
      if (*on) {
        req.operation = core::Operation::kList;
        EnsureTrailingSlash(req.path);
        skip = "list";
      }
    }
    if (auto help = QueryValue(query, "help"); help && !help->empty()) {
      req.operation = core::Operation::kHelp;
    }
    req.data = QueryToData(query, skip);
  } else if (m == "LIST") {
    req.operation = core::Operation::kList;
    EnsureTrailingSlash(req.path);
    req.data = QueryToData(query, {});
  } else if (m == "DELETE") {
    req.operation = core::Operation::kDelete;
    req.data = QueryToData(query, {});
  } else if (m == "POST" || m == "PUT") {
    req.operation = core::Operation::kUpdate;
    auto data = ParseWriteBody(http);
    if (!data) return tl::unexpected(data.error());
    req.data = std::move(*data);
  } else if (m == "PATCH") {
    req.operation = core::Operation::kPatch;
    const std::string* ct = FindHeader(http.headers, "content-type");
    std::string type = ct ? MediaType(*ct) : std::string();
    if (type.empty()) return Fail(400, "mime: no media type");
    if (type != kMergePatch) {
      return Fail(415,
                  "PATCH requires Content-Type of application/merge-patch+json, provided " + type);
    }
    auto data = ParseJsonObject(http.body);
    if (!data) return tl::unexpected(data.error());
    req.data = std::move(*data);
  } else {
    return Fail(405);
  }
  return {};
}

// Token, wrap TTL and the lower-cased header map.
tl::expected<void, HttpError> ApplyHeaders(const HttpRequest& http, core::Request& req) {
  bool token_from_bearer = false;
  if (const std::string* t = FindHeader(http.headers, "x-vault-token"); t && !t->empty()) {
    req.client_token = *t;
  } else {
    for (const auto& [k, v] : http.headers) {
      if (EqualsIgnoreCase(k, "authorization") && v.rfind("Bearer ", 0) == 0) {
        req.client_token = std::string(TrimSpace(std::string_view(v).substr(7)));
        token_from_bearer = true;
        break;
      }
    }
  }
  if (const std::string* w = FindHeader(http.headers, "x-vault-wrap-ttl"); w && !w->empty()) {
    auto ttl = ParseDuration(*w);
    if (!ttl) return Fail(400, "error parsing X-Vault-Wrap-TTL header: " + ttl.error().message());
    req.wrap_ttl = *ttl;
  }
  for (const auto& [k, v] : http.headers) {
    std::string name = ToLower(k);
    if (name == "x-vault-token") continue;
    if (name == "authorization" && token_from_bearer) continue;
    auto [it, inserted] = req.headers.emplace(name, v);
    if (!inserted) it->second += "," + v;
  }
  return {};
}

}  // namespace

std::string MediaType(std::string_view content_type) {
  std::string_view type = TrimSpace(content_type.substr(0, content_type.find(';')));
  size_t slash = type.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == type.size()) return {};
  return ToLower(type);
}

tl::expected<ParsedTarget, HttpError> ParseTarget(std::string_view target) {
  size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  std::string_view raw_query =
      q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  if (raw_path.substr(0, kApiPrefix.size()) != kApiPrefix) return Fail(404);
  auto path = PercentDecode(raw_path.substr(kApiPrefix.size()), /*plus_is_space=*/false);
  if (!path) return Fail(400, "invalid URL escape in path");
  if (path->empty()) return Fail(404);
  if (!SafePath(*path)) return Fail(400, "invalid request path");
  auto query = ParseQuery(raw_query);
  if (!query) return Fail(400, "invalid URL escape in query");
  return ParsedTarget{std::move(*path), std::move(*query)};
}

tl::expected<core::Request, HttpError> BuildRequest(const HttpRequest& http,
                                                    crypto::Random& random) {
  auto target = ParseTarget(http.target);
  if (!target) return tl::unexpected(target.error());

  core::Request req;
  req.path = std::move(target->path);
  if (auto ok = ApplyMethod(http, target->query, req); !ok) return tl::unexpected(ok.error());
  for (const auto& [k, v] : target->query) req.query.emplace(k, v);  // first value wins
  if (auto ok = ApplyHeaders(http, req); !ok) return tl::unexpected(ok.error());
  req.remote_addr = http.remote_addr;

  auto id = crypto::GenerateUuid(random);
  if (!id) return Fail(500, "failed to generate identifier for the request");
  req.id = std::move(*id);
  return req;
}

}  // namespace coffer::http
