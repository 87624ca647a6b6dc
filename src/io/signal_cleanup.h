#ifndef WV_IO_SIGNAL_CLEANUP_H_
#define WV_IO_SIGNAL_CLEANUP_H_

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

  // Registers `name` in the folder `parent_fd` (AT_FDCWD: a path as given)
  // for removal on a signal: a folder tree when `is_tree`, else one file.
  // Best effort: when all slots are taken or the name is too long the handle
  // is empty and nothing is registered (the next run's cleanup still holds).
  // REQUIRES: parent_fd stays open while registered.
  static SignalCleanup Register(int parent_fd, std::string_view name, bool is_tree);

  void Cancel();
  bool registered() const { return slot_ >= 0; }

 private:
  explicit SignalCleanup(int slot) : slot_(slot) {}
  int slot_ = -1;
};

}  // namespace wv::io

#endif  // WV_IO_SIGNAL_CLEANUP_H_
