#include "http/handler.h"

#include "core/core.h"
#include "http/request_builder.h"
#include "http/response.h"
#include "http/sys_handlers.h"

namespace coffer::http {

namespace {

HttpResponse Route(core::Core& core, crypto::Random& random, const HttpRequest& http) {
  auto target = ParseTarget(http.target);
  if (!target) return ErrorResponse(target.error());
  if (auto sys = HandleSysEndpoint(core, random, http, *target)) return std::move(*sys);
  auto req = BuildRequest(http, random);
  if (!req) return ErrorResponse(req.error());
  Result<core::Response> result = core.HandleRequest(*req);
  return RenderLogical(*req, result);
}

}  // namespace

HttpResponse Handler::Handle(const HttpRequest& request) {
  HttpResponse response = Route(core_, random_, request);
  if (request.method == "HEAD") response.body.clear();
  return response;
}

}  // namespace coffer::http
