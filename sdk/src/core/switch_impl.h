// DeviceSwitch::Impl: the state every part of the facade shares. Each role lives in its own file:
//   core/switch.cpp            open, the plain calls, CMIS access, time
//   policy/breakout_policy.cpp validate, plan, apply per unit in parallel, roll back
//   policy/laser_safety.cpp    limits, fiber check, ramps, disable; els_cache.cpp the page cache
//   policy/hot_swap.cpp        the sequenced ELS replacement
//   telemetry/snapshot.cpp     taking a snapshot and deriving logical ports and thresholds
//   events/dispatcher.cpp      poller thread, threshold derivation, per-subscription queues
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <vector>

#include "core/backend.h"
#include "core/device_switch.h"
#include "cpo/hal/backend/validated_driver.h"
#include "cpo/hal/cmis/elsfp.h"
#include "cpo/hal/mutex.h"
#include "cpo/sdk/switch.h"

namespace cpo::sdk {

class Dispatcher;
class ThresholdWatcher;

// What the SDK keeps of one ELS bank's pages 1Ah/1Bh (up to 8 lasers): read at open and
// again after the module was replaced (its insert count moved), updated by every write the
// SDK makes. Refusals are decided from it, so a refused request reads nothing either.
struct ElsBankCache {
  Mutex mu;
  bool valid CPO_GUARDED_BY(mu) = false;
  std::uint32_t insert_count CPO_GUARDED_BY(mu) = 0;
  cmis::PageBytes page1a CPO_GUARDED_BY(mu){};
  cmis::PageBytes page1b CPO_GUARDED_BY(mu){};
};

// A consistent view of one laser's module pages, copied out of the cache.
struct LaserPages {
  ElsId els;
  BankId bank;
  unsigned lane = 1;  // CMIS lane within the bank, 1..8
  cmis::PageBytes page1a{};
  cmis::PageBytes page1b{};
  cmis::ElsAdvertisement advert;
  cmis::ElsMonitors monitors;
};

// Marks a laser busy for the duration of one operation (no lock is held meanwhile, so
// progress callbacks run lock-free); a second operation on it is refused, not queued.
class BusyLaser {
 public:
  BusyLaser() = default;
  explicit BusyLaser(std::atomic<bool>* flag) noexcept : flag_(flag) {}
  BusyLaser(BusyLaser&& o) noexcept : flag_(std::exchange(o.flag_, nullptr)) {}
  BusyLaser& operator=(BusyLaser&&) = delete;
  ~BusyLaser() {
    if (flag_ != nullptr) flag_->store(false, std::memory_order_release);
  }

 private:
  std::atomic<bool>* flag_ = nullptr;
};

// A laser claimed for one operation, with the telemetry and module pages it was decided on.
struct ClaimedLaser {
  BusyLaser busy;
  Telemetry telemetry;
  LaserPages pages;
};

struct DeviceSwitch::Impl {
  std::string uri;
  OpenOptions options;
  Backend backend;
  const Platform& platform;
  ValidatedDriver driver;
  // The limit the switch was opened with (OpenOptions, else the profile's): the ceiling of
  // set_laser_class_limit. The one in force is read by every laser call.
  const std::optional<Milliwatts> opened_class_limit;
  mutable Mutex settings_mu;
  std::optional<Milliwatts> class_limit_now CPO_GUARDED_BY(settings_mu);
  std::vector<ThresholdRule> rules_now CPO_GUARDED_BY(settings_mu);  // as set (merged with the defaults)
  std::shared_ptr<ThresholdWatcher> watcher;
  [[nodiscard]] std::optional<Milliwatts> class_limit() const CPO_EXCLUDES(settings_mu) {
    Lock lock(settings_mu);
    return class_limit_now;
  }

  // Laser bookkeeping: flat laser index = first_laser[els] + laser.
  std::vector<std::size_t> first_laser;
  std::vector<std::vector<std::unique_ptr<ElsBankCache>>> els_cache;  // [els][bank]
  std::unique_ptr<std::atomic<bool>[]> laser_busy;
  std::vector<std::unique_ptr<Mutex>> unit_config;  // serialises breakout work per unit

  Mutex thresholds_mu;
  std::vector<OeThresholds> oe_thresholds CPO_GUARDED_BY(thresholds_mu);

  std::unique_ptr<Dispatcher> dispatcher;

  Impl(std::string uri_text, const OpenOptions& opts, Backend b);
  ~Impl();

  // --- shared helpers ---------------------------------------------------------------------
  [[nodiscard]] std::size_t laser_index(const LaserRef& laser) const {
    return first_laser[laser.els.value()] + laser.index;
  }
  Result<BusyLaser> claim(const LaserRef& laser);
  // claim(), then the telemetry and the laser's pages (errors of both).
  Result<ClaimedLaser> claim_with_pages(const LaserRef& laser);
  Status read_units(Telemetry& out) { return read_all_telemetry(driver, platform.units().size(), out); }
  BreakoutMap breakout_of(const Telemetry& t) const;

  // els_cache.cpp
  [[nodiscard]] bool capabilities_allow_els() const;
  Status load_caches();  // every present ELS bank, and the OE thresholds
  // The laser's pages, re-read when the module was replaced since (insert count from `t`).
  Result<LaserPages> pages(const LaserRef& laser, const Telemetry& t);
  // Applies `edit` to a copy of the bank's page (0x1A or 0x1B), writes the bytes that
  // changed, and updates the cache. `edit` only transforms bytes (codec setters).
  Status modify(const LaserRef& laser, std::uint8_t page, const std::function<Status(cmis::PageBytes&)>& edit);
  std::vector<LaserThresholds> laser_thresholds();

  // laser_safety.cpp
  Result<LaserLimits> limits_of(const LaserRef& laser, const LaserPages& p) const;
  Status check_power(const LaserRef& laser, Milliwatts power, const LaserLimits& limits) const;
  Result<Decibels> check_rate(const LaserRef& laser, const RampOptions& ramp) const;
  Result<FiberCheck> fiber_check(const LaserRef& laser, const LaserPages& p, const std::stop_token& stop);
  // safety_refused naming the ELS when telemetry `t` says the interlock of the laser's ELS is
  // open (ElsFault::interlock_open); ok otherwise. Reads nothing, writes nothing.
  Status interlock_closed(const LaserRef& laser, const Telemetry& t) const;
  Status ramp_power(const LaserRef& laser, Milliwatts from, Milliwatts to, Decibels rate, const RampOptions& ramp);
  Result<FiberCheck> enable_claimed(const LaserRef& laser, const EnableOptions& options);
  // After a passed fiber check: output-fiber-checked set, ramp to `target`; off on failure.
  Status light_checked(const LaserRef& laser, const LaserPages& p, Milliwatts target, Decibels rate,
                       const RampOptions& ramp);
  Status turn_off(const LaserRef& laser);
  // laser_status from a telemetry read already made.
  Result<LaserStatus> status_of(const LaserRef& laser, const Telemetry& t);

  // breakout_policy.cpp
  // Sets admin up the sub-ports in `mask` (all at once when all), of a port whose sub-ports
  // are all admin down.
  Status raise_admin(PortId port, std::uint32_t mask, std::uint32_t subports);
  Result<BreakoutResult> breakout(std::span<const BreakoutGroupRequest> groups, const BreakoutOptions& options);

  // snapshot.cpp
  Status take_snapshot(Snapshot& out);

  // Emits an SDK-made event (ElsSwap) to subscribers.
  void publish(const Event& event);
};

}  // namespace cpo::sdk
