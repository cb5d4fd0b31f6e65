// ClientConfig::FromEnvironment, environment lookups and Vault's error text.

#include <cstdlib>
#include <string>

#include "api/client.h"
#include "base/duration.h"

namespace coffer::api {

std::string GetEnv(std::string_view name) {
  for (const char* prefix : {"COFFER_", "VAULT_"}) {
    std::string var = std::string(prefix) + std::string(name);
    const char* v = std::getenv(var.c_str());
    if (v != nullptr && *v != '\0') return v;
  }
  return "";
}

std::optional<bool> ParseBool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False")
    return false;
  return std::nullopt;
}

ClientConfig ClientConfig::FromEnvironment() {
  ClientConfig c;
  if (std::string v = GetEnv("ADDR"); !v.empty()) c.address = v;
  c.token = GetEnv("TOKEN");
  c.ca_cert = GetEnv("CACERT");
  c.ca_path = GetEnv("CAPATH");
  c.client_cert = GetEnv("CLIENT_CERT");
  c.client_key = GetEnv("CLIENT_KEY");
  if (std::optional<bool> b = ParseBool(GetEnv("SKIP_VERIFY"))) c.tls_skip_verify = *b;
  c.tls_server_name = GetEnv("TLS_SERVER_NAME");
  c.namespace_ = GetEnv("NAMESPACE");
  if (std::string v = GetEnv("CLIENT_TIMEOUT"); !v.empty()) {
    Result<std::chrono::seconds> d = ParseDuration(v);
    if (d && d->count() > 0) c.timeout = *d;
  }
  c.wrap_ttl = GetEnv("WRAP_TTL");
  return c;
}

std::string FormatApiError(std::string_view method, std::string_view url, int status,
                           std::string_view raw_body) {
  std::vector<std::string> errors;
  bool raw = true;
  Json body = Json::parse(raw_body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object()) {
    auto it = body.find("errors");
    if (it != body.end() && it->is_array()) {
      raw = false;
      for (const Json& e : *it) {
        errors.push_back(e.is_string() ? e.get<std::string>()
                                       : e.dump(-1, ' ', false, Json::error_handler_t::replace));
      }
    }
  }
  std::string out = "Error making API request.\n\nURL: ";
  out += method;
  out += " ";
  out += url;
  out += "\nCode: " + std::to_string(status) + ". " + (raw ? "Raw Message" : "Errors") + ":\n\n";
  if (raw) {
    out += raw_body;
  } else {
    for (size_t i = 0; i < errors.size(); ++i) {
      if (i > 0) out += "\n";
      out += "* " + errors[i];
    }
  }
  return out;
}

StatusCode StatusCodeForHttp(int http_status) {
  switch (http_status) {
    case 400:
      return StatusCode::kInvalidArgument;
    case 401:
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 405:
      return StatusCode::kUnsupportedOperation;
    case 412:
      return StatusCode::kPreconditionFailed;
    case 429:
      return StatusCode::kRateLimited;
    case 503:
      return StatusCode::kUnavailable;
    default:
      return http_status >= 200 && http_status < 300 ? StatusCode::kOk : StatusCode::kInternal;
  }
}

}  // namespace coffer::api
