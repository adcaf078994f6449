// Opening the reference driver: each unit's identity block checked against the profile,
// capabilities from what every unit supports, and how a unit that went away is reported.
#include "driver_impl.h"

#include <fmt/format.h>

namespace cpo::reference {

Status ReferenceDriver::Impl::gone_status(const Unit& u) {
  return error(Code::device_gone,
               fmt::format("{}: device gone (identity block reads 0xffffffff: surprise removal or fatal PCIe error)",
                           to_string(u.id)));
}

Status ReferenceDriver::Impl::check_identity(Unit& u) {
  if (u.gone.load(std::memory_order_acquire)) return gone_status(u);
  if (u.rd32(rd::reg::kMagic) == rd::kMagic) return ok_status();
  u.gone.store(true, std::memory_order_release);
  return gone_status(u);
}

Status ReferenceDriver::Impl::note(Status s) {
  if (s.code() == Code::timeout) logger()->warn("{}", s.to_string());
  if (s.code() == Code::device_gone) {
    for (auto& u : units) {
      if (u->gone.load(std::memory_order_acquire) && !u->gone_logged.exchange(true)) {
        logger()->error("{}", gone_status(*u).to_string());
      }
    }
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// open

namespace {

Status mismatch(UnitId unit, std::string_view reg, std::uint32_t device, std::uint64_t platform,
                std::string_view profile) {
  return error(Code::invalid_argument, fmt::format("{}: identity register {} reads {} but profile {} expects {}",
                                                   to_string(unit), reg, device, profile, platform));
}

}  // namespace

Result<std::unique_ptr<ReferenceDriver>> ReferenceDriver::open(const Platform& platform, std::span<Bar* const> bars,
                                                               const Options& options) {
  auto impl = std::make_unique<Impl>(platform);
  impl->options = options;
  const std::size_t unit_count = platform.units().size();
  if (bars.size() != unit_count) {
    return error(Code::invalid_argument, fmt::format("profile {} has {} units but {} register windows were given",
                                                     platform.name(), unit_count, bars.size()));
  }
  impl->port_loc.resize(platform.ports().size(), {nullptr, 0});
  impl->lane_loc.resize(platform.lanes().size(), {nullptr, 0});
  impl->oe_loc.resize(platform.optical_engines().size(), {nullptr, 0});
  impl->els_loc.resize(platform.els_modules().size(), {nullptr, 0});
  std::uint32_t common_caps = kAllOnes, breakout_caps = kAllOnes, fec_caps = kAllOnes, prbs_caps = kAllOnes,
                loopback_caps = kAllOnes;

  for (std::size_t i = 0; i < unit_count; ++i) {
    const UnitId uid(static_cast<std::uint32_t>(i));
    Bar* bar = bars[i];
    if (bar == nullptr) return error(Code::invalid_argument, fmt::format("{}: no register window", to_string(uid)));
    if (bar->size() < rd::kWindowBytes) {
      return error(Code::invalid_argument,
                   fmt::format("{}: register window of {} bytes is smaller than the reference interface's {}",
                               to_string(uid), bar->size(), rd::kWindowBytes));
    }
    const std::uint32_t magic = bar->read32(rd::reg::kMagic);
    if (magic == kAllOnes) {
      return error(Code::device_gone,
                   fmt::format("{}: identity block reads 0xffffffff (no device behind the window)", to_string(uid)));
    }
    if (magic != rd::kMagic) {
      return error(Code::invalid_argument,
                   fmt::format("{}: magic {:#010x} is not a cposdk reference device (expected {:#010x}, \"CPOD\")",
                               to_string(uid), magic, rd::kMagic));
    }
    auto unit = std::make_unique<Impl::Unit>();
    unit->id = uid;
    unit->bar = bar;
    // MbxDoorbell reads back the last tag rung: continue from it, so a driver opened after
    // another (a restarted process) never rings a tag the device takes for the old one.
    {
      Lock lock(unit->mailbox_mutex);  // not shared yet; the lock only states the rule
      unit->last_tag = bar->read32(rd::reg::kMbxDoorbell);
    }
    Identity& id = unit->ident;
    const auto r = [&](std::size_t off) { return bar->read32(off); };
    id.version = r(rd::reg::kVersion);
    const std::uint32_t major = rd::bits::kVersionMajor.get(id.version);
    const std::uint32_t minor = rd::bits::kVersionMinor.get(id.version);
    if (major != rd::kVersionMajor) {
      return error(Code::unsupported,
                   fmt::format("{}: reference interface version {}.{} is not supported (this driver speaks {}.x)",
                               to_string(uid), major, minor, rd::kVersionMajor));
    }
    id.port_count = r(rd::reg::kPortCount);
    id.first_port = r(rd::reg::kFirstPort);
    id.lanes_per_port = r(rd::reg::kLanesPerPort);
    id.lane_count = r(rd::reg::kLaneCount);
    id.port_speed_gbps = r(rd::reg::kPortSpeedGbps);
    id.first_lane = r(rd::reg::kFirstLane);
    id.oe_count = r(rd::reg::kOeCount);
    id.first_oe = r(rd::reg::kFirstOe);
    id.banks_per_oe = r(rd::reg::kBanksPerOe);
    id.lanes_per_bank = r(rd::reg::kLanesPerBank);
    id.els_count = r(rd::reg::kElsCount);
    id.first_els = r(rd::reg::kFirstEls);
    id.lasers_per_els = r(rd::reg::kLasersPerEls);
    id.capabilities = r(rd::reg::kCapabilities);
    id.breakout_caps = r(rd::reg::kBreakoutCaps);
    id.fec_caps = r(rd::reg::kFecCaps);
    id.prbs_caps = r(rd::reg::kPrbsCaps);
    id.loopback_caps = r(rd::reg::kLoopbackCaps);
    id.event_ring_size = r(rd::reg::kEventRingSize);
    id.minor = minor;
    // Registers of 1.3: a 1.2 device leaves them out (reads them as whatever is there).
    if (minor >= 3) {
      id.mtu_min = r(rd::reg::kMtuMin);
      id.mtu_max = r(rd::reg::kMtuMax);
    }

    // The identity must describe this unit of this profile.
    const std::string& prof = platform.name();
    if (const std::uint32_t v = r(rd::reg::kUnitIndex); v != i) return mismatch(uid, "UnitIndex", v, i, prof);
    if (const std::uint32_t v = r(rd::reg::kUnitCount); v != unit_count) {
      return mismatch(uid, "UnitCount", v, unit_count, prof);
    }
    auto ports = platform.ports_of(uid);
    if (!ports) return ports.status();
    if (id.port_count != ports->size()) return mismatch(uid, "PortCount", id.port_count, ports->size(), prof);
    if (id.port_count > rd::record::kPort.capacity || id.lane_count > rd::record::kLane.capacity ||
        id.oe_count > rd::record::kOe.capacity || id.els_count > rd::record::kEls.capacity ||
        static_cast<std::size_t>(id.els_count) * id.lasers_per_els > rd::record::kLaser.capacity ||
        id.event_ring_size == 0 || id.event_ring_size > rd::record::kEvent.capacity) {
      return error(Code::invalid_argument,
                   fmt::format("{}: identity counts exceed the interface's record capacity", to_string(uid)));
    }
    if (id.lane_count != id.port_count * id.lanes_per_port) {
      return mismatch(uid, "LaneCount", id.lane_count, std::uint64_t{id.port_count} * id.lanes_per_port, prof);
    }
    for (std::uint32_t k = 0; k < id.port_count; ++k) {
      const PortId pid = (*ports)[k];
      if (pid.value() != id.first_port + k) return mismatch(uid, "FirstPort", id.first_port, (*ports)[0].value(), prof);
      const PortInfo& pi = platform.ports()[pid.value()];
      if (pi.lanes.size() != id.lanes_per_port) {
        return mismatch(uid, "LanesPerPort", id.lanes_per_port, pi.lanes.size(), prof);
      }
      for (std::uint32_t j = 0; j < pi.lanes.size(); ++j) {
        const std::uint32_t expect = id.first_lane + k * id.lanes_per_port + j;
        if (pi.lanes[j].value() != expect) {
          return mismatch(uid, "FirstLane", id.first_lane, pi.lanes[0].value() - k * id.lanes_per_port - j, prof);
        }
        impl->lane_loc[expect] = {unit.get(), k * id.lanes_per_port + j};
      }
      impl->port_loc[pid.value()] = {unit.get(), k};
    }
    // Unit-local numbering: the profile's unit ranges (Platform::unit_ranges) are the truth
    // the identity block must repeat.
    auto ranges = platform.unit_ranges(uid);
    if (!ranges) return ranges.status();
    if (id.first_oe != ranges->first_oe) return mismatch(uid, "FirstOe", id.first_oe, ranges->first_oe, prof);
    if (id.oe_count != ranges->oe_count) return mismatch(uid, "OeCount", id.oe_count, ranges->oe_count, prof);
    if (id.first_els != ranges->first_els) return mismatch(uid, "FirstEls", id.first_els, ranges->first_els, prof);
    if (id.els_count != ranges->els_count) return mismatch(uid, "ElsCount", id.els_count, ranges->els_count, prof);
    for (std::uint32_t k = 0; k < id.oe_count; ++k) {
      const OeInfo& oe = platform.optical_engines()[id.first_oe + k];
      if (oe.banks.size() != id.banks_per_oe)
        return mismatch(uid, "BanksPerOe", id.banks_per_oe, oe.banks.size(), prof);
      impl->oe_loc[oe.id.value()] = {unit.get(), k};
    }
    for (std::uint32_t k = 0; k < id.els_count; ++k) {
      const ElsInfo& els = platform.els_modules()[id.first_els + k];
      if (els.lasers.size() != id.lasers_per_els) {
        return mismatch(uid, "LasersPerEls", id.lasers_per_els, els.lasers.size(), prof);
      }
      if (impl->els_loc[els.id.value()].unit == nullptr) {
        impl->els_loc[els.id.value()] = {unit.get(), k};
        unit->owned_els.push_back(k);
      }
    }
    const auto has_cap = [&](rd::Capability c) {
      return minor >= 3 && ((id.capabilities >> static_cast<std::uint32_t>(c)) & 1u) != 0;
    };
    if (!has_cap(rd::Capability::kMtu)) id.capabilities &= ~(1u << static_cast<std::uint32_t>(rd::Capability::kMtu));
    // The snapshot channel needs the device (1.4 and the capability: a 1.3 device's bit means
    // its mailbox command, which this driver does not use) and a DMA buffer from the transport
    // big enough for the records this unit uses; otherwise registers are read.
    if (options.status_snapshot && minor >= 4 && has_cap(rd::Capability::kStatusSnapshot)) {
      std::size_t end = rd::reg::kPowerMw + 4;  // the status header
      end = std::max(end, rd::at(rd::record::kOe, id.oe_count, 0));
      end = std::max(end, rd::at(rd::record::kEls, id.els_count, 0));
      end = std::max(end, rd::at(rd::record::kLaser, static_cast<std::size_t>(id.els_count) * id.lasers_per_els, 0));
      end = std::max(end, rd::at(rd::record::kPort, id.port_count, 0));
      end = std::max(end, rd::at(rd::record::kLane, id.lane_count, 0));
      const auto bytes = static_cast<std::uint32_t>(end - rd::region::kStatus.offset);
      const Bar::DmaRegion dma = bar->dma_region();
      if (dma.words.size() * 4 >= bytes) {
        unit->dma = dma;
        unit->snapshot_bytes = bytes;
        // SnapRequest reads back the last number written: continue from it, so a driver opened
        // after another never asks with the number the device last served (it would not answer).
        Lock lock(unit->snapshot_mutex);  // not shared yet; the lock only states the rule
        unit->last_snap_seq = bar->read32(rd::reg::kSnapRequest);
      }
    }
    common_caps &= id.capabilities;
    breakout_caps &= id.breakout_caps;
    fec_caps &= id.fec_caps;
    prbs_caps &= id.prbs_caps;
    loopback_caps &= id.loopback_caps;
    impl->units.push_back(std::move(unit));
  }

  // Laser ownership: the unit whose lanes the laser lights (reported exactly once).
  std::size_t lasers_per_els = impl->units.empty() ? 0 : impl->units[0]->ident.lasers_per_els;
  impl->laser_owner.assign(platform.els_modules().size() * lasers_per_els, -1);
  for (const ElsInfo& els : platform.els_modules()) {
    for (const LaserInfo& laser : els.lasers) {
      if (laser.lanes.empty() || laser.ref.index >= lasers_per_els) continue;
      const UnitId owner = platform.lanes()[laser.lanes.front().value()].unit;
      Impl::Unit& u = *impl->units[owner.value()];
      if (els.id.value() < u.ident.first_els || els.id.value() >= u.ident.first_els + u.ident.els_count) {
        return error(
            Code::invalid_argument,
            fmt::format("{}: {} lights its lanes but its ELS is outside the unit's ELS range {}..{}", to_string(owner),
                        to_string(laser.ref), u.ident.first_els, u.ident.first_els + u.ident.els_count - 1));
      }
      impl->laser_owner[els.id.value() * lasers_per_els + laser.ref.index] = static_cast<int>(owner.value());
      u.owned_lasers.push_back((els.id.value() - u.ident.first_els) * u.ident.lasers_per_els + laser.ref.index);
    }
  }

  // Capabilities: what every unit supports.
  Capabilities& c = impl->caps;
  const auto has = [&](rd::Capability cap) { return (common_caps >> static_cast<std::uint32_t>(cap)) & 1u; };
  c.backend = "reference";
  c.port_admin = true;
  c.subport_admin = true;
  // TempAlarm events (registers.def) are the device's temperature threshold crossings.
  c.threshold_events = {Measure::temperature};
  c.breakout = breakout_caps != 0;
  c.bulk_breakout = c.breakout;
  for (auto [hal, dev] : {std::pair{FecMode::none, rd::Fec::kNone}, std::pair{FecMode::fc, rd::Fec::kFc},
                          std::pair{FecMode::rs528, rd::Fec::kRs528}, std::pair{FecMode::rs544, rd::Fec::kRs544}}) {
    if ((fec_caps >> static_cast<std::uint32_t>(dev)) & 1u) c.fec_modes.push_back(hal);
  }
  c.tx_fir = has(rd::Capability::kTxFir) != 0;
  c.tx_fir_limits = {rd::kTxFirPreMin,  rd::kTxFirPreMax,  rd::kTxFirMainMin, rd::kTxFirMainMax,
                     rd::kTxFirPostMin, rd::kTxFirPostMax, rd::kTxFirSwingMax};
  if (has(rd::Capability::kPrbs) != 0) {
    for (PrbsPattern p : {PrbsPattern::prbs7, PrbsPattern::prbs13q, PrbsPattern::prbs31, PrbsPattern::prbs31q}) {
      rd::PrbsPattern dev{};
      if (prbs_to_device(p, dev) && ((prbs_caps >> static_cast<std::uint32_t>(dev)) & 1u)) c.prbs_patterns.push_back(p);
    }
  }
  if (has(rd::Capability::kLoopback) != 0) {
    for (LoopbackMode m : {LoopbackMode::phy_near_end, LoopbackMode::phy_far_end}) {
      if ((loopback_caps >> static_cast<std::uint32_t>(*loopback_to_device(m))) & 1u) c.loopback_modes.push_back(m);
    }
  }
  c.cmis_oe = c.cmis_els = c.cmis_write = has(rd::Capability::kCmis) != 0;
  c.telemetry = true;
  c.events = has(rd::Capability::kEventRing) != 0;
  c.unit_reset = true;
  // SetMtu: the range every unit accepts (Identity MtuMin/MtuMax).
  if (has(rd::Capability::kMtu) != 0) {
    c.mtu = true;
    c.mtu_min = 0;
    c.mtu_max = kAllOnes;
    for (const auto& u : impl->units) {
      c.mtu_min = std::max(c.mtu_min, u->ident.mtu_min);
      c.mtu_max = std::min(c.mtu_max, u->ident.mtu_max);
    }
  }

  // Event state: the consumer index the device holds, and what the reader knows now.
  for (auto& u : impl->units) {
    UnitTelemetry now;
    Status s = impl->unit_snapshot(*u, now);
    if (!s.ok()) return s.with_context("opening " + platform.name());
    Lock lock(u->events_mutex);
    u->consumer = u->bar->read32(rd::reg::kEvtConsumer);
    impl->init_known(*u, now);
  }
  return std::unique_ptr<ReferenceDriver>(new ReferenceDriver(std::move(impl)));
}

ReferenceDriver::ReferenceDriver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  fast_port_count_ = impl_->port_loc.size();
  fast_ports_ = std::make_unique<FastPort[]>(fast_port_count_);
  for (std::size_t i = 0; i < fast_port_count_; ++i) {
    const Impl::PortLoc& loc = impl_->port_loc[i];
    fast_ports_[i] = {loc.unit->bar, &loc.unit->gone, rd::at(rd::record::kPort, loc.local, rd::field::kPortOperMask)};
  }
}
ReferenceDriver::~ReferenceDriver() = default;

const Capabilities& ReferenceDriver::capabilities() const noexcept { return impl_->caps; }
const Platform& ReferenceDriver::platform() const noexcept { return impl_->platform; }

}  // namespace cpo::reference
