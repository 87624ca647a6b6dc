#ifndef WV_IO_SIGNAL_CLEANUP_H_
#define WV_IO_SIGNAL_CLEANUP_H_

#include <signal.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <thread>

#include "core/status.h"

// What an interrupted run removes before it dies: its own staging folder, its
// temporary files and its writer lock file.
//
// The first registration installs handlers for SIGINT, SIGTERM, SIGHUP and
// SIGABRT (an uncaught exception such as std::bad_alloc, or a failed
// assertion, ends in abort()); a signal the process ignores stays ignored.
// The handler removes every registered entry, restores the previous
// disposition and re-raises the signal, so the process still dies of it (and
// a shell sees 128 + the signal number).
//
// The handler runs only async-signal-safe code: the registry is a fixed array
// of preallocated slots (no allocation, no lock), and removal uses raw system
// calls (io::RemoveTreeAt). Other threads keep running while it works; an
// entry they create in a folder being removed makes that removal fail, which
// is bounded and harmless: what is left is an unlocked staging folder that
// the next run on the same output removes (io/output_store.h). SIGKILL cannot
// be caught: it leaves the same, which the next run removes the same way.
namespace wv::io {

// A registered entry; destroying (or Cancel()ing) the handle unregisters it.
// Move-only. Register and Cancel are thread-safe.
class SignalCleanup {
 public:
  SignalCleanup() = default;
  SignalCleanup(SignalCleanup&& other) noexcept : slot_(other.slot_) { other.slot_ = -1; }
  SignalCleanup& operator=(SignalCleanup&& other) noexcept;
  ~SignalCleanup() { Cancel(); }

  // Installs the handlers (idempotent; Register() does it too). Call it
  // before creating anything a signal should remove.
  static void InstallHandlers();

  // Removes every registered entry now, as the signal handler does
  // (staging folders first, then files). Async-signal-safe and allocation
  // free: for the out-of-memory path, where unwinding is not safe (see
  // cli/main.cc).
  static void RemoveAllRegistered();

  // Registers `name` in the folder `parent_fd` (AT_FDCWD: a path as given)
  // for removal on a signal: a folder tree when `is_tree`, else one file.
  // With `only_inode` != 0 the entry is removed only while `name` is that
  // inode (a name that now holds something else is left alone).
  // Best effort: when all slots are taken or the name is too long the handle
  // is empty and nothing is registered (the next run's cleanup still holds).
  // REQUIRES: parent_fd stays open while registered.
  static SignalCleanup Register(int parent_fd, std::string_view name, bool is_tree,
                                uint64_t only_inode = 0);

  // Makes the entry removable only while `name` is `inode`.
  void Retarget(uint64_t inode);

  void Cancel();
  bool registered() const { return slot_ >= 0; }

 private:
  explicit SignalCleanup(int slot) : slot_(slot) {}
  int slot_ = -1;
};

// Work that must run before the process dies of SIGINT, SIGTERM or SIGHUP but
// cannot run inside a signal handler: aborting S3 multipart uploads takes
// network requests (io/s3_output_store.h). While one is started, the handler
// removes the registered entries as always and then, instead of re-raising
// the signal, hands it to this object's thread, which runs the work and then
// re-raises the signal under its previous disposition: the process still dies
// of it, a little later. A second signal while the work runs ends the process
// at once (the user insists). SIGABRT is never deferred: abort() must end the
// process. At most one is started at a time in a process.
//
// Thread-safe to start and destroy from any thread; the work runs on the
// object's own thread, concurrently with the process's other threads, which
// keep running until the signal is re-raised.
class DeferredSignalWork {
 public:
  // Starts the thread that waits for a deferred signal. Errors: InternalError
  // when the pipe or the thread cannot be made, or one is started already.
  static StatusOr<std::unique_ptr<DeferredSignalWork>> Start(std::function<void()> work);

  // Stops deferring. If a signal was deferred, waits for the work, after which
  // the process dies of the signal (this never returns).
  ~DeferredSignalWork();
  DeferredSignalWork(const DeferredSignalWork&) = delete;
  DeferredSignalWork& operator=(const DeferredSignalWork&) = delete;

 private:
  explicit DeferredSignalWork(std::function<void()> work) : work_(std::move(work)) {}
  void WaitForSignal();

  std::function<void()> work_;
  int read_fd_ = -1;
  int write_fd_ = -1;
  std::thread thread_;
};

// Blocks the cleanup signals in the calling thread for its lifetime, so that
// creating something and registering it happen as one step for a signal.
// (A signal sent to the process may still go to another thread; the callers
// run before the worker threads start.) Pending signals arrive on
// destruction. Not copyable.
class ScopedCleanupSignalBlock {
 public:
  ScopedCleanupSignalBlock();
  ~ScopedCleanupSignalBlock();
  ScopedCleanupSignalBlock(const ScopedCleanupSignalBlock&) = delete;
  ScopedCleanupSignalBlock& operator=(const ScopedCleanupSignalBlock&) = delete;

 private:
  sigset_t previous_;
};

}  // namespace wv::io

#endif  // WV_IO_SIGNAL_CLEANUP_H_
