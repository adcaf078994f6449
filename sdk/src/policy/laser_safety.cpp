// Laser safety: limits, the fiber check before any laser is lit, bounded ramps, and the
// disable refusal. laser.h states the invariants; docs/sdk.md explains the sequence.
//
// Every check runs on the SDK's copy of the module pages (els_cache.cpp) and on telemetry
// (status-region reads), so a refusal writes nothing to the device.
#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "core/switch_impl.h"
#include "core/telemetry_lookup.h"

namespace cpo::sdk {
namespace {

constexpr std::uint8_t kPage1A = 0x1A;
constexpr std::uint8_t kPage1B = 0x1B;

double dbm_of(Milliwatts p) { return to_dbm(p).value(); }

std::string power_text(Milliwatts p) { return fmt::format("{:.2f} mW ({:.2f} dBm)", p.value(), dbm_of(p)); }

bool lit(const cmis::ElsAdvertisement& a, unsigned lane) {
  return cmis::lane_bit(a.lane_enable, lane) && cmis::lane_bit(a.output_fiber_checked, lane);
}

Status cancelled(const LaserRef& laser, std::string_view what) {
  return error(Code::failed_precondition, fmt::format("{}: {} cancelled", to_string(laser), what));
}

}  // namespace

std::string_view to_string(FiberVerdict verdict) noexcept {
  switch (verdict) {
    case FiberVerdict::ok: return "ok";
    case FiberVerdict::no_light: return "no_light";
    case FiberVerdict::excess_loss: return "excess_loss";
    case FiberVerdict::interlock_open: return "interlock_open";
  }
  return "unknown";
}

Result<BusyLaser> DeviceSwitch::Impl::claim(const LaserRef& laser) {
  CPO_RETURN_IF_ERROR(platform.laser(laser).status());
  std::atomic<bool>& flag = laser_busy[laser_index(laser)];
  bool expected = false;
  if (!flag.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
    return error(Code::failed_precondition,
                 fmt::format("{} is busy with another operation (a ramp, a fiber check or a swap); retry when it "
                             "ends",
                             to_string(laser)));
  }
  return BusyLaser(&flag);
}

Result<ClaimedLaser> DeviceSwitch::Impl::claim_with_pages(const LaserRef& laser) {
  auto busy = claim(laser);
  if (!busy) return busy.status();
  ClaimedLaser c{std::move(busy).value(), {}, {}};
  CPO_RETURN_IF_ERROR(read_units(c.telemetry));
  auto p = pages(laser, c.telemetry);
  if (!p) return p.status();
  c.pages = std::move(p).value();
  return c;
}

Result<LaserLimits> DeviceSwitch::Impl::limits_of(const LaserRef& laser, const LaserPages& p) const {
  LaserLimits l;
  l.laser = laser;
  l.min_power = p.advert.min_optical_power;
  l.max_power = p.advert.max_optical_power;
  l.min_bias = p.advert.min_bias;
  l.max_bias = p.advert.max_bias;
  l.class_limit = class_limit();
  l.max_allowed = l.class_limit ? std::min(*l.class_limit, l.max_power) : l.max_power;
  l.fiber_check_power = p.advert.fiber_check_power;
  l.control_mode = p.advert.control_mode;
  l.max_ramp_rate = options.laser.max_ramp_rate;
  l.max_step = options.laser.max_step;
  return l;
}

Status DeviceSwitch::Impl::check_power(const LaserRef& laser, Milliwatts power, const LaserLimits& l) const {
  if (!std::isfinite(power.value())) {
    return error(Code::safety_refused, fmt::format("{}: power {} is not a number (allowed {} .. {})", to_string(laser),
                                                   power.value(), power_text(l.min_power), power_text(l.max_allowed)));
  }
  if (power < l.min_power || power > l.max_power) {
    return error(Code::safety_refused,
                 fmt::format("{}: power {} is outside the module's advertised range {} .. {}", to_string(laser),
                             power_text(power), power_text(l.min_power), power_text(l.max_power)));
  }
  if (l.class_limit && power > *l.class_limit) {
    return error(
        Code::safety_refused,
        fmt::format("{}: power {} is above the platform's laser class limit {} (allowed {} .. {})", to_string(laser),
                    power_text(power), power_text(*l.class_limit), power_text(l.min_power), power_text(l.max_allowed)));
  }
  return ok_status();
}

Result<Decibels> DeviceSwitch::Impl::check_rate(const LaserRef& laser, const RampOptions& ramp) const {
  const Decibels max = options.laser.max_ramp_rate;
  const Decibels rate = ramp.ramp_rate.value_or(max);
  if (!(rate.value() > 0.0) || rate > max) {
    return error(Code::safety_refused,
                 fmt::format("{}: ramp rate {:g} dB/s is not allowed (allowed: more than 0, at most {:g} dB/s)",
                             to_string(laser), rate.value(), max.value()));
  }
  return rate;
}

Status DeviceSwitch::Impl::interlock_closed(const LaserRef& laser, const Telemetry& t) const {
  const ElsTelemetry* e = find_els(t, laser.els);
  if (e == nullptr || !e->present || !e->faults.has(ElsFault::interlock_open)) return ok_status();
  return error(Code::safety_refused,
               fmt::format("{}: refused: {} interlock open (its laser-safety interlock holds every laser of the "
                           "module off); close the interlock, then enable the laser again: it goes through its "
                           "fiber check",
                           to_string(laser), to_string(laser.els)));
}

Result<FiberCheck> DeviceSwitch::Impl::fiber_check(const LaserRef& laser, const LaserPages& p,
                                                   const std::stop_token& stop) {
  const unsigned lane = p.lane;
  // Light at the fiber-check power only: the output-fiber-checked bit stays clear.
  if (cmis::lane_bit(p.advert.output_fiber_checked, lane)) {
    CPO_RETURN_IF_ERROR(modify(
        laser, kPage1A, [&](cmis::PageBytes& page) { return cmis::set_output_fiber_checked(page, lane, false); }));
  }
  CPO_RETURN_IF_ERROR(
      modify(laser, kPage1A, [&](cmis::PageBytes& page) { return cmis::set_lane_enable(page, lane, true); }));

  auto info = platform.laser(laser);
  if (!info) return info.status();
  FiberCheck check;
  check.laser = laser;
  check.launched = p.advert.fiber_check_power;
  check.allowed = options.laser.max_fiber_loss;

  // Wait until the laser is on and the optical engines have published two readings taken
  // after that (a reading from before the light arrived would look like a cut fiber).
  const auto deadline = backend.now() + options.laser.fiber_check_timeout;
  const auto poll = std::chrono::milliseconds(10);
  std::optional<std::chrono::nanoseconds> on_since;
  int fresh_readings = 0;
  std::chrono::nanoseconds last_stamp{-1};
  Telemetry t;
  while (true) {
    if (stop.stop_requested()) {
      (void)turn_off(laser);
      return cancelled(laser, "fiber check");
    }
    CPO_RETURN_IF_ERROR(read_units(t));
    // The interlock opened during the check: the laser is dark because of it, not because of
    // the fiber (the ELS says so; the OE's monitors alone would read a disconnected fiber).
    if (Status closed = interlock_closed(laser, t); !closed.ok()) {
      (void)turn_off(laser);
      return closed;
    }
    const LaserTelemetry* lt = find_laser(t, laser);
    if (lt != nullptr && lt->state == LaserState::fault) {
      (void)turn_off(laser);
      return error(Code::failed_precondition,
                   fmt::format("{} faulted during the fiber check ({})", to_string(laser), to_string(lt->fault)));
    }
    const std::chrono::nanoseconds stamp = t.units.empty() ? std::chrono::nanoseconds(0) : t.units.front().timestamp;
    if (lt != nullptr && lt->state == LaserState::on && !on_since) on_since = stamp;
    if (on_since && stamp != last_stamp && stamp > *on_since) ++fresh_readings;
    last_stamp = stamp;
    if (fresh_readings >= 2 || backend.now() >= deadline) break;
    backend.sleep(poll);
  }

  double worst_mw = std::numeric_limits<double>::infinity();
  for (LaneId l : (*info)->lanes) {
    const LaneTelemetry* lane_t = find_lane(t, l);
    const double mw = lane_t != nullptr ? lane_t->laser_input_power.value() : 0.0;
    if (mw < worst_mw) {
      worst_mw = mw;
      check.worst_lane = l;
    }
  }
  check.worst_arrival = Milliwatts(std::isfinite(worst_mw) ? worst_mw : 0.0);
  const double loss = check.worst_arrival.value() > 0.0 ? dbm_of(check.launched) - dbm_of(check.worst_arrival)
                                                        : std::numeric_limits<double>::infinity();
  check.loss = Decibels(loss);
  if (!on_since || loss > options.laser.no_light_loss.value()) {
    check.verdict = FiberVerdict::no_light;
  } else if (loss > options.laser.max_fiber_loss.value()) {
    check.verdict = FiberVerdict::excess_loss;
  }
  if (check.verdict == FiberVerdict::ok) return check;

  (void)turn_off(laser);
  if (check.verdict == FiberVerdict::no_light) {
    return error(Code::safety_refused,
                 fmt::format("{}: fiber check failed: no light at {} (launched {}, arrived {:.4f} mW): the fiber from "
                             "the ELS to its optical engine is disconnected or broken; the laser stays off",
                             to_string(laser), to_string(check.worst_lane), power_text(check.launched),
                             check.worst_arrival.value()));
  }
  return error(Code::safety_refused,
               fmt::format("{}: fiber check failed: excess loss {:.2f} dB at {} (allowed at most {:.2f} dB; launched "
                           "{}, arrived {}): a dirty or damaged connector between the ELS and its optical engine; "
                           "clean or replace it, the laser stays off",
                           to_string(laser), loss, to_string(check.worst_lane), check.allowed.value(),
                           power_text(check.launched), power_text(check.worst_arrival)));
}

Status DeviceSwitch::Impl::turn_off(const LaserRef& laser) {
  const unsigned lane = static_cast<unsigned>(laser.index % cmis::kLanesPerBank) + 1;
  // Disable first (light stops), then forget the fiber check: the next enable checks again.
  Status off = modify(laser, kPage1A, [&](cmis::PageBytes& page) { return cmis::set_lane_enable(page, lane, false); });
  Status unchecked =
      modify(laser, kPage1A, [&](cmis::PageBytes& page) { return cmis::set_output_fiber_checked(page, lane, false); });
  return off.ok() ? unchecked : off;
}

Status DeviceSwitch::Impl::ramp_power(const LaserRef& laser, Milliwatts from, Milliwatts to, Decibels rate,
                                      const RampOptions& ramp) {
  const unsigned lane = static_cast<unsigned>(laser.index % cmis::kLanesPerBank) + 1;
  const double from_db = dbm_of(from), to_db = dbm_of(to);
  const double span = std::abs(to_db - from_db);
  const auto steps = static_cast<std::uint32_t>(std::max(1.0, std::ceil(span / options.laser.max_step.value() - 1e-9)));
  const double step_db = (to_db - from_db) / steps;
  const auto dwell = std::chrono::nanoseconds(static_cast<std::int64_t>(std::abs(step_db) / rate.value() * 1e9));
  for (std::uint32_t i = 1; i <= steps; ++i) {
    if (ramp.stop.stop_requested()) return cancelled(laser, "ramp");
    const Milliwatts setpoint = i == steps ? to : to_milliwatts(Dbm(from_db + step_db * i));
    // The module advertises its limits; the codec refuses a set-point outside them.
    CPO_RETURN_IF_ERROR(
        modify(laser, kPage1B, [&](cmis::PageBytes& page) { return cmis::set_power_setpoint(page, lane, setpoint); }));
    if (ramp.progress) ramp.progress(LaserProgress{laser, LaserPhase::ramp, i, steps, setpoint, Milliamps(0)});
    backend.sleep(dwell);
  }
  return ok_status();
}

Result<FiberCheck> DeviceSwitch::Impl::enable_claimed(const LaserRef& laser, const EnableOptions& opts) {
  Telemetry t;
  CPO_RETURN_IF_ERROR(read_units(t));
  // Before anything else: with the interlock open nothing may be lit, so nothing is written.
  CPO_RETURN_IF_ERROR(interlock_closed(laser, t));
  const ElsTelemetry* e = find_els(t, laser.els);
  if (e != nullptr && e->present && e->module_state != cmis::ModuleState::ready) {
    return error(Code::failed_precondition, fmt::format("{} is not ready (module state {})", to_string(laser.els),
                                                        cmis::to_string(e->module_state)));
  }
  auto p = pages(laser, t);
  if (!p) return p.status();
  auto limits = limits_of(laser, *p);
  if (!limits) return limits.status();
  const Milliwatts target = opts.power.value_or(p->monitors.power_setpoint[p->lane - 1]);
  CPO_RETURN_IF_ERROR(check_power(laser, target, *limits));
  auto rate = check_rate(laser, opts.ramp);
  if (!rate) return rate.status();
  const LaserTelemetry* lt = find_laser(t, laser);
  if (lt != nullptr && lt->state == LaserState::fault) {
    return error(Code::failed_precondition,
                 fmt::format("{} is faulted ({}): repair or replace its ELS before enabling it", to_string(laser),
                             to_string(lt->fault)));
  }
  // Enabled and checked as the SDK last wrote, yet dark: the module turned it off by itself (an
  // interlock opened and closed since) and holds it off until LaneEnable is cleared and set
  // again. Clear both bits; the laser then goes through a new fiber check like any other.
  if (lit(p->advert, p->lane) && lt != nullptr && lt->state == LaserState::off) {
    CPO_RETURN_IF_ERROR(turn_off(laser));
    p = pages(laser, t);
    if (!p) return p.status();
  }
  if (lit(p->advert, p->lane)) {
    // Already through its fiber check and emitting: only the power may change.
    CPO_RETURN_IF_ERROR(ramp_power(laser, p->monitors.power_setpoint[p->lane - 1], target, *rate, opts.ramp));
    FiberCheck already;
    already.laser = laser;
    already.launched = p->advert.fiber_check_power;
    already.allowed = options.laser.max_fiber_loss;
    already.loss = Decibels(std::numeric_limits<double>::quiet_NaN());
    return already;
  }

  if (opts.ramp.progress) {
    opts.ramp.progress(LaserProgress{laser, LaserPhase::fiber_check, 1, 1, p->advert.fiber_check_power, Milliamps(0)});
  }
  auto check = fiber_check(laser, *p, opts.ramp.stop);
  if (!check) return check.status();

  CPO_RETURN_IF_ERROR(light_checked(laser, *p, target, *rate, opts.ramp));
  return check;
}

Status DeviceSwitch::Impl::light_checked(const LaserRef& laser, const LaserPages& p, Milliwatts target, Decibels rate,
                                         const RampOptions& ramp) {
  // The module ramps by itself from the fiber-check power to the lowest set-point it
  // regulates; the SDK then steps to the target.
  const Milliwatts start = std::min(target, p.advert.min_optical_power);
  const unsigned lane = p.lane;
  Status s = modify(laser, kPage1B, [&](cmis::PageBytes& page) { return cmis::set_power_setpoint(page, lane, start); });
  if (s.ok()) {
    s = modify(laser, kPage1A, [&](cmis::PageBytes& page) { return cmis::set_output_fiber_checked(page, lane, true); });
  }
  if (s.ok()) {
    // Wait for the module's own ramp to end (bounded by the fiber-check timeout).
    const auto deadline = backend.now() + options.laser.fiber_check_timeout;
    Telemetry t;
    while (true) {
      s = read_units(t);
      if (!s.ok()) break;
      const LaserTelemetry* now = find_laser(t, laser);
      if (now != nullptr && now->state == LaserState::on && now->power.value() >= start.value() * 0.9) break;
      if (backend.now() >= deadline) {
        s = error(Code::timeout,
                  fmt::format("{}: did not reach {} within {} ms after its fiber check", to_string(laser),
                              power_text(start), options.laser.fiber_check_timeout.count()));
        break;
      }
      backend.sleep(std::chrono::milliseconds(10));
    }
  }
  // In ACC the output follows the bias set-point, which the module's own ramp reached: the
  // power set-point steps would change nothing (set_laser_bias ramps the bias).
  if (s.ok() && p.advert.control_mode == cmis::ElsControlMode::apc) s = ramp_power(laser, start, target, rate, ramp);
  if (!s.ok()) {
    (void)turn_off(laser);  // a failed or cancelled enable leaves the laser off
    return s;
  }
  if (ramp.progress) ramp.progress(LaserProgress{laser, LaserPhase::done, 1, 1, target, Milliamps(0)});
  return ok_status();
}

// ------------------------------------------------------------------------------- Switch API

Result<LaserLimits> DeviceSwitch::laser_limits(const LaserRef& laser) {
  Telemetry t;
  CPO_RETURN_IF_ERROR(impl_->read_units(t));
  auto p = impl_->pages(laser, t);
  if (!p) return p.status();
  return impl_->limits_of(laser, *p);
}

Result<LaserStatus> DeviceSwitch::Impl::status_of(const LaserRef& laser, const Telemetry& t) {
  auto info = platform.laser(laser);
  if (!info) return info.status();
  LaserStatus s;
  s.laser = laser;
  s.lanes = (*info)->lanes;
  if (const LaserTelemetry* lt = find_laser(t, laser)) {
    s.state = lt->state;
    s.fault = lt->fault;
    s.power = lt->power;
    s.bias = lt->bias;
    s.temperature = lt->temperature;
    s.power_setpoint = lt->power_setpoint;
  }
  auto p = pages(laser, t);
  if (p) {
    s.enabled = cmis::lane_bit(p->advert.lane_enable, p->lane);
    s.fiber_checked = cmis::lane_bit(p->advert.output_fiber_checked, p->lane);
    s.control_mode = p->advert.control_mode;
    s.power_setpoint = p->monitors.power_setpoint[p->lane - 1];
    s.bias_setpoint = p->monitors.bias_setpoint[p->lane - 1];
  } else if (p.status().code() != Code::failed_precondition) {
    return p.status();  // an absent ELS still has a status (absent); other errors do not
  }
  return s;
}

Result<LaserStatus> DeviceSwitch::laser_status(const LaserRef& laser) {
  CPO_RETURN_IF_ERROR(impl_->platform.laser(laser).status());
  Telemetry t;
  CPO_RETURN_IF_ERROR(impl_->read_units(t));
  return impl_->status_of(laser, t);
}

Result<std::vector<LaserStatus>> DeviceSwitch::laser_statuses() {
  Telemetry t;
  CPO_RETURN_IF_ERROR(impl_->read_units(t));
  std::vector<LaserStatus> out;
  for (const ElsInfo& els : impl_->platform.els_modules()) {
    for (const LaserInfo& l : els.lasers) {
      auto s = impl_->status_of(l.ref, t);
      if (!s) return s.status();
      out.push_back(std::move(s).value());
    }
  }
  return out;
}

Result<FiberCheck> DeviceSwitch::enable_laser(const LaserRef& laser, const EnableOptions& options) {
  auto busy = impl_->claim(laser);
  if (!busy) return busy.status();
  return impl_->enable_claimed(laser, options);
}

Status DeviceSwitch::disable_laser(const LaserRef& laser, bool force) {
  auto claimed = impl_->claim_with_pages(laser);
  if (!claimed) return claimed.status();
  const Telemetry& t = claimed->telemetry;
  const LaserPages* p = &claimed->pages;
  if (!force) {
    auto impacted = impl_->platform.impacted_ports(laser, impl_->breakout_of(t));
    if (!impacted) return impacted.status();
    std::vector<std::string> up;
    for (const LogicalPort& lp : *impacted) {
      for (const auto& u : t.units)
        for (const auto& port : u.ports)
          if (port.port == lp.port && ((port.admin_mask >> lp.subport) & 1u) != 0) up.push_back(to_string(lp));
    }
    if (!up.empty()) {
      return error(Code::safety_refused,
                   fmt::format("{}: disabling it would take the light from admin-up {} (set them admin down first, "
                               "or force)",
                               to_string(laser), fmt::join(up, ", ")));
    }
  }
  if (!cmis::lane_bit(p->advert.lane_enable, p->lane) && !cmis::lane_bit(p->advert.output_fiber_checked, p->lane)) {
    return ok_status();  // already off: nothing to write
  }
  return impl_->turn_off(laser);
}

Status DeviceSwitch::set_laser_power(const LaserRef& laser, Milliwatts power, const RampOptions& ramp) {
  auto claimed = impl_->claim_with_pages(laser);
  if (!claimed) return claimed.status();
  const LaserPages* p = &claimed->pages;
  auto limits = impl_->limits_of(laser, *p);
  if (!limits) return limits.status();
  CPO_RETURN_IF_ERROR(impl_->check_power(laser, power, *limits));
  auto rate = impl_->check_rate(laser, ramp);
  if (!rate) return rate.status();
  const Milliwatts current = p->monitors.power_setpoint[p->lane - 1];
  if (current == power) return ok_status();
  if (!lit(p->advert, p->lane)) {
    // Not emitting at its set-point: the new one takes effect at the next enable's ramp.
    const unsigned lane = p->lane;
    return impl_->modify(laser, kPage1B,
                         [&](cmis::PageBytes& page) { return cmis::set_power_setpoint(page, lane, power); });
  }
  return impl_->ramp_power(laser, current, power, *rate, ramp);
}

Status DeviceSwitch::set_laser_bias(const LaserRef& laser, Milliamps bias, const RampOptions& ramp) {
  auto claimed = impl_->claim_with_pages(laser);
  if (!claimed) return claimed.status();
  const LaserPages* p = &claimed->pages;
  const cmis::ElsAdvertisement& a = p->advert;
  if (!std::isfinite(bias.value()) || bias < a.min_bias || bias > a.max_bias) {
    return error(Code::safety_refused,
                 fmt::format("{}: bias {:.1f} mA is outside the module's advertised range {:.1f} .. {:.1f} mA",
                             to_string(laser), bias.value(), a.min_bias.value(), a.max_bias.value()));
  }
  auto rate = impl_->check_rate(laser, ramp);
  if (!rate) return rate.status();
  const unsigned lane = p->lane;
  const Milliamps current = p->monitors.bias_setpoint[lane - 1];
  const bool emitting = lit(a, lane) && a.control_mode == cmis::ElsControlMode::acc && current.value() > 0.0;
  if (!emitting || current == bias) {
    return impl_->modify(laser, kPage1B,
                         [&](cmis::PageBytes& page) { return cmis::set_bias_setpoint(page, lane, bias, &a); });
  }
  // Current steps bounded in dB of optical power, which follows the bias above threshold:
  // 10 log10(I1 / I0) is a conservative bound on the power step.
  const double span = std::abs(10.0 * std::log10(bias.value() / current.value()));
  const auto steps =
      static_cast<std::uint32_t>(std::max(1.0, std::ceil(span / impl_->options.laser.max_step.value() - 1e-9)));
  const double ratio = std::pow(bias.value() / current.value(), 1.0 / steps);
  const auto dwell = std::chrono::nanoseconds(static_cast<std::int64_t>(span / steps / rate->value() * 1e9));
  for (std::uint32_t i = 1; i <= steps; ++i) {
    if (ramp.stop.stop_requested()) return cancelled(laser, "ramp");
    const Milliamps setpoint = i == steps ? bias : Milliamps(current.value() * std::pow(ratio, i));
    CPO_RETURN_IF_ERROR(impl_->modify(
        laser, kPage1B, [&](cmis::PageBytes& page) { return cmis::set_bias_setpoint(page, lane, setpoint, &a); }));
    if (ramp.progress) ramp.progress(LaserProgress{laser, LaserPhase::ramp, i, steps, Milliwatts(0), setpoint});
    impl_->backend.sleep(dwell);
  }
  return ok_status();
}

Status DeviceSwitch::set_laser_control_mode(const LaserRef& laser, cmis::ElsControlMode mode) {
  auto claimed = impl_->claim_with_pages(laser);
  if (!claimed) return claimed.status();
  const LaserPages* p = &claimed->pages;
  if (p->advert.control_mode == mode) return ok_status();
  // The mode is one bit for the whole bank: every laser of the bank must be dark.
  for (unsigned lane = 1; lane <= cmis::kLanesPerBank; ++lane) {
    if (cmis::lane_bit(p->advert.lane_enable, lane)) {
      return error(Code::failed_precondition,
                   fmt::format("{}: the control mode of {} bank {} changes only with all its lasers off (laser {} "
                               "is enabled)",
                               to_string(laser), to_string(laser.els), p->bank.value(),
                               p->bank.value() * cmis::kLanesPerBank + lane - 1));
    }
  }
  return impl_->modify(laser, kPage1A, [&](cmis::PageBytes& page) { return cmis::set_control_mode(page, mode); });
}

}  // namespace cpo::sdk
