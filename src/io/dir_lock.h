#ifndef WV_IO_DIR_LOCK_H_
#define WV_IO_DIR_LOCK_H_

#include <string>

#include "core/status.h"
#include "io/signal_cleanup.h"
#include "io/unique_fd.h"

// Advisory locks (flock(2)) that say who may write or delete an output tree.
// flock locks belong to an open file, not to a process id, so they work
// between processes that cannot see each other's pids (containers sharing a
// volume), and the kernel drops them when the holder dies, even by SIGKILL:
// a lock that can be taken is proof that nobody uses what it guards.
namespace wv::io {

enum class LockMode { kShared, kExclusive };

// Tries to lock `fd` without waiting: true when taken, false when another
// open file holds a conflicting lock. An OutputError when the file system
// cannot lock at all (some network file systems).
StatusOr<bool> TryLock(int fd, LockMode mode);

// Locks `fd`, waiting as long as it takes (readers wait out a writer's
// short exclusive hold). Same errors as TryLock.
Status Lock(int fd, LockMode mode);

// The lock that makes a process the only writer of an output location: an
// exclusive flock on the file `lock_name` (".<DIR>.wv-lock") in the folder
// DIR lives in, not inside DIR, since DIR itself is swapped on publish.
//
// The file is created on acquisition and unlinked on release, while still
// locked. Whoever takes the lock checks that the name still refers to the
// file it locked and retries otherwise, so an unlinked lock file is never
// mistaken for the current one. A holder killed with SIGKILL leaves the
// (unlocked) file behind; the next writer simply takes it over. SIGINT and
// SIGTERM unlink it too (io/signal_cleanup.h).
// Move-only; not thread-safe.
class WriterLock {
 public:
  WriterLock() = default;
  WriterLock(WriterLock&&) noexcept = default;
  WriterLock& operator=(WriterLock&&) noexcept;
  ~WriterLock() { Release(); }

  // Takes the lock, waiting up to `wait_seconds` (0: fail at once) for a
  // current holder. `output` names the output for messages.
  // Errors: OutputError when another writer holds it past the wait, or the
  // lock file cannot be created or locked.
  // REQUIRES: parent_fd is an open folder that outlives the lock.
  static StatusOr<WriterLock> Acquire(int parent_fd, const std::string& lock_name,
                                      const std::string& output, double wait_seconds);

  // Unlinks the lock file and unlocks. Idempotent.
  void Release();

  bool held() const { return fd_.valid(); }

 private:
  int parent_fd_ = -1;
  std::string name_;
  UniqueFd fd_;
  SignalCleanup cleanup_;
};

}  // namespace wv::io

#endif  // WV_IO_DIR_LOCK_H_
