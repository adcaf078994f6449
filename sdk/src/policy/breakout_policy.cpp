// Breakout policy: validate the whole request, plan, apply per unit in parallel with admin
// states remembered and restored, roll every touched group back when one fails.
#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "core/switch_impl.h"

namespace cpo::sdk {
namespace {

// SONiC writes "1x800G" for the profile's "1x800G[400G]": the same split, the alternative
// speeds omitted. A mode matches a profile mode with the same groups, whatever the
// alternatives it lists (when it lists some, they must be the profile's).
Result<BreakoutMode> profile_mode(const Platform& platform, PortId port, const BreakoutMode& requested) {
  for (const auto& mode : platform.breakout_modes()) {
    const auto& a = mode.groups();
    const auto& b = requested.groups();
    if (a.size() != b.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < a.size() && same; ++i) {
      same = a[i].count == b[i].count && a[i].speed == b[i].speed && a[i].lanes == b[i].lanes &&
             (b[i].alt_speeds.empty() || b[i].alt_speeds == a[i].alt_speeds);
    }
    if (same) return mode;
  }
  // Not a profile mode: check_breakout names the allowed ones.
  CPO_RETURN_IF_ERROR(platform.check_breakout(port, requested));
  return requested;
}

// Every sub-port's lanes must stay inside one CMIS bank of one optical engine: a data path
// is initialised per bank (CMIS 5.2 section 6.3), so a split bank cannot serve one port.
Status check_banks(const Platform& platform, PortId port, const BreakoutMode& mode) {
  auto subs = platform.subports(port, mode);
  if (!subs) return subs.status();
  const PortInfo& info = platform.ports()[port.value()];
  for (std::uint32_t s = 0; s < subs->size(); ++s) {
    const auto& sub = (*subs)[s];
    const LaneInfo& first = platform.lanes()[info.lanes[sub.first].value()];
    for (std::uint32_t k = 1; k < sub.count; ++k) {
      const LaneInfo& lane = platform.lanes()[info.lanes[sub.first + k].value()];
      if (lane.oe != first.oe || lane.bank != first.bank) {
        return error(Code::safety_refused,
                     fmt::format("port {} under {}: sub-port {}/{} would span {} and {} (a sub-port's lanes must stay "
                                 "in one CMIS bank of one optical engine)",
                                 port.value(), mode.to_string(), port.value(), s, to_string(first.oe, first.bank),
                                 to_string(lane.oe, lane.bank)));
      }
    }
  }
  return ok_status();
}

struct Group {
  PortId port;
  UnitId unit;
  BreakoutMode from;
  BreakoutMode to;
  std::uint32_t admin_mask = 0;  // before the change
};

// The admin mask of the new sub-ports: a sub-port is up when any of its lanes belonged to an
// up sub-port before (so 1x800G up -> 4x200G all up, 4x200G with only 59/1 up -> 1x800G up).
Result<std::uint32_t> carried_admin(const Platform& platform, const Group& g, const BreakoutMode& to,
                                    std::uint32_t from_mask) {
  auto before = platform.subports(g.port, g.from);
  auto after = platform.subports(g.port, to);
  if (!before) return before.status();
  if (!after) return after.status();
  std::uint64_t up_lanes = 0;
  for (std::uint32_t s = 0; s < before->size(); ++s) {
    if (((from_mask >> s) & 1u) == 0) continue;
    for (std::uint32_t k = 0; k < (*before)[s].count; ++k) up_lanes |= 1ull << ((*before)[s].first + k);
  }
  std::uint32_t mask = 0;
  for (std::uint32_t s = 0; s < after->size(); ++s) {
    for (std::uint32_t k = 0; k < (*after)[s].count; ++k)
      if ((up_lanes >> ((*after)[s].first + k)) & 1u) mask |= 1u << s;
  }
  return mask;
}

}  // namespace

Status set_admin_mask(Driver& driver, PortId port, std::uint32_t mask, std::uint32_t subports) {
  const std::uint32_t all = subports >= 32 ? 0xffffffffu : (1u << subports) - 1u;
  if (mask == 0) return ok_status();  // sub-ports restart admin down after a breakout
  if ((mask & all) == all) return driver.set_admin_state(port, AdminState::up);
  for (std::uint32_t s = 0; s < subports; ++s) {
    if ((mask >> s) & 1u) CPO_RETURN_IF_ERROR(driver.set_subport_admin_state(LogicalPort{port, s}, AdminState::up));
  }
  return ok_status();
}

namespace {

// One unit's groups: admin down, one bulk breakout, admin restored.
Status apply_unit(Driver& driver, const Platform& platform, const std::vector<Group>& groups) {
  for (const auto& g : groups) {
    if (g.admin_mask != 0) CPO_RETURN_IF_ERROR(driver.set_admin_state(g.port, AdminState::down));
  }
  std::vector<BreakoutRequest> requests;
  for (const auto& g : groups) requests.push_back(BreakoutRequest{g.port, g.to});
  CPO_RETURN_IF_ERROR(driver.set_breakout(requests));
  for (const auto& g : groups) {
    auto mask = carried_admin(platform, g, g.to, g.admin_mask);
    if (!mask) return mask.status();
    CPO_RETURN_IF_ERROR(set_admin_mask(driver, g.port, *mask, g.to.subport_count()));
  }
  return ok_status();
}

// Back to the modes and admin states before the call, whatever landed.
Status roll_back_unit(Driver& driver, const Platform& platform, const std::vector<Group>& groups) {
  Status first;
  std::vector<BreakoutRequest> requests;
  for (const auto& g : groups) {
    Status s = driver.set_admin_state(g.port, AdminState::down);
    if (first.ok()) first = s;
    requests.push_back(BreakoutRequest{g.port, g.from});
  }
  Status s = driver.set_breakout(requests);
  if (first.ok()) first = s;
  for (const auto& g : groups) {
    s = set_admin_mask(driver, g.port, g.admin_mask, g.from.subport_count());
    if (first.ok()) first = s;
  }
  (void)platform;
  return first;
}

}  // namespace

Status DeviceSwitch::Impl::raise_admin(PortId port, std::uint32_t mask, std::uint32_t subports) {
  return set_admin_mask(driver, port, mask, subports);
}

BreakoutMap DeviceSwitch::Impl::breakout_of(const Telemetry& t) const {
  BreakoutMap map;
  const auto& modes = platform.breakout_modes();
  for (const auto& u : t.units)
    for (const auto& p : u.ports)
      if (p.breakout < modes.size() && p.breakout != 0) map.emplace(p.port, modes[p.breakout]);
  return map;
}

Result<BreakoutResult> DeviceSwitch::Impl::breakout(std::span<const BreakoutGroupRequest> requested,
                                                    const BreakoutOptions& opts) {
  const Capabilities& caps = driver.capabilities();
  if (!caps.breakout) {
    return error(Code::unsupported, fmt::format("backend {} does not support breakout", caps.backend));
  }
  // 1. The whole request, before anything is read or written.
  std::set<PortId> seen;
  std::vector<std::pair<PortId, BreakoutMode>> wanted;
  for (const auto& r : requested) {
    CPO_RETURN_IF_ERROR(platform.port(r.port).status());
    if (!seen.insert(r.port).second) {
      return error(
          Code::invalid_argument,
          fmt::format("port {} appears twice in one breakout request (each port at most once)", r.port.value()));
    }
    auto mode = profile_mode(platform, r.port, r.mode);
    if (!mode) return mode.status();
    CPO_RETURN_IF_ERROR(platform.check_breakout(r.port, *mode));
    CPO_RETURN_IF_ERROR(check_banks(platform, r.port, *mode));
    wanted.emplace_back(r.port, *mode);
  }

  // 2. Plan against what the device runs now (status-region reads only).
  std::set<std::uint32_t> units;
  for (const auto& [port, mode] : wanted) units.insert(platform.ports()[port.value()].unit.value());
  std::vector<std::unique_ptr<Lock>> locks;  // in unit order: no deadlock between callers
  if (!opts.dry_run) {
    for (std::uint32_t u : units) locks.push_back(std::make_unique<Lock>(*unit_config[u]));
  }
  Telemetry t;
  CPO_RETURN_IF_ERROR(read_units(t));
  const BreakoutMap current = breakout_of(t);
  std::map<std::uint32_t, std::vector<Group>> by_unit;
  BreakoutResult result;
  for (const auto& [port, mode] : wanted) {
    const BreakoutMode& from = current.count(port) != 0 ? current.at(port) : platform.default_breakout();
    if (from == mode) continue;
    Group g{port, platform.ports()[port.value()].unit, from, mode, 0};
    for (const auto& u : t.units)
      for (const auto& p : u.ports)
        if (p.port == port) g.admin_mask = p.admin_mask;
    result.changes.push_back(BreakoutChange{port, from, mode});
    for (std::uint32_t s = 0; s < from.subport_count(); ++s) result.removed.push_back(LogicalPort{port, s});
    for (std::uint32_t s = 0; s < mode.subport_count(); ++s) result.created.push_back(LogicalPort{port, s});
    by_unit[g.unit.value()].push_back(std::move(g));
  }
  if (opts.dry_run || by_unit.empty()) return result;

  // 3. Apply, one thread per unit (a unit's mailbox serialises its own commands).
  std::vector<std::pair<std::uint32_t, Status>> outcomes(by_unit.size());
  {
    std::vector<std::jthread> workers;
    std::size_t i = 0;
    for (auto& [unit, groups] : by_unit) {
      outcomes[i].first = unit;
      Status* out = &outcomes[i].second;
      const std::vector<Group>* g = &groups;
      auto work = [this, out, g] {
        if (driver.capabilities().bulk_breakout) {
          *out = apply_unit(driver, platform, *g);
        } else {
          for (const auto& one : *g) {
            *out = apply_unit(driver, platform, {one});
            if (!out->ok()) break;
          }
        }
      };
      if (by_unit.size() == 1) {
        work();
      } else {
        workers.emplace_back(work);
      }
      ++i;
    }
  }
  Status failure;
  for (const auto& [unit, s] : outcomes) {
    if (!s.ok() && failure.ok()) failure = s.with_context(fmt::format("breakout on {}", to_string(UnitId(unit))));
  }
  if (failure.ok()) {
    result.applied = true;
    return result;
  }
  // 4. Roll back every unit, the successful ones too: the request is all or nothing.
  std::vector<std::string> stuck;
  for (auto& [unit, groups] : by_unit) {
    Status s = roll_back_unit(driver, platform, groups);
    if (!s.ok()) stuck.push_back(fmt::format("{} ({})", to_string(UnitId(unit)), s.message()));
  }
  if (!stuck.empty()) {
    return error(failure.code(), fmt::format("{}; the other units were rolled back, rolling back {} failed too: run "
                                             "the breakout again once the device answers",
                                             failure.message(), fmt::join(stuck, "; ")));
  }
  return error(failure.code(),
               failure.message() + " (every group was rolled back to its previous mode and admin state)");
}

Result<BreakoutResult> DeviceSwitch::breakout(std::span<const BreakoutGroupRequest> groups,
                                              const BreakoutOptions& options) {
  return impl_->breakout(groups, options);
}

}  // namespace cpo::sdk
