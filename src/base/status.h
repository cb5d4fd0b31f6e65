#pragma once
// Status: the outcome of an operation that can fail. Codes mirror Vault's error kinds
// (sdk/logical/response_util.go) so http/ can map each one to one HTTP status in one table.

#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>

namespace coffer {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,       // 400: bad request, malformed input
  kPermissionDenied,      // 403: no token, bad token, or ACL denies
  kNotFound,              // 404: no such path or entry
  kUnsupportedOperation,  // 405: the path does not support the operation
  kPreconditionFailed,    // 412: check-and-set mismatch
  kRateLimited,           // 429: quota exceeded
  kInternal,              // 500: a bug or an unexpected storage failure
  kSealed,                // 503: the barrier is sealed
  kUnavailable,           // 503: standby without an active node, shutting down
  kNotInitialized,        // 400 on most paths (Vault: "Vault is not initialized")
  kIoError,               // 500: storage or file system error
  kCorruption,            // 500: data failed an integrity check
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "code: message", for logs and tests.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status PermissionDenied(std::string m = "permission denied") {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status Unsupported(std::string m = "unsupported operation") {
  return {StatusCode::kUnsupportedOperation, std::move(m)};
}
inline Status PreconditionFailed(std::string m) {
  return {StatusCode::kPreconditionFailed, std::move(m)};
}
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status Sealed() { return {StatusCode::kSealed, "Vault is sealed"}; }
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
inline Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }

template <class T>
using Result = tl::expected<T, Status>;

// `return Err(status);` inside a function returning Result<T>.
inline tl::unexpected<Status> Err(Status s) { return tl::unexpected<Status>(std::move(s)); }

namespace internal {
// What the COFFER_* macros return: converts to Status (in functions returning Status)
// and to any Result<T> (in functions returning Result<T>).
struct ErrorReturn {
  Status status;
  operator Status() && { return std::move(status); }  // NOLINT(google-explicit-constructor)
  template <class T>
  operator Result<T>() && {  // NOLINT(google-explicit-constructor)
    return tl::unexpected<Status>(std::move(status));
  }
};
}  // namespace internal

}  // namespace coffer

// Propagate a failed Status / Result from the current function.
#define COFFER_RETURN_IF_ERROR(expr)                                       \
  do {                                                                     \
    ::coffer::Status _st = (expr);                                         \
    if (!_st.ok()) return ::coffer::internal::ErrorReturn{std::move(_st)}; \
  } while (0)

#define COFFER_CONCAT_INNER(a, b) a##b
#define COFFER_CONCAT(a, b) COFFER_CONCAT_INNER(a, b)
// COFFER_ASSIGN_OR_RETURN(auto x, SomethingReturningResult());
#define COFFER_ASSIGN_OR_RETURN(lhs, expr)                                                     \
  auto COFFER_CONCAT(_res_, __LINE__) = (expr);                                                \
  if (!COFFER_CONCAT(_res_, __LINE__))                                                         \
    return ::coffer::internal::ErrorReturn{std::move(COFFER_CONCAT(_res_, __LINE__).error())}; \
  lhs = std::move(*COFFER_CONCAT(_res_, __LINE__))
