#include "cpo/hal/platform.h"

#include <algorithm>
#include <set>
#include <utility>

#include <fmt/format.h>

namespace cpo {
namespace {

Status range_error(std::string_view what, std::uint32_t id, std::size_t count) {
  if (count == 0) return error(Code::out_of_range, fmt::format("{} {} does not exist (there are none)", what, id));
  return error(Code::out_of_range, fmt::format("{} {} does not exist (allowed 0..{})", what, id, count - 1));
}

}  // namespace

std::string to_string(const FailureDomain& domain) {
  return std::visit([](const auto& d) { return cpo::to_string(d); }, domain);
}

std::optional<std::uint8_t> Platform::els_page(std::uint8_t logical) const noexcept {
  for (const auto& r : els_page_map_) {
    if (r.logical == logical) return r.physical;
  }
  for (const auto& r : els_page_map_) {
    if (r.physical == logical) return std::nullopt;
  }
  return logical;
}

std::optional<std::uint8_t> Platform::els_logical_page(std::uint8_t physical) const noexcept {
  for (const auto& r : els_page_map_) {
    if (r.physical == physical) return r.logical;
  }
  for (const auto& r : els_page_map_) {
    if (r.logical == physical) return std::nullopt;
  }
  return physical;
}

std::size_t Platform::bank_count() const noexcept {
  std::size_t n = 0;
  for (const auto& oe : oes_) n += oe.banks.size();
  return n;
}

std::size_t Platform::laser_count() const noexcept {
  std::size_t n = 0;
  for (const auto& els : els_) n += els.lasers.size();
  return n;
}

Result<const UnitInfo*> Platform::unit(UnitId id) const {
  if (id.value() >= units_.size()) return range_error("unit", id.value(), units_.size());
  return &units_[id.value()];
}
Result<const PortInfo*> Platform::port(PortId id) const {
  if (id.value() >= ports_.size()) return range_error("port", id.value(), ports_.size());
  return &ports_[id.value()];
}
Result<const LaneInfo*> Platform::lane(LaneId id) const {
  if (id.value() >= lanes_.size()) return range_error("lane", id.value(), lanes_.size());
  return &lanes_[id.value()];
}
Result<const OeInfo*> Platform::optical_engine(OeId id) const {
  if (id.value() >= oes_.size()) return range_error("oe", id.value(), oes_.size());
  return &oes_[id.value()];
}
Result<const ElsInfo*> Platform::els(ElsId id) const {
  if (id.value() >= els_.size()) return range_error("els", id.value(), els_.size());
  return &els_[id.value()];
}
Result<const LaserInfo*> Platform::laser(const LaserRef& ref) const {
  auto module = els(ref.els);
  if (!module) return module.status();
  const auto& lasers = (*module)->lasers;
  if (ref.index >= lasers.size()) {
    return error(Code::out_of_range, fmt::format("{} does not exist ({} has lasers 0..{})", to_string(ref),
                                                 to_string(ref.els), lasers.size() - 1));
  }
  return &lasers[ref.index];
}

Result<std::vector<PortId>> Platform::ports_of(UnitId id) const {
  auto u = unit(id);
  if (!u) return u.status();
  std::vector<PortId> out;
  for (const auto& p : ports_) {
    if (p.unit == id) out.push_back(p.id);
  }
  return out;
}

Result<UnitRanges> Platform::unit_ranges(UnitId id) const {
  auto u = unit(id);
  if (!u) return u.status();
  struct Span {
    std::uint32_t lo = ~0u, hi = 0, n = 0;
    void add(std::uint32_t v) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      ++n;
    }
    [[nodiscard]] std::uint32_t count() const { return n == 0 ? 0 : hi - lo + 1; }
  };
  Span ports, lanes, oes, els;
  for (const auto& p : ports_)
    if (p.unit == id) ports.add(p.id.value());
  for (const auto& l : lanes_) {
    if (l.unit != id) continue;
    lanes.add(l.id.value());
    els.add(l.laser.els.value());
  }
  for (const auto& o : oes_)
    if (o.unit == id) oes.add(o.id.value());
  for (const auto& [what, span] :
       {std::pair{"ports", ports}, std::pair{"lanes", lanes}, std::pair{"optical engines", oes}}) {
    if (span.n == 0 || span.count() != span.n) {
      return error(Code::invalid_argument, fmt::format("profile {}: the {} of {} are {}", name_, what, to_string(id),
                                                       span.n == 0 ? "missing" : "not numbered contiguously"));
    }
  }
  return UnitRanges{ports.lo, ports.count(), lanes.lo, lanes.count(), oes.lo, oes.count(), els.lo, els.count()};
}

Status Platform::check_breakout(PortId port_id, const BreakoutMode& mode) const {
  auto p = port(port_id);
  if (!p) return p.status();
  if (std::find(breakout_modes_.begin(), breakout_modes_.end(), mode) == breakout_modes_.end()) {
    std::string allowed;
    for (const auto& m : breakout_modes_) allowed += (allowed.empty() ? "" : ", ") + m.to_string();
    return error(Code::unsupported, fmt::format("{}: breakout mode '{}' is not supported by profile {} (allowed: {})",
                                                to_string(port_id), mode.to_string(), name_, allowed));
  }
  return ok_status();
}

Result<std::vector<SubportLanes>> Platform::subports(PortId port_id, const BreakoutMode& mode) const {
  CPO_RETURN_IF_ERROR(check_breakout(port_id, mode));
  auto layout = mode.assign(static_cast<std::uint32_t>(ports_[port_id.value()].lanes.size()), lane_rate_);
  if (!layout) return layout.status().with_context(to_string(port_id));
  return layout;
}

Result<std::vector<LaneId>> Platform::impacted_lanes(const FailureDomain& domain) const {
  std::vector<LaneId> lanes;
  if (const auto* laser_ref = std::get_if<LaserRef>(&domain)) {
    auto l = laser(*laser_ref);
    if (!l) return l.status();
    lanes = (*l)->lanes;
  } else if (const auto* els_id = std::get_if<ElsId>(&domain)) {
    auto e = els(*els_id);
    if (!e) return e.status();
    for (const auto& l : (*e)->lasers) lanes.insert(lanes.end(), l.lanes.begin(), l.lanes.end());
  } else {
    auto oe = optical_engine(std::get<OeId>(domain));
    if (!oe) return oe.status();
    for (const auto& bank : (*oe)->banks) lanes.insert(lanes.end(), bank.lanes.begin(), bank.lanes.end());
  }
  std::sort(lanes.begin(), lanes.end());
  return lanes;
}

Result<std::vector<LogicalPort>> Platform::impacted_ports(const FailureDomain& domain,
                                                          const BreakoutMap& breakout) const {
  // Validate the whole map first, so a bad entry is reported whatever the failure domain.
  for (const auto& [port_id, mode] : breakout) CPO_RETURN_IF_ERROR(check_breakout(port_id, mode));
  auto lanes = impacted_lanes(domain);
  if (!lanes) return lanes.status();
  std::set<LogicalPort> hit;
  for (LaneId lane_id : *lanes) {
    const LaneInfo& lane = lanes_[lane_id.value()];
    auto it = breakout.find(lane.port);
    const BreakoutMode& mode = it == breakout.end() ? default_breakout() : it->second;
    auto layout = subports(lane.port, mode);
    if (!layout) return layout.status();
    for (std::uint32_t s = 0; s < layout->size(); ++s) {
      const auto& sub = (*layout)[s];
      if (lane.index_in_port >= sub.first && lane.index_in_port < sub.first + sub.count)
        hit.insert(LogicalPort{lane.port, s});
    }
  }
  return std::vector<LogicalPort>(hit.begin(), hit.end());
}

}  // namespace cpo
