#include "core/status.h"

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
    case ErrorKind::kInternal:
      return kExitInternal;
  }
  return kExitInternal;
}

std::string Status::ToString() const {
  static constexpr std::string_view kNames[] = {
      "ok",           "usage error", "input error",   "quality gate",
      "output error", "mismatch",    "internal error"};
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

}  // namespace wv
