#pragma once
// Turning an HTTP request into a logical core::Request, with the semantics of Vault's
// http/logical.go (buildLogicalRequest): the verb picks the operation, the path after
// /v1/ is the logical path, query parameters and JSON bodies become req.data, and the
// client token, wrap TTL and headers are carried over. Pure and Beast-free (fuzzable).

#include <string>
#include <string_view>
#include <tl/expected.hpp>

#include "base/json.h"
#include "core/logical.h"
#include "http/message.h"
#include "http/url.h"

namespace coffer::crypto {
class Random;
}

namespace coffer::http {

struct ParsedTarget {
  std::string path;  // logical path: percent-decoded, without "/v1/"; may end in '/'
  QueryList query;   // decoded, in order
};

// Splits and validates a request target. 404 (no message) unless it starts with "/v1/"
// and names a path; 400 for a malformed escape or a path that could escape its prefix:
// a "." or ".." segment, an empty interior segment ("a//b"), NUL or a backslash (whether
// written literally or percent-encoded).
tl::expected<ParsedTarget, HttpError> ParseTarget(std::string_view target);

// Builds the logical request:
//   GET → read (list with ?list=<true>, help with ?help=<anything>), LIST → list,
//   POST/PUT → update, DELETE → delete, PATCH → patch (needs Content-Type
//   application/merge-patch+json, else 415); any other verb → 405.
// List operations get a trailing '/' on the path. For GET/LIST/DELETE the query
// parameters (but not "list" and "help") are also merged into data: one value → string,
// repeated → array. POST/PUT/PATCH bodies must be a JSON object (or empty); POST/PUT also
// accept application/x-www-form-urlencoded. Token from X-Vault-Token, else
// "Authorization: Bearer <t>"; X-Vault-Wrap-TTL → wrap_ttl. Header names are lower-cased
// into req.headers (X-Vault-Token, and Authorization when it carried the token, are left
// out). The request id is a fresh v4 UUID from `random`.
tl::expected<core::Request, HttpError> BuildRequest(const HttpRequest& http,
                                                    crypto::Random& random);

// A request body as a JSON object: empty (or whitespace, or "null") gives {}; anything
// but an object is 400 "failed to parse JSON input".
tl::expected<Json, HttpError> ParseJsonObject(std::string_view body);

// "application/merge-patch+json; charset=utf-8" → "application/merge-patch+json".
// Empty when the header is empty or has no type/subtype.
std::string MediaType(std::string_view content_type);

}  // namespace coffer::http
