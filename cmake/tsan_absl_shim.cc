// ThreadSanitizer builds only (WV_TSAN): tells TSan what Debian's absl::Mutex does.
//
// Debian's libabsl is built without TSan, so the atomics and futex calls by which
// absl::Mutex orders threads are invisible to it: every access guarded by an
// absl::Mutex would be reported as a race. (A real abseil TSan build annotates
// them inside mutex.cc with the __tsan_mutex_* calls below.) cmake/tsan.cmake
// links every TSan executable with -Wl,--wrap=<symbol> for the functions listed
// there, so our code's calls go to __wrap_<symbol> here, which brackets the real
// function (__real_<symbol>) with the same annotations abseil's own TSan build
// makes. The model: Lock = acquire; Unlock = release; Await, LockWhen's wait and
// CondVar::Wait release the mutex and acquire it again; accesses inside the real
// calls (abseil evaluates waiters' Conditions there) are ignored, as abseil's
// TSan build ignores them. Notification, BlockingCounter and Barrier are a
// release before signalling and an acquire after waiting. Not modelled: code
// that reads data after an inline Notification::HasBeenNotified() that returned
// true (the release in Notify is then not paired with an acquire), a false
// positive to fix here if the code ever relies on it.
//
// The symbol names carry abseil's inline namespace (WV_ABSL_NS, e.g. "7debian3",
// read from absl/base/options.h by cmake/tsan.cmake). A function wrapped here
// but not listed there, or the other way round, fails to link.
#include <sanitizer/tsan_interface.h>

#include <atomic>
#include <cstdint>

#include "absl/synchronization/barrier.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

#ifndef WV_ABSL_NS
#error "WV_ABSL_NS (the mangled inline namespace of abseil) must be defined"
#endif

using absl::Barrier;
using absl::BlockingCounter;
using absl::Condition;
using absl::CondVar;
using absl::Duration;
using absl::Mutex;
using absl::Notification;
using absl::Time;

// WV_WRAP(name, "mangled tail", return type, parameters...) declares
// wv_real_<name>, bound to __real_<symbol>, and wv_wrap_<name>, defined below as
// __wrap_<symbol>. The symbol is _ZN4absl<ns><tail> (_ZNK for const members:
// the tail then starts with K and the prefix is built by WV_WRAPK).
#define WV_WRAP_AS(prefix, name, tail, ret, ...)                                        \
  extern "C" ret wv_real_##name(__VA_ARGS__) __asm__("__real_" prefix WV_ABSL_NS tail); \
  extern "C" ret wv_wrap_##name(__VA_ARGS__) __asm__("__wrap_" prefix WV_ABSL_NS tail);
#define WV_WRAP(name, tail, ret, ...) WV_WRAP_AS("_ZN4absl", name, tail, ret, __VA_ARGS__)
#define WV_WRAPK(name, tail, ret, ...) WV_WRAP_AS("_ZNK4absl", name, tail, ret, __VA_ARGS__)

WV_WRAP(MutexLock, "5Mutex4LockEv", void, Mutex*)
WV_WRAP(MutexUnlock, "5Mutex6UnlockEv", void, Mutex*)
WV_WRAP(MutexTryLock, "5Mutex7TryLockEv", bool, Mutex*)
WV_WRAP(MutexReaderLock, "5Mutex10ReaderLockEv", void, Mutex*)
WV_WRAP(MutexReaderUnlock, "5Mutex12ReaderUnlockEv", void, Mutex*)
WV_WRAP(MutexReaderTryLock, "5Mutex13ReaderTryLockEv", bool, Mutex*)
WV_WRAP(MutexLockWhen, "5Mutex8LockWhenERKNS0_9ConditionE", void, Mutex*, const Condition&)
WV_WRAP(MutexReaderLockWhen, "5Mutex14ReaderLockWhenERKNS0_9ConditionE", void, Mutex*,
        const Condition&)
WV_WRAP(MutexLockWhenWithTimeout, "5Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE",
        bool, Mutex*, const Condition&, Duration)
WV_WRAP(MutexLockWhenWithDeadline, "5Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE", bool,
        Mutex*, const Condition&, Time)
WV_WRAP(MutexReaderLockWhenWithTimeout,
        "5Mutex25ReaderLockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE", bool, Mutex*,
        const Condition&, Duration)
WV_WRAP(MutexReaderLockWhenWithDeadline,
        "5Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE", bool, Mutex*,
        const Condition&, Time)
WV_WRAP(MutexAwait, "5Mutex5AwaitERKNS0_9ConditionE", void, Mutex*, const Condition&)
WV_WRAP(MutexAwaitWithTimeout, "5Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE", bool,
        Mutex*, const Condition&, Duration)
WV_WRAP(MutexAwaitWithDeadline, "5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE", bool,
        Mutex*, const Condition&, Time)
WV_WRAP(MutexDestroy, "5MutexD1Ev", void, Mutex*)
WV_WRAP(CondVarWait, "7CondVar4WaitEPNS0_5MutexE", void, CondVar*, Mutex*)
WV_WRAP(CondVarWaitWithTimeout, "7CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE", bool,
        CondVar*, Mutex*, Duration)
WV_WRAP(CondVarWaitWithDeadline, "7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE", bool,
        CondVar*, Mutex*, Time)
WV_WRAP(NotificationNotify, "12Notification6NotifyEv", void, Notification*)
WV_WRAPK(NotificationWait, "12Notification19WaitForNotificationEv", void, const Notification*)
WV_WRAPK(NotificationWaitWithTimeout,
         "12Notification30WaitForNotificationWithTimeoutENS0_8DurationE", bool, const Notification*,
         Duration)
WV_WRAPK(NotificationWaitWithDeadline, "12Notification31WaitForNotificationWithDeadlineENS0_4TimeE",
         bool, const Notification*, Time)
WV_WRAP(BlockingCounterDecrement, "15BlockingCounter14DecrementCountEv", bool, BlockingCounter*)
WV_WRAP(BlockingCounterWait, "15BlockingCounter4WaitEv", void, BlockingCounter*)
WV_WRAP(BarrierBlock, "7Barrier5BlockEv", bool, Barrier*)

namespace {

constexpr unsigned kRead = __tsan_mutex_read_lock;
constexpr unsigned kTry = __tsan_mutex_try_lock;
constexpr unsigned kTryFailed = __tsan_mutex_try_lock_failed;

// Brackets a call that takes the mutex (waiting for a Condition, perhaps).
template <typename F>
auto Locking(Mutex* mu, unsigned flags, F&& f) {
  __tsan_mutex_pre_lock(mu, flags);
  auto result = f();
  __tsan_mutex_post_lock(mu, flags, 0);
  return result;
}

template <typename F>
auto Unlocking(Mutex* mu, unsigned flags, F&& f) {
  __tsan_mutex_pre_unlock(mu, flags);
  auto result = f();
  __tsan_mutex_post_unlock(mu, flags);
  return result;
}

// Brackets a call entered and left holding the mutex that releases it while it
// waits (Await, CondVar::Wait): a release, then the acquire once it has it again.
template <typename F>
auto Waiting(Mutex* mu, unsigned flags, F&& f) {
  __tsan_mutex_pre_unlock(mu, flags);
  auto result = f();
  __tsan_mutex_post_unlock(mu, flags);
  __tsan_mutex_pre_lock(mu, flags);
  __tsan_mutex_post_lock(mu, flags, 0);
  return result;
}

// How the calling thread, which holds `mu`, holds it: kRead unless abseil's
// writer bit is set. absl::Mutex is one word, mu_, whose bit 0x8 (kMuWriter in
// mutex.cc) is set while a writer holds it; the static_assert guards the layout.
static_assert(sizeof(Mutex) == sizeof(intptr_t), "absl::Mutex is no longer one word");
unsigned HeldMode(Mutex* mu) {
  constexpr intptr_t kMuWriter = 0x0008;
  intptr_t word = reinterpret_cast<std::atomic<intptr_t>*>(mu)->load(std::memory_order_relaxed);
  return (word & kMuWriter) != 0 ? 0 : kRead;
}

// A void call as one returning a value, for the templates above.
template <typename F>
auto Void(F&& f) {
  return [&f] {
    f();
    return 0;
  };
}

}  // namespace

void wv_wrap_MutexLock(Mutex* mu) {
  Locking(mu, 0, Void([mu] { wv_real_MutexLock(mu); }));
}
void wv_wrap_MutexUnlock(Mutex* mu) {
  Unlocking(mu, 0, Void([mu] { wv_real_MutexUnlock(mu); }));
}
bool wv_wrap_MutexTryLock(Mutex* mu) {
  __tsan_mutex_pre_lock(mu, kTry);
  bool ok = wv_real_MutexTryLock(mu);
  __tsan_mutex_post_lock(mu, ok ? kTry : kTry | kTryFailed, 0);
  return ok;
}
void wv_wrap_MutexReaderLock(Mutex* mu) {
  Locking(mu, kRead, Void([mu] { wv_real_MutexReaderLock(mu); }));
}
void wv_wrap_MutexReaderUnlock(Mutex* mu) {
  Unlocking(mu, kRead, Void([mu] { wv_real_MutexReaderUnlock(mu); }));
}
bool wv_wrap_MutexReaderTryLock(Mutex* mu) {
  __tsan_mutex_pre_lock(mu, kRead | kTry);
  bool ok = wv_real_MutexReaderTryLock(mu);
  __tsan_mutex_post_lock(mu, ok ? kRead | kTry : kRead | kTry | kTryFailed, 0);
  return ok;
}
void wv_wrap_MutexLockWhen(Mutex* mu, const Condition& c) {
  Locking(mu, 0, Void([&] { wv_real_MutexLockWhen(mu, c); }));
}
void wv_wrap_MutexReaderLockWhen(Mutex* mu, const Condition& c) {
  Locking(mu, kRead, Void([&] { wv_real_MutexReaderLockWhen(mu, c); }));
}
// The *WithTimeout/*WithDeadline variants hold the mutex on return whatever they return.
bool wv_wrap_MutexLockWhenWithTimeout(Mutex* mu, const Condition& c, Duration d) {
  return Locking(mu, 0, [&] { return wv_real_MutexLockWhenWithTimeout(mu, c, d); });
}
bool wv_wrap_MutexLockWhenWithDeadline(Mutex* mu, const Condition& c, Time t) {
  return Locking(mu, 0, [&] { return wv_real_MutexLockWhenWithDeadline(mu, c, t); });
}
bool wv_wrap_MutexReaderLockWhenWithTimeout(Mutex* mu, const Condition& c, Duration d) {
  return Locking(mu, kRead, [&] { return wv_real_MutexReaderLockWhenWithTimeout(mu, c, d); });
}
bool wv_wrap_MutexReaderLockWhenWithDeadline(Mutex* mu, const Condition& c, Time t) {
  return Locking(mu, kRead, [&] { return wv_real_MutexReaderLockWhenWithDeadline(mu, c, t); });
}
void wv_wrap_MutexAwait(Mutex* mu, const Condition& c) {
  Waiting(mu, HeldMode(mu), Void([&] { wv_real_MutexAwait(mu, c); }));
}
bool wv_wrap_MutexAwaitWithTimeout(Mutex* mu, const Condition& c, Duration d) {
  return Waiting(mu, HeldMode(mu), [&] { return wv_real_MutexAwaitWithTimeout(mu, c, d); });
}
bool wv_wrap_MutexAwaitWithDeadline(Mutex* mu, const Condition& c, Time t) {
  return Waiting(mu, HeldMode(mu), [&] { return wv_real_MutexAwaitWithDeadline(mu, c, t); });
}
void wv_wrap_MutexDestroy(Mutex* mu) {
  wv_real_MutexDestroy(mu);
  __tsan_mutex_destroy(mu, __tsan_mutex_not_static);
}
void wv_wrap_CondVarWait(CondVar* cv, Mutex* mu) {
  Waiting(mu, HeldMode(mu), Void([&] { wv_real_CondVarWait(cv, mu); }));
}
bool wv_wrap_CondVarWaitWithTimeout(CondVar* cv, Mutex* mu, Duration d) {
  return Waiting(mu, HeldMode(mu), [&] { return wv_real_CondVarWaitWithTimeout(cv, mu, d); });
}
bool wv_wrap_CondVarWaitWithDeadline(CondVar* cv, Mutex* mu, Time t) {
  return Waiting(mu, HeldMode(mu), [&] { return wv_real_CondVarWaitWithDeadline(cv, mu, t); });
}
void wv_wrap_NotificationNotify(Notification* n) {
  __tsan_release(n);
  wv_real_NotificationNotify(n);
}
void wv_wrap_NotificationWait(const Notification* n) {
  wv_real_NotificationWait(n);
  __tsan_acquire(const_cast<Notification*>(n));
}
bool wv_wrap_NotificationWaitWithTimeout(const Notification* n, Duration d) {
  bool notified = wv_real_NotificationWaitWithTimeout(n, d);
  if (notified) __tsan_acquire(const_cast<Notification*>(n));
  return notified;
}
bool wv_wrap_NotificationWaitWithDeadline(const Notification* n, Time t) {
  bool notified = wv_real_NotificationWaitWithDeadline(n, t);
  if (notified) __tsan_acquire(const_cast<Notification*>(n));
  return notified;
}
bool wv_wrap_BlockingCounterDecrement(BlockingCounter* b) {
  __tsan_release(b);
  return wv_real_BlockingCounterDecrement(b);
}
void wv_wrap_BlockingCounterWait(BlockingCounter* b) {
  wv_real_BlockingCounterWait(b);
  __tsan_acquire(b);
}
bool wv_wrap_BarrierBlock(Barrier* b) {
  __tsan_release(b);
  bool last = wv_real_BarrierBlock(b);
  __tsan_acquire(b);
  return last;
}
