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
#include <system_error>

#include "fmt/core.h"
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

// DeferredSignalWork's channel: the write end of a pipe its thread reads (-1:
// none started), and the signal handed over (0: none; -1: closed, no signal
// is deferred any more).
std::atomic<int> g_deferral_fd{-1};
std::atomic<int> g_deferred_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "the handler hands signals over");

// True when the signal went to a DeferredSignalWork, which re-raises it.
bool DeferSignal(int signal_number) {
  const int fd = g_deferral_fd.load(std::memory_order_acquire);
  if (signal_number == SIGABRT || fd < 0) return false;
  int expected = 0;
  if (!g_deferred_signal.compare_exchange_strong(expected, signal_number)) return false;
  const char byte = static_cast<char>(signal_number);
  return ::write(fd, &byte, 1) == 1;
}

void OnFatalSignal(int signal_number) {
  const int saved_errno = errno;
  SignalCleanup::RemoveAllRegistered();
  if (DeferSignal(signal_number)) {
    errno = saved_errno;
    return;
  }
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

StatusOr<std::unique_ptr<DeferredSignalWork>> DeferredSignalWork::Start(
    std::function<void()> work) {
  SignalCleanup::InstallHandlers();
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return InternalError(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  }
  int expected = -1;
  if (!g_deferral_fd.compare_exchange_strong(expected, fds[1])) {
    ::close(fds[0]);
    ::close(fds[1]);
    return InternalError("a DeferredSignalWork is started already");
  }
  g_deferred_signal.store(0, std::memory_order_release);
  std::unique_ptr<DeferredSignalWork> deferred(new DeferredSignalWork(std::move(work)));
  deferred->read_fd_ = fds[0];
  deferred->write_fd_ = fds[1];
  try {
    deferred->thread_ = std::thread([raw = deferred.get()] { raw->WaitForSignal(); });
  } catch (const std::system_error& e) {
    g_deferral_fd.store(-1, std::memory_order_release);
    ::close(fds[0]);
    ::close(fds[1]);
    return InternalError(fmt::format("cannot start a thread: {}", e.what()));
  }
  return deferred;
}

void DeferredSignalWork::WaitForSignal() {
  // The cleanup signals go to the other threads: this one must stay free to
  // run the work when the handler, running elsewhere, hands a signal over.
  sigset_t block;
  sigemptyset(&block);
  for (int signal_number : kSignals) sigaddset(&block, signal_number);
  pthread_sigmask(SIG_BLOCK, &block, nullptr);
  char byte = 0;
  while (::read(read_fd_, &byte, 1) < 0 && errno == EINTR) {
  }
  const int signal_number = g_deferred_signal.load(std::memory_order_acquire);
  if (signal_number <= 0) return;  // stopped without a signal
  work_();
  // Re-raised under the previous disposition (normally: terminate), unblocked
  // in this thread so that it is delivered here, now.
  ::sigaction(signal_number, &g_previous[signal_number], nullptr);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, signal_number);
  pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
  ::raise(signal_number);
}

DeferredSignalWork::~DeferredSignalWork() {
  g_deferral_fd.store(-1, std::memory_order_release);
  // From here no handler defers a signal: either one was deferred before
  // (then the thread runs the work and ends the process) or none will be.
  int expected = 0;
  if (g_deferred_signal.compare_exchange_strong(expected, -1)) {
    const char stop = 0;
    (void)!::write(write_fd_, &stop, 1);
  }
  thread_.join();
  // A handler that loaded the old descriptor may still write to it: the pipe
  // is left open (one pair per DeferredSignalWork, a few per process).
  g_deferred_signal.store(0, std::memory_order_release);
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
