#ifndef WV_IO_SIGNAL_CLEANUP_H_
#define WV_IO_SIGNAL_CLEANUP_H_

#include <signal.h>

#include <cstdint>
#include <string_view>

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
