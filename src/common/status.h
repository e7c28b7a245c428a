// Medulla's single error model: a Status carries a code that maps to an HTTP status,
// a short message safe to show to callers (never patient data), and optional detail.
// Result<T> is either a value or a non-OK Status. Nothing in Medulla throws across a
// part boundary; exceptions from libraries are caught at the edge and turned into Status.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace medulla {

enum class StatusCode {
  kOk,
  kInvalidArgument,     // the caller sent something malformed: 400
  kUnauthenticated,     // no or bad credentials: 401
  kPermissionDenied,    // credentials fine, not allowed: 403
  kNotFound,            // 404
  kConflict,            // version or uniqueness conflict: 409
  kFailedPrecondition,  // state does not allow the operation: 412 / 422
  kUnavailable,         // a dependency is down, retry later: 503
  kDeadlineExceeded,    // a dependency timed out: 504
  kInternal,            // a bug or an invariant broken: 500
};

// Returns the HTTP status an API answer should carry for `code`.
int HttpStatusFor(StatusCode code);

// Returns a stable lower-case name ("invalid_argument") for logs and problem types.
const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns "code: message", for logs and CLI errors.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status Unauthenticated(std::string m) {
  return {StatusCode::kUnauthenticated, std::move(m)};
}
inline Status PermissionDenied(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status NotFound(std::string m) {
  return {StatusCode::kNotFound, std::move(m)};
}
inline Status Conflict(std::string m) {
  return {StatusCode::kConflict, std::move(m)};
}
inline Status FailedPrecondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status Unavailable(std::string m) {
  return {StatusCode::kUnavailable, std::move(m)};
}
inline Status DeadlineExceeded(std::string m) {
  return {StatusCode::kDeadlineExceeded, std::move(m)};
}
inline Status Internal(std::string m) {
  return {StatusCode::kInternal, std::move(m)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(state_).ok() && "a Result holding a Status must hold an error");
  }

  bool ok() const { return std::holds_alternative<T>(state_); }

  // REQUIRES: ok().
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // Returns OK when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(state_); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace medulla

#define MEDULLA_CONCAT_INNER(a, b) a##b
#define MEDULLA_CONCAT(a, b) MEDULLA_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                   \
  do {                                          \
    ::medulla::Status medulla_status_ = (expr); \
    if (!medulla_status_.ok())                  \
      return medulla_status_;                   \
  } while (false)

// Declares `lhs` from a Result expression, or returns its Status from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(MEDULLA_CONCAT(medulla_result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(result, lhs, expr) \
  auto result = (expr);                          \
  if (!result.ok())                              \
    return result.status();                      \
  lhs = std::move(result).value()
