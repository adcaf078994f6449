// The event machinery of one Switch: a poller thread that reads the backend's events and
// derives threshold crossings from telemetry, and per-subscription bounded queues delivered
// by callback threads or eventfds. User callbacks run on their subscription's thread with
// no SDK lock held.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "cpo/hal/mutex.h"
#include "cpo/sdk/events.h"

namespace cpo::sdk {

struct SwitchImplAccess;

namespace detail {

struct SubscriptionState {
  SubscriptionState(EventFilter f, std::size_t cap) : filter(std::move(f)), capacity(cap) {}
  ~SubscriptionState();

  const EventFilter filter;
  const std::size_t capacity;
  EventCallback callback;  // set for callback subscriptions, before the worker starts
  int efd = -1;            // eventfd for fd subscriptions

  Mutex mu;
  CondVar cv;
  std::deque<Event> queue CPO_GUARDED_BY(mu);
  std::uint64_t missed CPO_GUARDED_BY(mu) = 0;  // dropped since the consumer last heard of it
  bool cancelled CPO_GUARDED_BY(mu) = false;
  std::atomic<std::uint64_t> dropped{0};
  std::jthread worker;

  [[nodiscard]] bool matches(const Event& e) const;
  // Queues what matches; never blocks, never calls user code.
  void push(std::span<const Event> events);
  // Moves up to max events out, with a Resync first when some were dropped.
  std::size_t take(std::vector<Event>& out, std::size_t max);
  void cancel() noexcept;
};

}  // namespace detail

class Dispatcher {
 public:
  struct Source {
    // Reads the backend's events (appends); the driver's read_events.
    std::function<Status(std::vector<Event>&)> read_events;
    // Threshold crossings derived from telemetry since the last call (appends).
    std::function<Status(std::vector<Event>&)> derive_thresholds;
  };
  Dispatcher(Source source, EventOptions options);
  ~Dispatcher();

  Result<Subscription> subscribe(const EventFilter& filter, EventCallback callback);
  // Delivers SDK-made events (hot-swap steps) to current subscribers.
  void publish(std::span<const Event> events);

 private:
  void ensure_running() CPO_EXCLUDES(mu_);
  void run(const std::stop_token& stop);

  Source source_;
  EventOptions options_;
  Mutex mu_;
  CondVar wake_;
  std::vector<std::shared_ptr<detail::SubscriptionState>> subs_ CPO_GUARDED_BY(mu_);
  bool stopping_ CPO_GUARDED_BY(mu_) = false;
  // The poller runs while a subscription is live: it acknowledges the device's events, which
  // are register writes nobody asked for once the last subscriber is gone.
  bool running_ CPO_GUARDED_BY(mu_) = false;
  std::jthread poller_;  // started by a subscription, joined under mu_
};

}  // namespace cpo::sdk
