// cpo::Mutex and cpo::Lock: std::mutex with clang thread-safety annotations, so
// `-Wthread-safety` (the clang-tsa preset) proves that every member marked CPO_GUARDED_BY
// is touched only with its lock held. libstdc++'s mutex carries no annotations; this is
// the small wrapper Abseil's thread_annotations.h and Stratum's LOCKS_EXCLUDED style rely on.
//
// Every lock cposdk adds uses these types. Rules the annotations help keep:
// - never call user code (callbacks, log sinks) while holding one;
// - document lock order where two are held (CPO_ACQUIRED_AFTER).
//
// Thread safety: a Mutex is shared between threads by design; a Lock belongs to one thread.
#pragma once

#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define CPO_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define CPO_THREAD_ANNOTATION(x)
#endif

#define CPO_CAPABILITY(x) CPO_THREAD_ANNOTATION(capability(x))
#define CPO_SCOPED_CAPABILITY CPO_THREAD_ANNOTATION(scoped_lockable)
#define CPO_GUARDED_BY(x) CPO_THREAD_ANNOTATION(guarded_by(x))
#define CPO_PT_GUARDED_BY(x) CPO_THREAD_ANNOTATION(pt_guarded_by(x))
#define CPO_REQUIRES(...) CPO_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define CPO_EXCLUDES(...) CPO_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define CPO_ACQUIRE(...) CPO_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define CPO_RELEASE(...) CPO_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define CPO_TRY_ACQUIRE(...) CPO_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define CPO_ACQUIRED_AFTER(...) CPO_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define CPO_NO_THREAD_SAFETY_ANALYSIS CPO_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace cpo {

class CPO_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() CPO_ACQUIRE() { m_.lock(); }
  void unlock() CPO_RELEASE() { m_.unlock(); }
  bool try_lock() CPO_TRY_ACQUIRE(true) { return m_.try_lock(); }

 private:
  friend class CondVar;
  std::mutex m_;
};

// Holds a Mutex for its scope.
class CPO_SCOPED_CAPABILITY Lock {
 public:
  explicit Lock(Mutex& m) CPO_ACQUIRE(m) : m_(m) { m_.lock(); }
  ~Lock() CPO_RELEASE() { m_.unlock(); }
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

 private:
  friend class CondVar;
  Mutex& m_;
};

// A condition variable waiting on a held cpo::Lock.
class CondVar {
 public:
  void notify_one() noexcept { cv_.notify_one(); }
  void notify_all() noexcept { cv_.notify_all(); }
  // Precondition: `lock` holds its mutex (it does for its whole scope). Returns false on
  // timeout with the predicate still false.
  template <typename Rep, typename Period, typename Pred>
  bool wait_for(Lock& lock, std::chrono::duration<Rep, Period> timeout, Pred pred) CPO_NO_THREAD_SAFETY_ANALYSIS {
    std::unique_lock<std::mutex> native(lock.m_.m_, std::adopt_lock);
    const bool ok = cv_.wait_for(native, timeout, pred);
    native.release();  // the Lock still owns it
    return ok;
  }
  template <typename Pred>
  void wait(Lock& lock, Pred pred) CPO_NO_THREAD_SAFETY_ANALYSIS {
    std::unique_lock<std::mutex> native(lock.m_.m_, std::adopt_lock);
    cv_.wait(native, pred);
    native.release();
  }

 private:
  std::condition_variable cv_;
};

}  // namespace cpo
