// The helper threads a World uses to run the per-switch work of one virtual instant in
// parallel (docs/simulator.md "Threads and locks"). The calling thread takes part, and
// for_each returns only when every item ran: that return is the barrier between a parallel
// pass and the merge of its side effects. Private to cposdk_sim.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

#include "cpo/hal/mutex.h"

namespace cpo::sim {

class WorkerPool {
 public:
  // `helpers` threads besides the caller of for_each (at least 1).
  explicit WorkerPool(std::size_t helpers);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  [[nodiscard]] std::size_t helpers() const noexcept { return threads_.size(); }

  // Lists shorter than this run inline: waking a helper costs a few microseconds of CPU on
  // each side, about what one switch's share of a settle phase costs, so two or three switches
  // gain no wall time for the CPU they would add (bench_sim command_cabled_cpu_us).
  static constexpr std::size_t kMinItems = 4;

  // Calls fn(item) once for every item, in chunks of `grain` consecutive items taken by the
  // caller and the helpers as they become free; returns when all are done. A list of at most
  // `grain` items or fewer than kMinItems runs inline on the caller: a single switch's work
  // pays no hand-off. `fn` must not call for_each.
  template <typename F>
  void for_each(const std::vector<std::size_t>& items, std::size_t grain, F& fn) {
    if (grain == 0) grain = 1;
    if (items.size() <= grain || items.size() < kMinItems) {
      for (const std::size_t i : items) fn(i);
      return;
    }
    run(items, grain, &fn, [](void* f, std::size_t i) { (*static_cast<F*>(f))(i); });
  }

 private:
  using Call = void (*)(void*, std::size_t);
  void run(const std::vector<std::size_t>& items, std::size_t grain, void* fn, Call call);
  void work() noexcept;  // takes chunks of the current job until none is left
  void loop();

  cpo::Mutex mu_;
  cpo::CondVar wake_, done_;
  std::uint64_t job_ CPO_GUARDED_BY(mu_) = 0;   // generation of the current job
  bool open_ CPO_GUARDED_BY(mu_) = false;       // helpers may still join the current job
  std::size_t active_ CPO_GUARDED_BY(mu_) = 0;  // helpers inside the current job
  bool stop_ CPO_GUARDED_BY(mu_) = false;
  // The current job. Written by run() before it opens the job under mu_ and read by helpers
  // only after they joined it under mu_; run() returns only after every helper left it.
  const std::vector<std::size_t>* items_ = nullptr;
  std::size_t grain_ = 1;
  void* fn_ = nullptr;
  Call call_ = nullptr;
  std::atomic<std::size_t> next_{0};  // first item not yet taken
  std::vector<std::thread> threads_;
};

}  // namespace cpo::sim
