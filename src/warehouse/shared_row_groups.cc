#include "warehouse/shared_row_groups.h"

namespace wv::warehouse {
namespace {

Status AbortedError() { return OutputError("the copy of another partition failed"); }

}  // namespace

SharedRowGroups::SharedRowGroups(int consumers, size_t window)
    : consumers_(consumers), window_(window < 1 ? 1 : window) {}

StatusOr<std::shared_ptr<const SharedRowGroups::Columns>> SharedRowGroups::Get(
    size_t index, const std::function<StatusOr<Columns>()>& decode) {
  {
    MutexLock lock(&mu_);
    const auto room = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return aborted_ || index < released_ + window_;
    };
    mu_.Await(Condition(&room));
    if (aborted_) return AbortedError();
    if (!entries_.try_emplace(index).second) return TakeLocked(index);
  }
  // This consumer asked first: it decodes, without the lock.
  StatusOr<Columns> decoded = decode();
  MutexLock lock(&mu_);
  Entry& entry = entries_.at(index);
  entry.ready = true;
  if (decoded.ok()) {
    entry.columns = std::make_shared<const Columns>(std::move(*decoded));
  } else {
    entry.status = decoded.status();
  }
  return TakeLocked(index);
}

StatusOr<std::shared_ptr<const SharedRowGroups::Columns>> SharedRowGroups::TakeLocked(
    size_t index) {
  auto it = entries_.find(index);
  Entry& entry = it->second;  // std::map: stays valid while other entries come and go
  const auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return aborted_ || entry.ready; };
  mu_.Await(Condition(&ready));
  if (!entry.ready) return AbortedError();
  const Status status = entry.status;
  std::shared_ptr<const Columns> columns = entry.columns;
  // Consumers take the indexes in order, so the slowest one drops them in
  // order too.
  if (++entry.taken == consumers_) {
    entries_.erase(it);
    released_ = index + 1;
  }
  if (!status.ok()) return status;
  return columns;
}

void SharedRowGroups::Abort() {
  MutexLock lock(&mu_);
  aborted_ = true;
}

}  // namespace wv::warehouse
