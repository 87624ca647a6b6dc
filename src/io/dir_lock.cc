#include "io/dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <thread>

#include "fmt/core.h"

namespace wv::io {
namespace {

int FlockOperation(LockMode mode) { return mode == LockMode::kShared ? LOCK_SH : LOCK_EX; }

Status LockError(int error) {
  return OutputError(fmt::format("cannot take a lock: {}{}", std::strerror(error),
                                 error == ENOLCK || error == EOPNOTSUPP
                                     ? " (wordviews needs flock(2) on the output's file system)"
                                     : ""));
}

// True when `fd` is still the file `name` in `parent_fd` (it was not
// unlinked, or replaced, by a previous holder while we waited for it).
bool StillNamed(int parent_fd, const std::string& name, int fd) {
  struct stat by_fd, by_name;
  if (::fstat(fd, &by_fd) != 0) return false;
  if (::fstatat(parent_fd, name.c_str(), &by_name, AT_SYMLINK_NOFOLLOW) != 0) return false;
  return by_fd.st_dev == by_name.st_dev && by_fd.st_ino == by_name.st_ino;
}

}  // namespace

StatusOr<bool> TryLock(int fd, LockMode mode) {
  for (;;) {
    if (::flock(fd, FlockOperation(mode) | LOCK_NB) == 0) return true;
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return false;
    return LockError(errno);
  }
}

Status Lock(int fd, LockMode mode) {
  for (;;) {
    if (::flock(fd, FlockOperation(mode)) == 0) return OkStatus();
    if (errno == EINTR) continue;
    return LockError(errno);
  }
}

WriterLock& WriterLock::operator=(WriterLock&& other) noexcept {
  if (this != &other) {
    Release();
    parent_fd_ = other.parent_fd_;
    name_ = std::move(other.name_);
    fd_ = std::move(other.fd_);
    cleanup_ = std::move(other.cleanup_);
  }
  return *this;
}

StatusOr<WriterLock> WriterLock::Acquire(int parent_fd, const std::string& lock_name,
                                         const std::string& output, double wait_seconds) {
  using Clock = std::chrono::steady_clock;
  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(std::max(0.0, wait_seconds)));
  auto pause = std::chrono::milliseconds(10);
  SignalCleanup::InstallHandlers();
  for (;;) {
    // A signal between creating the file and registering it for cleanup
    // would leave it behind: the two happen with the signals blocked.
    std::optional<ScopedCleanupSignalBlock> blocked(std::in_place);
    UniqueFd fd(
        ::openat(parent_fd, lock_name.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd.valid()) {
      return OutputError(fmt::format("cannot create the lock file {} beside {}: {}", lock_name,
                                     output, std::strerror(errno)));
    }
    StatusOr<bool> taken = TryLock(fd.get(), LockMode::kExclusive);
    if (!taken.ok()) return Annotate(taken.status(), fmt::format("locking {}", output));
    if (*taken) {
      // A holder that finished meanwhile unlinked the file we opened: ours
      // would then be a lock nobody else looks at. Open the name again.
      if (!StillNamed(parent_fd, lock_name, fd.get())) continue;
      WriterLock lock;
      lock.parent_fd_ = parent_fd;
      lock.name_ = lock_name;
      lock.fd_ = std::move(fd);
      struct stat st;
      lock.cleanup_ = SignalCleanup::Register(parent_fd, lock_name, /*is_tree=*/false,
                                              ::fstat(lock.fd_.get(), &st) == 0 ? st.st_ino : 0);
      return lock;
    }
    blocked.reset();
    if (Clock::now() >= deadline) {
      return OutputError(
          fmt::format("another wordviews run is writing {} (it holds the lock file {} beside it){}",
                      output, lock_name,
                      wait_seconds > 0 ? fmt::format("; gave up after waiting {:g} s", wait_seconds)
                                       : "; use `run --wait SECONDS` to wait for it"));
    }
    // Polled rather than a blocking flock(): a blocking wait cannot honour
    // the deadline without a timer signal.
    std::this_thread::sleep_for(std::min<Clock::duration>(pause, deadline - Clock::now()));
    pause = std::min(pause * 2, std::chrono::milliseconds(200));
  }
}

void WriterLock::Release() {
  if (!fd_.valid()) return;
  cleanup_.Cancel();
  // Unlinked while still locked: a waiter that locks the unlinked file sees
  // that the name no longer refers to it and starts over (StillNamed). Only
  // if the name is still our file: no writer replaces it while we hold it,
  // so anything else there was put by someone else.
  if (StillNamed(parent_fd_, name_, fd_.get())) ::unlinkat(parent_fd_, name_.c_str(), 0);
  fd_.Reset();
}

}  // namespace wv::io
