#include "core/status.h"

#include <exception>
#include <new>

namespace wv {

ExitCode ExitCodeFor(const Status& status) {
  switch (status.kind()) {
    case ErrorKind::kOk:
      return kExitOk;
    case ErrorKind::kUsage:
      return kExitUsage;
    case ErrorKind::kInput:
      return kExitInput;
    case ErrorKind::kQualityGate:
      return kExitQualityGate;
    case ErrorKind::kOutput:
      return kExitOutput;
    case ErrorKind::kMismatch:
      return kExitMismatch;
    case ErrorKind::kUnavailable:
      return kExitUnavailable;
    case ErrorKind::kDenied:
      return kExitDenied;
    case ErrorKind::kStale:
      return kExitStale;
    case ErrorKind::kInternal:
      return kExitInternal;
  }
  return kExitInternal;
}

std::string Status::ToString() const {
  static constexpr std::string_view kNames[] = {
      "ok",       "usage error", "input error",       "quality gate", "output error",
      "mismatch", "unavailable", "permission denied", "stale",        "internal error"};
  std::string out(kNames[static_cast<int>(kind_)]);
  if (!ok()) out.append(": ").append(message_);
  return out;
}

Status Annotate(const Status& status, std::string_view context) {
  if (status.ok()) return status;
  std::string message(context);
  message.append(": ").append(status.message());
  return Status(status.kind(), std::move(message));
}

Status StatusFromCurrentException(std::string_view stage) noexcept {
  try {
    try {
      throw;
    } catch (const std::bad_alloc&) {
      return InternalError("out of memory in " + std::string(stage));
    } catch (const std::exception& e) {
      return InternalError(std::string(stage) + ": " + e.what());
    } catch (...) {
      return InternalError(std::string(stage) + ": unexpected exception");
    }
  } catch (...) {
    // Building the message failed too (memory is that short). Short enough
    // for the small-string buffer, so this allocates nothing.
    return Status(ErrorKind::kInternal, "out of memory");
  }
}

}  // namespace wv
