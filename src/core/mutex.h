#ifndef WV_CORE_MUTEX_H_
#define WV_CORE_MUTEX_H_

#include <condition_variable>
#include <mutex>

#include "absl/base/thread_annotations.h"

// The project's lock, condition and one-shot event: the subset of
// absl::Mutex's (and absl::Notification's) interface the code uses, annotated
// for clang's -Wthread-safety (ABSL_GUARDED_BY on the state a Mutex protects), and built
// on std::mutex and std::condition_variable.
//
// Why not absl::Mutex itself: Debian's abseil is a prebuilt library compiled
// without ThreadSanitizer, so TSan cannot see the ordering its locks create
// and reports every absl::Mutex-protected access as a race (measured: 19
// false reports from one ThreadPool round trip). std::mutex is a pthread
// mutex, which TSan intercepts. LevelDB's port::Mutex does the same.
namespace wv {

class Condition;

// A non-recursive exclusive lock. Thread-safe.
class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  // Wakes the threads blocked in Await() so they re-evaluate their
  // conditions (state they wait on changes only under this lock). They are
  // woken before the lock is released, not after: once it is released, a
  // waiter may return and destroy the object holding this Mutex (a
  // Notification on its stack, a sink whose last task it waited for), so
  // Unlock() must not touch a member after mu_.unlock().
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    if (waiters_ > 0) changed_.notify_all();
    mu_.unlock();
  }
  // Blocks until `condition` holds, releasing the lock while it waits.
  // REQUIRES: this thread holds the lock.
  inline void Await(const Condition& condition) ABSL_EXCLUSIVE_LOCKS_REQUIRED(this);

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int waiters_ = 0;  // threads in Await(); read and written under mu_
};

// Holds a Mutex for its scope. Not thread-safe (one owner).
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

// A predicate evaluated with a Mutex held, as for absl::Condition: built from
// a pointer to a callable (a lambda annotated
// ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu)) or to a bool. The pointee must outlive
// the wait. Not thread-safe (evaluated under the lock).
class Condition {
 public:
  template <typename Fn>
  explicit Condition(const Fn* fn) : object_(fn), eval_(&CallFunctor<Fn>) {}
  explicit Condition(const bool* flag) : object_(flag), eval_(&ReadFlag) {}

  bool Eval() const { return eval_(object_); }

 private:
  // Called only from Mutex::Await, which holds the lock the functor requires;
  // the analysis cannot follow the type erasure, hence the opt-out.
  template <typename Fn>
  static bool CallFunctor(const void* fn) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return (*static_cast<const Fn*>(fn))();
  }
  static bool ReadFlag(const void* flag) { return *static_cast<const bool*>(flag); }

  const void* object_;
  bool (*eval_)(const void*);
};

inline void Mutex::Await(const Condition& condition) {
  std::unique_lock<std::mutex> lock(mu_, std::adopt_lock);
  ++waiters_;
  changed_.wait(lock, [&] { return condition.Eval(); });
  --waiters_;
  lock.release();  // still held: ownership goes back to the caller
}

// A one-shot event, as absl::Notification: Notify() once, and every
// WaitForNotification() returns after it (the notifier's writes before
// Notify() are visible to the waiter after it returns). Thread-safe.
class Notification {
 public:
  // REQUIRES: called at most once.
  void Notify() {
    MutexLock lock(&mu_);
    notified_ = true;
  }
  void WaitForNotification() {
    MutexLock lock(&mu_);
    mu_.Await(Condition(&notified_));
  }

 private:
  Mutex mu_;
  bool notified_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace wv

#endif  // WV_CORE_MUTEX_H_
