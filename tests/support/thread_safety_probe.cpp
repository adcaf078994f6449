// Compiled by the ThreadSafety.* tests with clang -Wthread-safety -Werror: as is it must
// compile; with -DCPO_PROBE_VIOLATION it touches a guarded member without its lock and must
// not. Proves the annotations on cpo::Mutex are live, so the clang preset catches misuse.
#include "cpo/hal/mutex.h"

namespace {

class Counter {
 public:
  void add() {
    cpo::Lock lock(mu_);
    ++value_;
  }
#ifdef CPO_PROBE_VIOLATION
  void add_unlocked() { ++value_; }
#endif

 private:
  cpo::Mutex mu_;
  int value_ CPO_GUARDED_BY(mu_) = 0;
};

}  // namespace

int main() {
  Counter c;
  c.add();
  return 0;
}
