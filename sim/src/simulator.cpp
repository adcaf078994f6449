// Public face of the simulator: Switch, Fabric and the Backdoor, over the World model.
#include "cpo/sim/simulator.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "physics.h"
#include "world_set.h"

namespace cpo::sim {

// ---------------------------------------------------------------------------- Switch
Switch::Switch(std::shared_ptr<WorldSet> worlds, std::size_t index)
    : worlds_(std::move(worlds)), index_(index), backdoor_(std::make_unique<Backdoor>(worlds_, index)) {}
Switch::~Switch() = default;

Result<std::unique_ptr<Switch>> Switch::create(const SimOptions& options) {
  auto worlds = std::make_shared<WorldSet>(options.clock, Fabric::kAutoWorkers);
  Result<std::size_t> index = worlds->add_switch(options);
  if (!index.ok()) return index.status();
  worlds->start_clock_thread();
  return std::unique_ptr<Switch>(new Switch(worlds, *index));
}

const Platform& Switch::platform() const noexcept { return worlds_->sw(index_).platform; }
std::size_t Switch::unit_count() const noexcept { return worlds_->sw(index_).units.size(); }
Bar& Switch::bar(std::size_t unit) noexcept { return *worlds_->sw(index_).units[unit]->bar; }
void Switch::advance(std::chrono::nanoseconds d) { worlds_->advance(d); }
std::chrono::nanoseconds Switch::now() const noexcept { return worlds_->sw(index_).units[0]->bar->now(); }
Backdoor& Switch::backdoor() noexcept { return *backdoor_; }

Result<std::uint32_t> Switch::copy_status(std::size_t unit, std::span<std::uint32_t> host) {
  SwitchLock held(worlds_->sw(index_));
  SwitchModel& s = held.sw();
  if (unit >= s.units.size())
    return Status(Code::out_of_range,
                  "unit " + std::to_string(unit) + ": allowed 0.." + std::to_string(s.units.size() - 1));
  if (host.size() > refdev::region::kStatus.bytes / 4)
    return Status(Code::out_of_range, std::to_string(host.size()) + " words: the status region has " +
                                          std::to_string(refdev::region::kStatus.bytes / 4));
  UnitModel& u = *s.units[unit];
  if (u.hung) return Status(Code::failed_precondition, "unit " + std::to_string(unit) + ": the firmware is hung");
  return held.world().publisher().copy_status(s, u, host.data(), static_cast<std::uint32_t>(host.size() * 4));
}

// ---------------------------------------------------------------------------- Fabric
Fabric::Fabric(ClockMode clock, std::size_t workers) : worlds_(std::make_shared<WorldSet>(clock, workers)) {}
Fabric::~Fabric() {
  switches_.clear();
  worlds_.reset();
}

Result<Switch*> Fabric::add(const SimOptions& options) {
  Result<std::size_t> index = worlds_->add_switch(options);
  if (!index.ok()) return index.status();
  switches_.push_back(std::unique_ptr<Switch>(new Switch(worlds_, *index)));
  worlds_->start_clock_thread();
  return switches_.back().get();
}

Status Fabric::connect(Switch& sa, PortId a, Switch& sb, PortId b, Decibels loss) {
  if (sa.worlds_ != worlds_ || sb.worlds_ != worlds_)
    return Status(Code::invalid_argument, "fabric connect: both switches must belong to this fabric");
  if (!(loss.value() >= 0)) return Status(Code::invalid_argument, "fabric connect: loss must be >= 0 dB");
  return worlds_->connect(sa.index_, a, sb.index_, b, loss.value());
}

void Fabric::advance(std::chrono::nanoseconds d) { worlds_->advance(d); }
std::chrono::nanoseconds Fabric::now() const noexcept { return worlds_->now(); }
std::size_t Fabric::size() const noexcept { return switches_.size(); }

// ---------------------------------------------------------------------------- Backdoor
namespace {
Status range(std::string what, std::size_t value, std::size_t count) {
  return Status(Code::out_of_range, what + " " + std::to_string(value) + ": allowed 0.." + std::to_string(count - 1));
}
}  // namespace

#define CPO_SIM_LOCK                            \
  SwitchLock held(worlds_->sw(sw_));            \
  [[maybe_unused]] World& world = held.world(); \
  SwitchModel& s = held.sw();                   \
  (void)s

Status Backdoor::fail_laser(const LaserRef& laser) {
  CPO_SIM_LOCK;
  auto info = s.platform.laser(laser);
  if (!info.ok()) return info.status();
  world.optics().laser_fail(s, laser.els.value(), laser.index, refdev::LaserFault::kApcLoop);
  world.settle();
  return ok_status();
}

Status Backdoor::repair_laser(const LaserRef& laser) {
  CPO_SIM_LOCK;
  auto info = s.platform.laser(laser);
  if (!info.ok()) return info.status();
  LaserModel& l = s.els[laser.els.value()].lasers[laser.index];
  l.failed = false;
  return ok_status();
}

Status Backdoor::set_laser_age(const LaserRef& laser, std::chrono::hours age) {
  CPO_SIM_LOCK;
  auto info = s.platform.laser(laser);
  if (!info.ok()) return info.status();
  if (age.count() < 0) return Status(Code::invalid_argument, to_string(laser) + ": age must be >= 0 hours");
  if (age.count() > 0xFFFFFFFFLL)
    return Status(Code::out_of_range, to_string(laser) + ": age " + std::to_string(age.count()) +
                                          " h does not fit the AgeHours register (allowed 0..4294967295 h)");
  s.els[laser.els.value()].lasers[laser.index].age_h = static_cast<double>(age.count());
  world.mark_dirty(s);  // its bias (APC) or output (ACC) moves at the next tick
  return ok_status();
}

Status Backdoor::set_laser_fiber_loss(const LaserRef& laser, Decibels loss) {
  CPO_SIM_LOCK;
  if (laser.els.value() >= s.els.size() || laser.index >= s.lasers_per_els)
    return Status(Code::out_of_range, to_string(laser) + ": allowed els 0.." + std::to_string(s.els.size() - 1) +
                                          ", laser 0.." + std::to_string(s.lasers_per_els - 1));
  if (std::isnan(loss.value()) || loss.value() < 0)
    return Status(Code::invalid_argument, to_string(laser) + ": fiber loss must be >= 0 dB");
  s.els[laser.els.value()].set_fiber_loss(laser.index, std::min(loss.value(), phys::kDisconnectedLossDb));
  world.mark_dirty(s);
  world.settle();
  return ok_status();
}

Status Backdoor::remove_els(ElsId els) {
  CPO_SIM_LOCK;
  if (els.value() >= s.els.size()) return range("els", els.value(), s.els.size());
  if (!s.els[els.value()].present) return Status(Code::failed_precondition, to_string(els) + " is already removed");
  world.optics().els_remove(s, els.value());
  world.settle();
  return ok_status();
}

Status Backdoor::insert_els(ElsId els) {
  CPO_SIM_LOCK;
  if (els.value() >= s.els.size()) return range("els", els.value(), s.els.size());
  if (s.els[els.value()].present) return Status(Code::failed_precondition, to_string(els) + " is already inserted");
  world.optics().els_insert(s, els.value());
  world.settle();
  return ok_status();
}

Status Backdoor::open_interlock(ElsId els) {
  CPO_SIM_LOCK;
  if (els.value() >= s.els.size()) return range("els", els.value(), s.els.size());
  if (s.els[els.value()].interlock_open)
    return Status(Code::failed_precondition, to_string(els) + ": interlock is already open");
  world.optics().els_interlock(s, els.value(), true);
  world.settle();
  return ok_status();
}

Status Backdoor::close_interlock(ElsId els) {
  CPO_SIM_LOCK;
  if (els.value() >= s.els.size()) return range("els", els.value(), s.els.size());
  if (!s.els[els.value()].interlock_open)
    return Status(Code::failed_precondition, to_string(els) + ": interlock is already closed");
  world.optics().els_interlock(s, els.value(), false);
  world.settle();
  return ok_status();
}

Status Backdoor::set_fiber_loss(PortId port, int lane_in_port, Decibels loss) {
  CPO_SIM_LOCK;
  if (port.value() >= s.ports.size()) return range("port", port.value(), s.ports.size());
  const PortModel& p = s.ports[port.value()];
  if (lane_in_port >= static_cast<int>(p.lanes))
    return Status(Code::out_of_range, to_string(port) + " lane " + std::to_string(lane_in_port) + ": allowed 0.." +
                                          std::to_string(p.lanes - 1) + " or -1 for every lane");
  if (std::isnan(loss.value()) || loss.value() < 0)
    return Status(Code::invalid_argument, to_string(port) + ": fiber loss must be >= 0 dB");
  const double db = std::min(loss.value(), phys::kDisconnectedLossDb);
  for (std::uint32_t i = 0; i < p.lanes; ++i)
    if (lane_in_port < 0 || static_cast<std::uint32_t>(lane_in_port) == i) s.lanes[p.first_lane + i].fiber_loss_db = db;
  world.mark_dirty(s);
  world.settle();
  return ok_status();
}

Status Backdoor::cut_fiber(PortId port, int lane_in_port) {
  return set_fiber_loss(port, lane_in_port, Decibels(std::numeric_limits<double>::infinity()));
}

Status Backdoor::fail_oe(OeId oe, bool unresponsive) {
  CPO_SIM_LOCK;
  if (oe.value() >= s.oes.size()) return range("oe", oe.value(), s.oes.size());
  world.optics().oe_fail(s, oe.value(), unresponsive);
  world.settle();
  return ok_status();
}

Status Backdoor::repair_oe(OeId oe) {
  CPO_SIM_LOCK;
  if (oe.value() >= s.oes.size()) return range("oe", oe.value(), s.oes.size());
  world.optics().oe_repair(s, oe.value());
  world.settle();
  return ok_status();
}

Status Backdoor::set_coolant_temperature(Celsius t) {
  CPO_SIM_LOCK;
  if (!(t.value() >= -20.0 && t.value() <= 120.0))
    return Status(Code::out_of_range, "coolant temperature " + to_string(t) + ": allowed -20..120 degC");
  s.coolant_c = t.value();
  world.mark_dirty(s);  // every temperature heads for a new target from the next tick
  return ok_status();
}

Status Backdoor::overheat_oe(OeId oe, Celsius extra_rise) {
  CPO_SIM_LOCK;
  if (oe.value() >= s.oes.size()) return range("oe", oe.value(), s.oes.size());
  s.oes[oe.value()].extra_rise = extra_rise.value();
  world.mark_dirty(s);
  return ok_status();
}

Status Backdoor::overheat_els(ElsId els, Celsius extra_rise) {
  CPO_SIM_LOCK;
  if (els.value() >= s.els.size()) return range("els", els.value(), s.els.size());
  s.els[els.value()].extra_rise = extra_rise.value();
  world.mark_dirty(s);
  return ok_status();
}

Status Backdoor::degrade_lane(LaneId lane, Decibels snr_penalty) {
  CPO_SIM_LOCK;
  if (lane.value() >= s.lanes.size()) return range("lane", lane.value(), s.lanes.size());
  if (!(snr_penalty.value() >= 0)) return Status(Code::invalid_argument, to_string(lane) + ": penalty must be >= 0 dB");
  s.lanes[lane.value()].degrade_db = snr_penalty.value();
  world.mark_dirty(s);
  world.settle();
  return ok_status();
}

Status Backdoor::hang_firmware(UnitId unit, bool hung) {
  CPO_SIM_LOCK;
  if (unit.value() >= s.units.size()) return range("unit", unit.value(), s.units.size());
  s.units[unit.value()]->hung = hung;
  return ok_status();
}

Status Backdoor::pcie_error_reads(UnitId unit, std::uint32_t reads) {
  CPO_SIM_LOCK;
  if (unit.value() >= s.units.size()) return range("unit", unit.value(), s.units.size());
  s.units[unit.value()]->pcie_error_reads.store(reads);
  return ok_status();
}

Status Backdoor::surprise_remove(UnitId unit) {
  CPO_SIM_LOCK;
  if (unit.value() >= s.units.size()) return range("unit", unit.value(), s.units.size());
  s.units[unit.value()]->removed.store(true);
  s.units[unit.value()]->hung = true;
  return ok_status();
}

Result<std::uint64_t> Backdoor::write_count(UnitId unit) const {
  CPO_SIM_LOCK;
  if (unit.value() >= s.units.size()) return range("unit", unit.value(), s.units.size());
  return s.units[unit.value()]->writes.load();
}

Result<std::vector<std::uint32_t>> Backdoor::snapshot(UnitId unit) const {
  CPO_SIM_LOCK;
  if (unit.value() >= s.units.size()) return range("unit", unit.value(), s.units.size());
  std::vector<std::uint32_t> out(refdev::kWindowBytes / 4);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = s.units[unit.value()]->win.load(4 * i);
  return out;
}

Result<Dbm> Backdoor::rx_power_dbm(LaneId lane) const {
  CPO_SIM_LOCK;
  if (lane.value() >= s.lanes.size()) return range("lane", lane.value(), s.lanes.size());
  const double dbm = s.lanes[lane.value()].rx_dbm;
  return Dbm(dbm <= -99.0 ? -std::numeric_limits<double>::infinity() : dbm);
}

Result<Decibels> Backdoor::snr_db(LaneId lane) const {
  CPO_SIM_LOCK;
  if (lane.value() >= s.lanes.size()) return range("lane", lane.value(), s.lanes.size());
  return Decibels(s.lanes[lane.value()].snr);
}

Result<Celsius> Backdoor::oe_temperature(OeId oe) const {
  CPO_SIM_LOCK;
  if (oe.value() >= s.oes.size()) return range("oe", oe.value(), s.oes.size());
  return Celsius(s.oes[oe.value()].temp_c);
}

Result<Celsius> Backdoor::laser_temperature(const LaserRef& laser) const {
  CPO_SIM_LOCK;
  auto info = s.platform.laser(laser);
  if (!info.ok()) return info.status();
  return Celsius(s.els[laser.els.value()].lasers[laser.index].temp_c);
}

#undef CPO_SIM_LOCK

}  // namespace cpo::sim
