#include "io/signal_cleanup.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "io/tree_removal.h"

namespace wv::io {
namespace {

constexpr int kSlots = 32;
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGABRT};

enum SlotState : int { kFree = 0, kFilling = 1, kArmed = 2 };

struct Slot {
  std::atomic<int> state{kFree};
  int parent_fd = AT_FDCWD;
  bool is_tree = false;
  std::atomic<uint64_t> only_inode{0};
  char name[PATH_MAX];
};

// Preallocated, so that the handler never allocates.
Slot g_slots[kSlots];
struct sigaction g_previous[NSIG];
std::once_flag g_install_once;

static_assert(std::atomic<int>::is_always_lock_free, "the handler reads slot states");

void RemoveArmed(bool trees) {
  for (Slot& slot : g_slots) {
    if (slot.state.load(std::memory_order_acquire) != kArmed || slot.is_tree != trees) continue;
    const uint64_t inode = slot.only_inode.load(std::memory_order_acquire);
    if (trees) {
      TreeRemovalOptions options;
      options.only_inode = inode;  // checked on the open folder, not on the name
      RemoveTreeAt(slot.parent_fd, slot.name, options);
      continue;
    }
    struct stat st;
    if (inode != 0 && (::fstatat(slot.parent_fd, slot.name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
                       st.st_ino != inode)) {
      continue;
    }
    ::unlinkat(slot.parent_fd, slot.name, 0);
  }
}

void OnFatalSignal(int signal_number) {
  const int saved_errno = errno;
  SignalCleanup::RemoveAllRegistered();
  // The signal is blocked while its handler runs: re-raised under the
  // previous disposition, it is delivered (and ends the process) on return.
  ::sigaction(signal_number, &g_previous[signal_number], nullptr);
  errno = saved_errno;
  ::raise(signal_number);
}

void Install() {
  for (int signal_number : kSignals) {
    struct sigaction current {};
    if (::sigaction(signal_number, nullptr, &current) != 0) continue;
    if (current.sa_handler == SIG_IGN) continue;  // e.g. SIGHUP under nohup
    g_previous[signal_number] = current;
    struct sigaction action {};
    action.sa_handler = OnFatalSignal;
    sigemptyset(&action.sa_mask);
    for (int other : kSignals) sigaddset(&action.sa_mask, other);  // one cleanup at a time
    action.sa_flags = SA_RESTART;
    ::sigaction(signal_number, &action, nullptr);
  }
}

}  // namespace

SignalCleanup& SignalCleanup::operator=(SignalCleanup&& other) noexcept {
  if (this != &other) {
    Cancel();
    slot_ = other.slot_;
    other.slot_ = -1;
  }
  return *this;
}

void SignalCleanup::InstallHandlers() { std::call_once(g_install_once, Install); }

void SignalCleanup::RemoveAllRegistered() {
  RemoveArmed(/*trees=*/true);   // staging folders first,
  RemoveArmed(/*trees=*/false);  // then temporaries and the lock file
}

SignalCleanup SignalCleanup::Register(int parent_fd, std::string_view name, bool is_tree,
                                      uint64_t only_inode) {
  if (name.empty() || name.size() >= PATH_MAX) return SignalCleanup();
  InstallHandlers();
  for (int i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (!g_slots[i].state.compare_exchange_strong(expected, kFilling)) continue;
    Slot& slot = g_slots[i];
    slot.parent_fd = parent_fd;
    slot.is_tree = is_tree;
    slot.only_inode.store(only_inode, std::memory_order_relaxed);
    std::memcpy(slot.name, name.data(), name.size());
    slot.name[name.size()] = '\0';
    slot.state.store(kArmed, std::memory_order_release);
    return SignalCleanup(i);
  }
  return SignalCleanup();
}

void SignalCleanup::Retarget(uint64_t inode) {
  if (slot_ >= 0) g_slots[slot_].only_inode.store(inode, std::memory_order_release);
}

void SignalCleanup::Cancel() {
  if (slot_ < 0) return;
  g_slots[slot_].state.store(kFree, std::memory_order_release);
  slot_ = -1;
}

ScopedCleanupSignalBlock::ScopedCleanupSignalBlock() {
  sigset_t block;
  sigemptyset(&block);
  for (int signal_number : kSignals) sigaddset(&block, signal_number);
  pthread_sigmask(SIG_BLOCK, &block, &previous_);
}

ScopedCleanupSignalBlock::~ScopedCleanupSignalBlock() {
  pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

}  // namespace wv::io
