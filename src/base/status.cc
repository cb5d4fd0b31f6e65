#include "base/status.h"

namespace coffer {

namespace {
const char* CodeName(StatusCode c) {
  switch (c) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "invalid argument";
    case StatusCode::kPermissionDenied:
      return "permission denied";
    case StatusCode::kNotFound:
      return "not found";
    case StatusCode::kUnsupportedOperation:
      return "unsupported operation";
    case StatusCode::kPreconditionFailed:
      return "precondition failed";
    case StatusCode::kRateLimited:
      return "rate limited";
    case StatusCode::kInternal:
      return "internal";
    case StatusCode::kSealed:
      return "sealed";
    case StatusCode::kUnavailable:
      return "unavailable";
    case StatusCode::kNotInitialized:
      return "not initialized";
    case StatusCode::kIoError:
      return "io error";
    case StatusCode::kCorruption:
      return "corruption";
  }
  return "unknown";
}
}  // namespace

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(CodeName(code_)) + ": " + message_;
}

}  // namespace coffer
