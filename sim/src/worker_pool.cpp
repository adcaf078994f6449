// WorkerPool: a job is a list of switch indices; the caller and the helpers that join take
// chunks of it from one atomic cursor. Helpers that wake after the caller ran out of work do
// not join (the job is closed), so a late wake-up never delays the caller.
#include "worker_pool.h"

namespace cpo::sim {

WorkerPool::WorkerPool(std::size_t helpers) {
  threads_.reserve(helpers);
  for (std::size_t i = 0; i < helpers; ++i) threads_.emplace_back([this] { loop(); });
}

WorkerPool::~WorkerPool() {
  {
    cpo::Lock lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkerPool::run(const std::vector<std::size_t>& items, std::size_t grain, void* fn, Call call) {
  items_ = &items;
  grain_ = grain;
  fn_ = fn;
  call_ = call;
  next_.store(0, std::memory_order_relaxed);
  {
    cpo::Lock lock(mu_);
    ++job_;
    open_ = true;
  }
  // Only as many helpers as there are chunks beyond the caller's first.
  const std::size_t chunks = (items.size() + grain - 1) / grain;
  if (chunks - 1 >= threads_.size())
    wake_.notify_all();
  else
    for (std::size_t i = 0; i + 1 < chunks; ++i) wake_.notify_one();
  work();
  cpo::Lock lock(mu_);
  open_ = false;
  done_.wait(lock, [&]() CPO_REQUIRES(mu_) { return active_ == 0; });
}

void WorkerPool::work() noexcept {
  const std::size_t n = items_->size();
  for (;;) {
    const std::size_t k = next_.fetch_add(grain_, std::memory_order_relaxed);
    if (k >= n) return;
    const std::size_t end = k + grain_ < n ? k + grain_ : n;
    for (std::size_t j = k; j < end; ++j) call_(fn_, (*items_)[j]);
  }
}

void WorkerPool::loop() {
  std::uint64_t seen = 0;
  for (;;) {
    {
      cpo::Lock lock(mu_);
      wake_.wait(lock, [&]() CPO_REQUIRES(mu_) { return stop_ || (open_ && job_ != seen); });
      if (stop_) return;
      seen = job_;
      ++active_;
    }
    work();
    cpo::Lock lock(mu_);
    if (--active_ == 0) done_.notify_one();
  }
}

}  // namespace cpo::sim
