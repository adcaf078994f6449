// Event subscriptions of an opened switch (Switch::subscribe, switch.h).
//
// Delivery: by callback on an SDK thread (one per callback subscription), or through a file
// descriptor (an eventfd) the caller adds to its own epoll/poll/select loop and then drains
// with Subscription::read. User code is never called under an SDK or driver lock.
//
// What arrives: every event the backend reports (cpo/hal/events.h), threshold crossings the
// SDK derives from telemetry for quantities the backend does not watch itself (rules below,
// with hysteresis), and the SDK's own ElsSwap steps.
//
// Nothing is lost silently: each subscription has a bounded queue; when a slow consumer lets
// it fill, further events are counted and dropped, and the next event it receives is a
// Resync{lost} (synthetic) telling how many it missed, so it can re-read the state
// (Switch::snapshot). A Resync from the driver is passed on as well.
//
// Thread safety: Subscription handles may be used from any thread; read() from one thread
// at a time per subscription.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "cpo/hal/events.h"
#include "cpo/sdk/objects.h"

namespace cpo::sdk {

struct EventFilter {
  std::vector<EventType> types;  // empty: every type
  // Empty: every object. Otherwise an event matches when it is about one of these or about
  // something inside one (a port matches its sub-ports, an ELS its lasers, an OE its banks,
  // a unit everything on it).
  std::vector<ObjectRef> objects;
  bool synthetic = true;  // include synthetic events (resync replays)
};

// A threshold the SDK watches in telemetry. `threshold` nullopt: the module's advertised
// value (CMIS page 02h for OEs, ELSFP page 1Ah for lasers). Hysteresis: a crossing clears
// only when the value is back inside by this much; in dB for tx_power, rx_power and
// laser_power, in the quantity's unit (unit_of) otherwise.
struct ThresholdRule {
  Measure quantity = Measure::pre_fec_ber;
  ThresholdLevel level = ThresholdLevel::warning;
  ThresholdBound bound = ThresholdBound::high;
  std::optional<double> threshold;
  double hysteresis = 0.0;
};

struct EventOptions {
  std::chrono::milliseconds poll_interval{10};        // host time between reads of the backend's events
  std::chrono::milliseconds threshold_interval{100};  // host time between telemetry checks
  std::size_t queue_capacity = 4096;                  // events waiting per subscription
  // Rules replacing the defaults of the same quantity, level and bound. Defaults: pre-FEC
  // BER warning 1e-5 / alarm 2.4e-4 (RS(544,514) limit); laser power low and bias high,
  // lane rx power low, module temperature high and low at the modules' thresholds.
  std::vector<ThresholdRule> rules;
};

// The rules in force for `options` (defaults merged with options.rules).
[[nodiscard]] std::vector<ThresholdRule> threshold_rules(const EventOptions& options);

using EventCallback = std::function<void(const Event&)>;

namespace detail {
struct SubscriptionState;
}

// A live subscription. Destroying it (or cancel()) unsubscribes; a callback running at that
// moment finishes first. Move-only.
class Subscription {
 public:
  Subscription() = default;
  explicit Subscription(std::shared_ptr<detail::SubscriptionState> state) noexcept : state_(std::move(state)) {}
  ~Subscription();
  Subscription(Subscription&&) noexcept = default;
  Subscription& operator=(Subscription&& other) noexcept;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // The eventfd to poll for readability (fd subscriptions); -1 for callback ones.
  [[nodiscard]] int fd() const noexcept;
  // Appends up to `max` waiting events to `out` without blocking; returns how many. Clears
  // the fd's readability when the queue empties.
  std::size_t read(std::vector<Event>& out, std::size_t max = SIZE_MAX);
  // Events dropped so far because the queue was full.
  [[nodiscard]] std::uint64_t dropped() const noexcept;
  void cancel() noexcept;
  [[nodiscard]] bool active() const noexcept;

 private:
  std::shared_ptr<detail::SubscriptionState> state_;
};

}  // namespace cpo::sdk
