#ifndef WV_CORE_STATUS_H_
#define WV_CORE_STATUS_H_

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

// Errors are values: Status, or StatusOr<T> for a value-or-error. Each error
// has a kind that the CLI maps to a documented exit code, and a message that
// carries its context ("reading a.csv.gz: line 12: truncated gzip stream").
// (Not absl::Status: Debian's abseil has its own string_view type, which would
// leak conversions into every caller.)
namespace wv {

// The process exit codes documented in README.md ("Exit codes").
enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,     // a bug or an unexpected system failure
  kExitUsage = 2,        // bad flags or arguments
  kExitInput = 3,        // missing, unreadable, truncated or corrupt input
  kExitQualityGate = 4,  // the data failed a gate (e.g. --max-bad-ratio)
  kExitOutput = 5,       // the output could not be written or committed
  kExitMismatch = 6,     // `check` found the output disagrees with its manifest
  kExitUnavailable = 7,  // a server could not be reached (refused, no such host, timed out)
  kExitDenied = 8,       // a server refused our credentials or a permission
  kExitStale = 9,        // `check --max-age`: the newest batch is older than allowed
};

enum class ErrorKind {
  kOk,
  kUsage,
  kInput,
  kQualityGate,
  kOutput,
  kMismatch,
  kUnavailable,
  kDenied,
  kStale,
  kInternal
};

// The result of an operation that returns nothing. Cheap to copy when OK.
// Thread-compatible (a const Status may be read from several threads).
class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ErrorKind kind, std::string message) : kind_(kind), message_(std::move(message)) {}

  bool ok() const { return kind_ == ErrorKind::kOk; }
  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }
  // "input error: <message>", for logs.
  std::string ToString() const;

 private:
  ErrorKind kind_ = ErrorKind::kOk;
  std::string message_;
};

inline Status OkStatus() { return Status(); }
// Bad command-line usage: unknown flag, invalid value, conflicting options.
inline Status UsageError(std::string_view m) { return Status(ErrorKind::kUsage, std::string(m)); }
// Input that cannot be read or is corrupt: missing file, bad header, truncated gzip, bad Parquet.
inline Status InputError(std::string_view m) { return Status(ErrorKind::kInput, std::string(m)); }
// The data was read but failed a quality gate.
inline Status QualityGateError(std::string_view m) {
  return Status(ErrorKind::kQualityGate, std::string(m));
}
// Output could not be written, synced or committed.
inline Status OutputError(std::string_view m) { return Status(ErrorKind::kOutput, std::string(m)); }
// Verification found a difference between files and what was recorded about them.
inline Status MismatchError(std::string_view m) {
  return Status(ErrorKind::kMismatch, std::string(m));
}
// A server (a database) could not be reached: connection refused, unknown
// host, timeout, or it is not accepting connections.
inline Status UnavailableError(std::string_view m) {
  return Status(ErrorKind::kUnavailable, std::string(m));
}
// A server refused the credentials (wrong password, unknown role) or a
// permission the command needs.
inline Status DeniedError(std::string_view m) { return Status(ErrorKind::kDenied, std::string(m)); }
// The output is sound but too old: its newest batch is older than the age
// the caller allows (`check --max-age`, the hook for a missed deadline).
inline Status StaleError(std::string_view m) { return Status(ErrorKind::kStale, std::string(m)); }
// A bug or an unexpected condition.
inline Status InternalError(std::string_view m) {
  return Status(ErrorKind::kInternal, std::string(m));
}

// The exception being handled, as an InternalError naming `stage`: "out of
// memory in <stage>" for std::bad_alloc, "<stage>: <what()>" for other
// std::exceptions. For the task boundaries of threads that must not let an
// exception escape (wv::RunOnWorkers, wv::ThreadPool, dedicated threads).
// Never throws: if even the message cannot be allocated, the result is the
// short (allocation-free) "out of memory".
// REQUIRES: called inside a catch block.
Status StatusFromCurrentException(std::string_view stage) noexcept;

// Maps an error's kind to its process exit code.
ExitCode ExitCodeFor(const Status& status);

// Prefixes context to an error ("reading x.csv: " + message), keeping its kind.
Status Annotate(const Status& status, std::string_view context);

// A value or the error that prevented it.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  // REQUIRES: !status.ok()
  StatusOr(Status status) : state_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(state_).ok());
  }
  StatusOr(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  Status status() const { return ok() ? Status() : std::get<Status>(state_); }

  // REQUIRES: ok()
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<Status, T> state_;
};

}  // namespace wv

#define WV_STATUS_CONCAT_INNER_(a, b) a##b
#define WV_STATUS_CONCAT_(a, b) WV_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (a Status) is not OK. The
// temporary's name is unique per use (__COUNTER__), so uses nested in a
// lambda inside another use do not shadow each other (-Wshadow).
#define WV_RETURN_IF_ERROR(expr) \
  WV_RETURN_IF_ERROR_IMPL_(WV_STATUS_CONCAT_(wv_status_, __COUNTER__), expr)
#define WV_RETURN_IF_ERROR_IMPL_(tmp, expr) \
  do {                                      \
    ::wv::Status tmp = (expr);              \
    if (!tmp.ok()) return tmp;              \
  } while (false)

// `WV_ASSIGN_OR_RETURN(auto x, MakeX());` declares x from a StatusOr or returns its error.
#define WV_ASSIGN_OR_RETURN(lhs, expr) \
  WV_ASSIGN_OR_RETURN_IMPL_(WV_STATUS_CONCAT_(wv_statusor_, __COUNTER__), lhs, expr)
#define WV_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

#endif  // WV_CORE_STATUS_H_
