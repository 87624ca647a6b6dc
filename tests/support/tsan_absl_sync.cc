// ThreadSanitizer builds only: makes Debian's absl synchronization visible to
// TSan. The distribution's libabsl_synchronization is not built with
// -fsanitize=thread, so the happens-before edges of absl::Mutex,
// absl::CondVar and absl::Notification are invisible and every access they
// protect is reported as a race (a two-thread counter under absl::MutexLock
// is enough). This file defines the library's entry points in the
// executable, where the dynamic linker finds them first; each calls the
// library's own function (dlsym RTLD_NEXT) and tells TSan about the edge:
// release before anything that may unlock or publish, acquire after anything
// that locked or observed. __tsan_ignore_thread_begin/end are declared here
// as the TSan runtime exports them (the public header omits them). Linked into the executables of a
// TSan build only (CMakeLists.txt); compiles to nothing otherwise.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WV_TSAN_ABSL_SHIM 1
#endif
#endif

#ifdef WV_TSAN_ABSL_SHIM
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>

extern "C" void __tsan_ignore_thread_begin();
extern "C" void __tsan_ignore_thread_end();

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace {

template <typename Fn>
Fn Next(const char* mangled) {
  void* fn = ::dlsym(RTLD_NEXT, mangled);
  if (fn == nullptr) {
    std::fprintf(stderr, "tsan_absl_sync: %s not found\n", mangled);
    std::abort();
  }
  return reinterpret_cast<Fn>(fn);
}

// One synchronisation address per object: the object itself.
void Acquire(const void* object) { __tsan_acquire(const_cast<void*>(object)); }
void Release(const void* object) { __tsan_release(const_cast<void*>(object)); }

// Runs the library's function with this thread's memory accesses ignored:
// inside it, absl evaluates absl::Condition callbacks (ours, instrumented) of
// this thread and of waiting threads, reading their Condition objects and
// the state they test, ordered only by absl's own (invisible) locking. Those
// callbacks read only mutex-guarded state, which clang's -Wthread-safety
// checks statically.
template <typename F>
void Ignoring(F f) {
  __tsan_ignore_thread_begin();
  f();
  __tsan_ignore_thread_end();
}

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

void Mutex::Lock() {
  static auto real = Next<void (*)(Mutex*)>("_ZN4absl7debian35Mutex4LockEv");
  Ignoring([&] { real(this); });
  Acquire(this);
}

void Mutex::Unlock() {
  static auto real = Next<void (*)(Mutex*)>("_ZN4absl7debian35Mutex6UnlockEv");
  Release(this);
  Ignoring([&] { real(this); });
}

bool Mutex::TryLock() {
  static auto real = Next<bool (*)(Mutex*)>("_ZN4absl7debian35Mutex7TryLockEv");
  bool locked = false;
  Ignoring([&] { locked = real(this); });
  if (locked) Acquire(this);
  return locked;
}

void Mutex::ReaderLock() {
  static auto real = Next<void (*)(Mutex*)>("_ZN4absl7debian35Mutex10ReaderLockEv");
  Ignoring([&] { real(this); });
  Acquire(this);
}

void Mutex::ReaderUnlock() {
  static auto real = Next<void (*)(Mutex*)>("_ZN4absl7debian35Mutex12ReaderUnlockEv");
  Release(this);
  Ignoring([&] { real(this); });
}

void Mutex::LockWhen(const Condition& cond) {
  static auto real =
      Next<void (*)(Mutex*, const Condition&)>("_ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE");
  Ignoring([&] { real(this, cond); });
  Acquire(this);
}

void Mutex::ReaderLockWhen(const Condition& cond) {
  static auto real = Next<void (*)(Mutex*, const Condition&)>(
      "_ZN4absl7debian35Mutex14ReaderLockWhenERKNS0_9ConditionE");
  Ignoring([&] { real(this, cond); });
  Acquire(this);
}

// Await releases the mutex while it waits and may evaluate other threads'
// conditions: both sides of that are edges on the mutex.
void Mutex::Await(const Condition& cond) {
  static auto real =
      Next<void (*)(Mutex*, const Condition&)>("_ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE");
  Release(this);
  Ignoring([&] { real(this, cond); });
  Acquire(this);
}

void CondVar::Wait(Mutex* mu) {
  static auto real = Next<void (*)(CondVar*, Mutex*)>("_ZN4absl7debian37CondVar4WaitEPNS0_5MutexE");
  Release(mu);
  Ignoring([&] { real(this, mu); });
  Acquire(mu);
}

void Notification::Notify() {
  static auto real = Next<void (*)(Notification*)>("_ZN4absl7debian312Notification6NotifyEv");
  Release(this);
  Ignoring([&] { real(this); });
}

void Notification::WaitForNotification() const {
  static auto real =
      Next<void (*)(const Notification*)>("_ZNK4absl7debian312Notification19WaitForNotificationEv");
  Ignoring([&] { real(this); });
  Acquire(this);
}

ABSL_NAMESPACE_END
}  // namespace absl

#endif  // WV_TSAN_ABSL_SHIM
