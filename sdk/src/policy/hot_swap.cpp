// The guided hot-swap of an ELS module: one sequenced operation whose steps are reported to
// the caller and to every event subscriber, each with a deadline.
#include <algorithm>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "core/switch_impl.h"
#include "core/telemetry_lookup.h"

namespace cpo::sdk {
namespace {

constexpr std::uint8_t kPage10 = 0x10;
constexpr auto kPoll = std::chrono::milliseconds(100);

// Sets or clears CMIS DPDeinit (page 10h) for `lanes`, one read-modify-write per bank.
Status set_deinit(Driver& driver, const Platform& platform, const std::vector<LaneId>& lanes, bool deinit) {
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<unsigned>> banks;
  for (LaneId l : lanes) {
    const LaneInfo& info = platform.lanes()[l.value()];
    banks[{info.oe.value(), info.bank.value()}].push_back(info.index_in_bank + 1);
  }
  for (const auto& [key, cmis_lanes] : banks) {
    const CmisAddress address{OeId(key.first), BankId(key.second), kPage10, 128};
    cmis::PageBytes before{};
    CPO_RETURN_IF_ERROR(driver.read_cmis(address, before));
    cmis::PageBytes after = before;
    for (unsigned lane : cmis_lanes) CPO_RETURN_IF_ERROR(cmis::set_data_path_deinit(after, lane, deinit));
    for (std::size_t i = 0; i < after.size();) {
      if (after[i] == before[i]) {
        ++i;
        continue;
      }
      std::size_t end = i + 1;
      while (end < after.size() && after[end] != before[end]) ++end;
      CmisAddress at = address;
      at.offset = static_cast<std::uint16_t>(128 + i);
      CPO_RETURN_IF_ERROR(driver.write_cmis(at, std::span<const std::uint8_t>(after.data() + i, end - i)));
      i = end;
    }
  }
  return ok_status();
}

}  // namespace

Result<HotSwapReport> DeviceSwitch::hot_swap(ElsId els, const HotSwapOptions& opts) {
  Impl& m = *impl_;
  auto info = m.platform.els(els);
  if (!info) return info.status();
  std::vector<BusyLaser> claims;
  for (const auto& laser : (*info)->lasers) {
    auto c = m.claim(laser.ref);
    if (!c) return c.status();
    claims.push_back(std::move(c).value());
  }
  Telemetry t;
  CPO_RETURN_IF_ERROR(m.read_units(t));
  const ElsTelemetry* e = find_els(t, els);
  if (e == nullptr || !e->present) {
    return error(Code::failed_precondition,
                 fmt::format("{} is already absent: insert the new module, then enable its lasers", to_string(els)));
  }
  auto lanes = m.platform.impacted_lanes(els);
  if (!lanes) return lanes.status();
  auto ports = m.platform.impacted_ports(els, m.breakout_of(t));
  if (!ports) return ports.status();

  // What to restore: admin masks and sub-port counts of the ports the ELS lights, and the
  // power each laser ran at.
  std::map<PortId, std::pair<std::uint32_t, std::uint32_t>> admin;  // port -> (mask, sub-ports)
  for (const LogicalPort& lp : *ports) admin.emplace(lp.port, std::pair<std::uint32_t, std::uint32_t>{0, 0});
  for (const auto& u : t.units)
    for (const auto& p : u.ports)
      if (auto it = admin.find(p.port); it != admin.end()) it->second = {p.admin_mask, p.subports};
  std::vector<Milliwatts> targets;
  for (const auto& laser : (*info)->lasers) {
    auto p = m.pages(laser.ref, t);
    if (!p) return p.status();
    targets.push_back(opts.power.value_or(p->monitors.power_setpoint[p->lane - 1]));
    auto limits = m.limits_of(laser.ref, *p);
    if (!limits) return limits.status();
    CPO_RETURN_IF_ERROR(m.check_power(laser.ref, targets.back(), *limits));
  }
  const auto rate = m.check_rate(LaserRef{els, 0}, RampOptions{});
  if (!rate) return rate.status();

  HotSwapReport report;
  report.els = els;
  const UnitId owner = lanes->empty() ? UnitId(0) : m.platform.lanes()[lanes->front().value()].unit;
  const auto announce = [&](SwapStep step, bool done, bool failed, std::string detail) {
    m.publish(Event{owner, m.backend.now(), false, ElsSwap{els, step, done, failed}});
    if (opts.progress) opts.progress(SwapProgress{els, step, done || failed, std::move(detail)});
  };
  // Runs one step: announce, do, announce; a failure names the step.
  const auto step = [&](SwapStep s, const std::function<Status()>& work) -> Status {
    announce(s, false, false, "");
    if (opts.stop.stop_requested()) {
      announce(s, false, true, "cancelled");
      return error(Code::failed_precondition, fmt::format("{} hot-swap cancelled at {}", to_string(els), to_string(s)));
    }
    Status r = work();
    announce(s, r.ok(), !r.ok(), r.ok() ? "" : r.message());
    return r.ok() ? r : r.with_context(fmt::format("{} hot-swap, step {}", to_string(els), to_string(s)));
  };
  // Waits (device time) until `ready` or the deadline; cancellable.
  const auto wait_until = [&](std::chrono::nanoseconds limit, std::string_view what,
                              const std::function<Result<bool>()>& ready) -> Status {
    const auto deadline = m.backend.now() + limit;
    while (true) {
      auto r = ready();
      if (!r) return r.status();
      if (*r) return ok_status();
      if (opts.stop.stop_requested()) return error(Code::failed_precondition, fmt::format("cancelled while {}", what));
      if (m.backend.now() >= deadline) {
        return error(Code::timeout, fmt::format("{} did not happen within {} ms", what,
                                                std::chrono::duration_cast<std::chrono::milliseconds>(limit).count()));
      }
      m.backend.sleep(kPoll);
    }
  };
  const auto present_is = [&](bool want) {
    return [&m, els, want]() -> Result<bool> {
      Telemetry now;
      CPO_RETURN_IF_ERROR(m.read_units(now));
      const ElsTelemetry* x = find_els(now, els);
      const bool present = x != nullptr && x->present;
      return want ? present && x->module_state == cmis::ModuleState::ready : !present;
    };
  };

  CPO_RETURN_IF_ERROR(step(SwapStep::deinit_data_paths, [&] {
    for (const auto& [port, state] : admin) {
      if (state.first != 0) CPO_RETURN_IF_ERROR(m.driver.set_admin_state(port, AdminState::down));
    }
    return set_deinit(m.driver, m.platform, *lanes, true);
  }));
  CPO_RETURN_IF_ERROR(step(SwapStep::lasers_off, [&] {
    for (const auto& laser : (*info)->lasers) CPO_RETURN_IF_ERROR(m.turn_off(laser.ref));
    return ok_status();
  }));
  CPO_RETURN_IF_ERROR(step(SwapStep::wait_removal, [&] {
    return wait_until(opts.removal_timeout, fmt::format("removal of {}", to_string(els)), present_is(false));
  }));
  CPO_RETURN_IF_ERROR(step(SwapStep::wait_insertion, [&] {
    return wait_until(opts.insertion_timeout, fmt::format("insertion of a ready module in {}", to_string(els)),
                      present_is(true));
  }));

  std::vector<LaserPages> fresh;
  CPO_RETURN_IF_ERROR(step(SwapStep::fiber_check, [&] {
    Telemetry now;
    CPO_RETURN_IF_ERROR(m.read_units(now));
    Status closed = (*info)->lasers.empty() ? ok_status() : m.interlock_closed((*info)->lasers.front().ref, now);
    if (!closed.ok()) {
      // The slot's interlock is open: no laser is lit, so no fiber can be judged.
      for (const auto& laser : (*info)->lasers) {
        FiberCheck check;
        check.laser = laser.ref;
        check.verdict = FiberVerdict::interlock_open;
        check.loss = Decibels(std::numeric_limits<double>::quiet_NaN());
        check.allowed = m.options.laser.max_fiber_loss;
        report.fiber_checks.push_back(check);
      }
      report.failure = closed.message();
      return ok_status();
    }
    for (const auto& laser : (*info)->lasers) {
      auto p = m.pages(laser.ref, now);  // the new module: its pages are read afresh
      if (!p) return p.status();
      auto check = m.fiber_check(laser.ref, *p, opts.stop);
      if (!check) {
        if (check.status().code() != Code::safety_refused) return check.status();
        report.failure = check.status().message();
        break;
      }
      report.fiber_checks.push_back(*check);
      auto again = m.pages(laser.ref, now);
      if (!again) return again.status();
      fresh.push_back(*again);
    }
    return ok_status();
  }));
  if (!report.failure.empty()) {
    // The new module failed: every laser of it stays off; the ports stay down.
    for (const auto& laser : (*info)->lasers) (void)m.turn_off(laser.ref);
    return report;
  }
  CPO_RETURN_IF_ERROR(step(SwapStep::ramp, [&] {
    for (std::size_t k = 0; k < fresh.size(); ++k) {
      RampOptions ramp;
      ramp.stop = opts.stop;
      CPO_RETURN_IF_ERROR(m.light_checked((*info)->lasers[k].ref, fresh[k], targets[k], *rate, ramp));
    }
    report.lasers_lit = true;
    return ok_status();
  }));
  CPO_RETURN_IF_ERROR(step(SwapStep::reinit_data_paths, [&] {
    CPO_RETURN_IF_ERROR(set_deinit(m.driver, m.platform, *lanes, false));
    return wait_until(opts.step_timeout, "data path activation", [&]() -> Result<bool> {
      Telemetry now;
      CPO_RETURN_IF_ERROR(m.read_units(now));
      for (const auto& u : now.units)
        for (const auto& l : u.lanes)
          if (std::find(lanes->begin(), lanes->end(), l.lane) != lanes->end() &&
              l.data_path_state != cmis::DataPathState::activated)
            return false;
      return true;
    });
  }));
  CPO_RETURN_IF_ERROR(step(SwapStep::restore_admin, [&] {
    for (const auto& [port, state] : admin) {
      if (state.first == 0) continue;
      CPO_RETURN_IF_ERROR(m.raise_admin(port, state.first, state.second));
      for (std::uint32_t s = 0; s < state.second; ++s)
        if ((state.first >> s) & 1u) report.restored.push_back(LogicalPort{port, s});
    }
    return ok_status();
  }));
  return report;
}

}  // namespace cpo::sdk
