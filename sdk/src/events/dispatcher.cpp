// Event delivery: poller thread, bounded queues, eventfd, callback threads.
#include "events/dispatcher.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "cpo/hal/log.h"

namespace cpo::sdk {
namespace detail {
namespace {

bool inside(const ObjectRef& filter, const EventObject& object, UnitId unit) {
  return std::visit(
      [&](const auto& f) -> bool {
        using F = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<F, UnitId>) {
          return unit == f;
        } else if constexpr (std::is_same_v<F, PortId>) {
          const auto* p = std::get_if<LogicalPort>(&object);
          return p != nullptr && p->port == f;
        } else if constexpr (std::is_same_v<F, ElsId>) {
          if (const auto* e = std::get_if<ElsId>(&object)) return *e == f;
          const auto* l = std::get_if<LaserRef>(&object);
          return l != nullptr && l->els == f;
        } else if constexpr (std::is_same_v<F, OeId>) {
          if (const auto* o = std::get_if<OeId>(&object)) return *o == f;
          const auto* b = std::get_if<OeBank>(&object);
          return b != nullptr && b->oe == f;
        } else {
          const auto* same = std::get_if<F>(&object);
          return same != nullptr && *same == f;
        }
      },
      filter);
}

void signal(int efd) {
  if (efd < 0) return;
  const std::uint64_t one = 1;
  // EAGAIN means the counter is already non-zero: readable either way.
  [[maybe_unused]] const auto n = ::write(efd, &one, sizeof one);
}

void drain(int efd) {
  if (efd < 0) return;
  std::uint64_t count = 0;
  [[maybe_unused]] const auto n = ::read(efd, &count, sizeof count);
}

}  // namespace

SubscriptionState::~SubscriptionState() {
  if (efd >= 0) ::close(efd);
}

bool SubscriptionState::matches(const Event& e) const {
  if (e.synthetic && !filter.synthetic) return false;
  // A resync concerns every object of its unit: everyone hears of it.
  if (e.type() == EventType::resync) return true;
  if (!filter.types.empty() && std::find(filter.types.begin(), filter.types.end(), e.type()) == filter.types.end()) {
    return false;
  }
  if (filter.objects.empty()) return true;
  const EventObject object = e.object();
  for (const auto& f : filter.objects)
    if (inside(f, object, e.unit)) return true;
  return false;
}

void SubscriptionState::push(std::span<const Event> events) {
  bool added = false;
  {
    Lock lock(mu);
    if (cancelled) return;
    for (const Event& e : events) {
      if (!matches(e)) continue;
      if (queue.size() >= capacity) {
        ++missed;
        dropped.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      queue.push_back(e);
      added = true;
    }
  }
  if (added) {
    signal(efd);
    cv.notify_one();
  }
}

std::size_t SubscriptionState::take(std::vector<Event>& out, std::size_t max) {
  std::size_t n = 0;
  Lock lock(mu);
  if (missed > 0 && max > 0) {
    // The consumer learns what it missed before anything newer: re-read the state.
    out.push_back(Event{UnitId(0), std::chrono::nanoseconds(0), true, Resync{missed}});
    missed = 0;
    ++n;
  }
  while (n < max && !queue.empty()) {
    out.push_back(std::move(queue.front()));
    queue.pop_front();
    ++n;
  }
  if (queue.empty() && missed == 0) drain(efd);
  return n;
}

void SubscriptionState::cancel() noexcept {
  {
    Lock lock(mu);
    cancelled = true;
  }
  cv.notify_all();
  if (worker.joinable()) {
    if (worker.get_id() == std::this_thread::get_id()) {
      worker.detach();  // cancelled from its own callback: the thread ends after it returns
    } else {
      worker.request_stop();
      worker.join();
    }
  }
}

}  // namespace detail

// ------------------------------------------------------------------------------ Subscription

Subscription::~Subscription() { cancel(); }

Subscription& Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    cancel();
    state_ = std::move(other.state_);
  }
  return *this;
}

int Subscription::fd() const noexcept { return state_ ? state_->efd : -1; }

std::size_t Subscription::read(std::vector<Event>& out, std::size_t max) {
  if (!state_ || state_->callback) return 0;
  return state_->take(out, max);
}

std::uint64_t Subscription::dropped() const noexcept {
  return state_ ? state_->dropped.load(std::memory_order_relaxed) : 0;
}

void Subscription::cancel() noexcept {
  if (state_) state_->cancel();
  state_.reset();
}

bool Subscription::active() const noexcept { return state_ != nullptr; }

// ------------------------------------------------------------------------------ Dispatcher

Dispatcher::Dispatcher(Source source, EventOptions options)
    : source_(std::move(source)), options_(std::move(options)) {}

Dispatcher::~Dispatcher() {
  {
    Lock lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (poller_.joinable()) {
    poller_.request_stop();
    poller_.join();
  }
  std::vector<std::shared_ptr<detail::SubscriptionState>> subs;
  {
    Lock lock(mu_);
    subs.swap(subs_);
  }
  for (auto& s : subs) s->cancel();
}

Result<Subscription> Dispatcher::subscribe(const EventFilter& filter, EventCallback callback) {
  auto state = std::make_shared<detail::SubscriptionState>(filter, std::max<std::size_t>(1, options_.queue_capacity));
  if (callback) {
    state->callback = std::move(callback);
    detail::SubscriptionState* s = state.get();
    state->worker = std::jthread([s](const std::stop_token& stop) {
      std::vector<Event> batch;
      while (!stop.stop_requested()) {
        {
          Lock lock(s->mu);
          s->cv.wait(lock, [&]() CPO_REQUIRES(s->mu) {
            return s->cancelled || stop.stop_requested() || !s->queue.empty() || s->missed > 0;
          });
          bool done = false;
          { done = s->cancelled; }
          if (done) return;
        }
        batch.clear();
        s->take(batch, SIZE_MAX);
        for (const Event& e : batch) s->callback(e);  // no lock held
      }
    });
  } else {
    state->efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (state->efd < 0) {
      return error(Code::io_error, fmt::format("eventfd for an event subscription: {}", std::strerror(errno)));
    }
  }
  {
    Lock lock(mu_);
    if (stopping_) return error(Code::failed_precondition, "the switch is closing");
    subs_.push_back(state);
  }
  ensure_running();
  return Subscription(std::move(state));
}

void Dispatcher::ensure_running() {
  Lock lock(mu_);
  if (running_ || stopping_) return;
  if (poller_.joinable()) poller_.join();  // a poller that ended when its last subscriber left
  running_ = true;
  poller_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
}

void Dispatcher::publish(std::span<const Event> events) {
  std::vector<std::shared_ptr<detail::SubscriptionState>> subs;
  {
    Lock lock(mu_);
    std::erase_if(subs_, [](const auto& s) {
      Lock sub(s->mu);
      return s->cancelled;
    });
    subs = subs_;
  }
  for (auto& s : subs) s->push(events);
}

void Dispatcher::run(const std::stop_token& stop) {
  std::vector<Event> batch;
  auto last_thresholds = std::chrono::steady_clock::now() - options_.threshold_interval;
  Status last_error;
  while (!stop.stop_requested()) {
    batch.clear();
    Status s = source_.read_events(batch);
    const auto now = std::chrono::steady_clock::now();
    if (s.ok() && now - last_thresholds >= options_.threshold_interval) {
      s = source_.derive_thresholds(batch);
      last_thresholds = now;
    }
    if (!batch.empty()) publish(batch);
    if (!s.ok() && !(s == last_error)) {
      // Logged once per distinct failure, outside every lock.
      log::get("cpo.sdk")->warn("event poller: {}", s.to_string());
    }
    last_error = s;
    Lock lock(mu_);
    wake_.wait_for(lock, options_.poll_interval,
                   [&]() CPO_REQUIRES(mu_) { return stopping_ || stop.stop_requested(); });
    if (stopping_) return;
    const bool anyone = std::any_of(subs_.begin(), subs_.end(), [](const auto& sub) {
      Lock l(sub->mu);
      return !sub->cancelled;
    });
    if (!anyone) {
      running_ = false;
      return;
    }
  }
}

}  // namespace cpo::sdk
