#include "http/response.h"

#include <string>

namespace coffer::http {

namespace {

constexpr std::string_view kJson = "application/json";

HttpResponse Make(int status, std::string_view content_type, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", std::string(content_type));
  r.headers.emplace_back("Cache-Control", "no-store");
  r.body = std::move(body);
  return r;
}

std::string Dump(const Json& j) {
  // Replace invalid UTF-8 rather than throw: backends may echo arbitrary client bytes.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

bool HasData(const Json& data) { return !data.is_null() && !(data.is_object() && data.empty()); }

bool IsEmpty(const core::Response& r) {
  return !HasData(r.data) && !r.auth && !r.secret && !r.wrap_info && r.warnings.empty();
}

// Vault's RespondErrorCommon for a list: 404 unless there are keys (or other content).
int ListStatus(const core::Response& r) {
  if (r.wrap_info) return 0;
  if (!HasData(r.data)) return r.warnings.empty() ? 404 : 0;
  if (!r.data.is_object()) return 0;
  auto keys = r.data.find("keys");
  if (keys == r.data.end() || keys->is_null()) return 0;  // other data: returned as is
  if (!keys->is_array()) return 500;
  for (const auto& k : *keys) {
    if (!k.is_string()) return 500;
  }
  return keys->empty() ? 404 : 0;
}

HttpResponse RenderRaw(const core::Response& r) {
  if (r.auth || r.secret) return ErrorResponse(500, "raw responses cannot contain secrets or auth");
  std::string body;
  if (r.raw_body) {
    body = *r.raw_body;
  } else if (!r.data.is_null()) {
    body = Dump(r.data);
  }
  std::string_view type = r.raw_content_type.empty() ? kJson : r.raw_content_type;
  return Make(r.http_status, type, std::move(body));
}

HttpResponse RenderSuccess(const core::Request& req, const core::Response& resp) {
  if (resp.http_status != 0) return RenderRaw(resp);
  switch (req.operation) {
    case core::Operation::kRead:
    case core::Operation::kPatch:
      // Vault: a read with no response is a 404; a response whose data is an empty object
      // (e.g. sys/audit with no device) is a 200 with "data": {}.
      if (IsEmpty(resp) && !resp.data.is_object()) return ErrorResponse(404, "");
      if (IsEmpty(resp)) return JsonResponse(200, Envelope(req, resp));
      break;
    case core::Operation::kList:
      if (int status = ListStatus(resp); status != 0) return ErrorResponse(status, "");
      break;
    default:
      break;
  }
  if (IsEmpty(resp)) return EmptyResponse(204);
  return JsonResponse(200, Envelope(req, resp));
}

}  // namespace

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotInitialized:
      return 400;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kUnsupportedOperation:
      return 405;
    case StatusCode::kPreconditionFailed:
      return 412;
    case StatusCode::kRateLimited:
      return 429;
    case StatusCode::kInternal:
    case StatusCode::kIoError:
    case StatusCode::kCorruption:
      return 500;
    case StatusCode::kSealed:
    case StatusCode::kUnavailable:
      return 503;
  }
  return 500;
}

HttpResponse JsonResponse(int status, const Json& body) { return Make(status, kJson, Dump(body)); }

HttpResponse EmptyResponse(int status) { return Make(status, kJson, {}); }

HttpResponse ErrorResponse(int status, std::string_view message) {
  Json errors = Json::array();
  if (!message.empty()) errors.push_back(std::string(message));
  return JsonResponse(status, Json{{"errors", std::move(errors)}});
}

HttpResponse ErrorResponse(const HttpError& error) {
  return ErrorResponse(error.status, error.message);
}

HttpResponse ErrorResponse(const Status& status) {
  return ErrorResponse(HttpStatusFor(status.code()), status.message());
}

Json Envelope(const core::Request& req, const core::Response& resp) {
  return core::RenderEnvelope(req, resp);
}

HttpResponse RenderLogical(const core::Request& req, const Result<core::Response>& result) {
  if (!result) return ErrorResponse(result.error());
  HttpResponse out = RenderSuccess(req, *result);
  for (const auto& [k, v] : result->headers) out.headers.emplace_back(k, v);
  return out;
}

}  // namespace coffer::http
