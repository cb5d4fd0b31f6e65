#pragma once
// Rendering logical responses and errors as Vault does (sdk/logical/response_util.go,
// http/logical.go respondLogical, http/handler.go respondOk/respondError). Every HTTP
// status that http/ derives from a Status comes from HttpStatusFor: it is the one table.
// Every response carries Content-Type (application/json unless a raw response sets
// another) and Cache-Control: no-store. Pure and Beast-free.

#include <string_view>

#include "base/json.h"
#include "base/status.h"
#include "core/logical.h"
#include "http/message.h"

namespace coffer::http {

// The one StatusCode → HTTP status table:
//   InvalidArgument, NotInitialized 400; PermissionDenied 403; NotFound 404;
//   UnsupportedOperation 405; PreconditionFailed 412; RateLimited 429;
//   Internal, IoError, Corruption 500; Sealed, Unavailable 503.
int HttpStatusFor(StatusCode code);

// `body` serialised with status; Content-Type application/json.
HttpResponse JsonResponse(int status, const Json& body);

// A response without a body (204 No Content, HEAD answers).
HttpResponse EmptyResponse(int status);

// {"errors":[message]}, or {"errors":[]} when message is empty.
HttpResponse ErrorResponse(int status, std::string_view message);
HttpResponse ErrorResponse(const HttpError& error);
// The status from HttpStatusFor(status.code()).
HttpResponse ErrorResponse(const Status& status);

// Vault's response envelope: request_id, lease_id, renewable, lease_duration, data,
// wrap_info, warnings, auth, mount_type. When resp.wrap_info is set only wrap_info is
// filled in (everything else empty or null), as Vault returns wrapped responses. With
// resp.data_at_top_level (sys/ responses) the data's keys are also copied to the top
// level, except where they would replace an envelope field.
Json Envelope(const core::Request& req, const core::Response& resp);

// The HTTP answer to a logical request:
//   an error Status → ErrorResponse (NotFound with no message gives {"errors":[]});
//   resp.http_status set → raw passthrough of raw_body (or data) with raw_content_type;
//   a read or patch with an empty response, or a list without keys → 404 {"errors":[]};
//   an otherwise empty response (no data, auth, secret, warnings, wrap info) → 204;
//   anything else → 200 with the envelope. resp.headers are copied onto the answer.
HttpResponse RenderLogical(const core::Request& req, const Result<core::Response>& result);

}  // namespace coffer::http
