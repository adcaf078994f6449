// Physics (light -> SNR -> BER -> FEC), links with hysteresis and training, settling, thermal
// and aging, and the firmware's tick that drives them (the status region it publishes is in
// publisher.cpp).
#include <algorithm>
#include <bit>
#include <cmath>

#include "cpo/hal/cmis/pages.h"
#include "links.h"
#include "physics.h"
#include "world.h"

namespace cpo::sim {

namespace {
constexpr std::int64_t ns_of(double seconds) { return static_cast<std::int64_t>(seconds * 1e9); }
std::uint32_t s32(std::int32_t v) { return static_cast<std::uint32_t>(v); }
constexpr unsigned kLowAlarm = static_cast<unsigned>(cmis::FlagKind::low_alarm);
constexpr unsigned kHighWarning = static_cast<unsigned>(cmis::FlagKind::high_warning);
constexpr unsigned kLowWarning = static_cast<unsigned>(cmis::FlagKind::low_warning);
// fn(index) over a node's units' ranges of lanes, ports or OEs (contiguous per unit:
// Platform::unit_ranges).
template <typename F>
void each_of(const SwitchModel& s, const NodeModel& n, std::uint32_t UnitModel::*first, std::uint32_t UnitModel::*count,
             F&& fn) {
  for (const std::uint32_t u : n.units) {
    const UnitModel& unit = *s.units[u];
    for (std::uint32_t i = unit.*first; i < unit.*first + unit.*count; ++i) fn(i);
  }
}
template <typename F>
void each_lane(const SwitchModel& s, const NodeModel& n, F&& fn) {
  each_of(s, n, &UnitModel::first_lane, &UnitModel::lane_count, fn);
}
template <typename F>
void each_port(const SwitchModel& s, const NodeModel& n, F&& fn) {
  each_of(s, n, &UnitModel::first_port, &UnitModel::port_count, fn);
}
template <typename F>
void each_oe(const SwitchModel& s, const NodeModel& n, F&& fn) {
  each_of(s, n, &UnitModel::first_oe, &UnitModel::oe_count, fn);
}
// fn(lane) over the lanes of `ports`, a node's listed ports.
template <typename F>
void each_lane_of(const SwitchModel& s, const std::vector<std::uint32_t>& ports, F&& fn) {
  for (const std::uint32_t p : ports)
    for (std::uint32_t k = 0; k < s.ports[p].lanes; ++k) fn(s.ports[p].first_lane + k);
}
// Whether the data path of a bank's lane carries traffic: activated, in a ready module.
bool dp_on(const OeModel& oe, std::uint32_t bank, std::uint32_t index_in_bank) {
  return oe.banks[bank].dp[index_in_bank] == rd::DataPathState::kActivated && oe.state == rd::ModuleState::kReady;
}
// Lists a port in its node's link pass of the settle `stamp`, once, unless the pass does every port.
void list_link_port(NodeModel& n, std::uint32_t port, std::uint64_t stamp) {
  PortModel& p = n.sw->ports[port];
  if (n.link_whole || p.link_mark == stamp) return;
  p.link_mark = stamp;
  n.link_ports.push_back(port);
}
// A lane's taps (validated to -128..127: a byte each) and PRBS generator, packed.
std::uint32_t tx_view(const LaneModel& l) {
  auto byte = [](std::int32_t v) { return static_cast<std::uint32_t>(static_cast<std::uint8_t>(v)); };
  return byte(l.fir_pre) | byte(l.fir_main) << 8 | byte(l.fir_post) << 16 |
         static_cast<std::uint32_t>(l.pattern) << 24 | (l.gen ? 1u << 31 : 0u);
}
double fir_penalty(const LaneModel& l) {
  return phys::kFirPenaltyDbPerStep *
         (std::abs(l.fir_pre - phys::kFirOptimumPre) + std::abs(l.fir_main - phys::kFirOptimumMain) +
          std::abs(l.fir_post - phys::kFirOptimumPost));
}
}  // namespace

// ---------------------------------------------------------------------------- physics
void Links::hit(std::vector<std::pair<std::size_t, std::uint32_t>>& hits, const NodeModel& n, const LaneModel& l,
                bool port, bool whole) {
  const std::size_t far = world_.far_node(l);
  if (far == n.id && whole) return;  // a loopback plug or a fiber inside n: its pass does all of n
  const std::uint32_t lane = static_cast<std::uint32_t>(l.peer_lane);
  hits.emplace_back(far, port ? world_.sw(l.peer_sw).lanes[lane].port : lane);
}

void Links::recompute(SwitchModel& s, NodeModel& n) {
  // Transmit side: laser -> ELS fiber (per laser, settable) -> split -> modulator -> fiber.
  const double lanes_per_laser =
      static_cast<double>(s.platform.lanes().size()) / static_cast<double>(s.platform.laser_count());
  const double k_oe = phys::gain(10.0 * std::log10(lanes_per_laser) + phys::kModulatorLossDb);
  auto one = [&](std::uint32_t lane) {
    LaneModel& l = s.lanes[lane];
    const ElsModel& e = s.els[l.els];
    const LaserModel& las = e.lasers[l.laser];
    const OeModel& oe = s.oes[l.oe];
    const BankModel& bank = oe.banks[l.bank];
    const bool lit_path = dp_on(oe, l.bank, l.index_in_bank);
    const bool tx_disabled = cmis::lane_bit(
        static_cast<std::uint8_t>(cmis::get(bank.p10, cmis::field::kOutputDisableTx)), l.index_in_bank + 1);
    // Steady light only: a ramping laser is not modulated yet.
    const bool light = e.present && las.state == rd::LaserState::kOn;
    l.laser_in_mw = light ? las.power_mw * e.fiber_gain[l.laser] : 0.0;
    const double before = l.tx_mw;
    l.tx_mw = (lit_path && !tx_disabled) ? l.laser_in_mw * k_oe : 0.0;
    const bool fiber_changed = l.fiber_loss_db != l.fiber_loss_settled_db;
    // The far receiver also reads this transmitter's FIR taps and PRBS generator.
    const std::uint32_t view = tx_view(l);
    if (l.tx_mw != before || fiber_changed || view != l.tx_view) hit(n.rx_hits, n, l, false, n.whole);
    l.tx_view = view;
    if (fiber_changed || l.memo_tx_mw != l.memo_tx_mw) {  // changed, or never evaluated (NaN)
      l.fiber_loss_settled_db = l.fiber_loss_db;
      l.fiber_gain_out = phys::gain(l.fiber_loss_db);
    }
  };
  if (!n.whole) {
    // A port's configuration leaves its laser light alone (OeModel::no_light stays).
    each_lane_of(s, n.ports, one);
    return;
  }
  each_oe(s, n, [&](std::uint32_t o) { s.oes[o].no_light = false; });
  each_lane(s, n, [&](std::uint32_t lane) {
    one(lane);
    if (s.lanes[lane].laser_in_mw <= 0) s.oes[s.lanes[lane].oe].no_light = true;
  });
}

void Links::far_views(SwitchModel& s, NodeModel& n) {
  auto one = [&](std::uint32_t port) {
    PortModel& p = s.ports[port];
    std::uint32_t gen = 0;
    for (std::uint32_t k = 0; k < p.lanes; ++k)
      if (s.lanes[p.first_lane + k].gen) gen |= 1u << k;
    const std::uint32_t view =
        (p.admin & 0xFFu) | (static_cast<std::uint32_t>(p.fec) << 8) | (p.breakout << 12) | (gen << 16);
    if (view == p.far_view) return;
    p.far_view = view;
    for (std::uint32_t k = 0; k < p.lanes; ++k) hit(n.link_hits, n, s.lanes[p.first_lane + k], true, n.whole);
  };
  if (n.whole)
    each_port(s, n, one);
  else
    for (const std::uint32_t p : n.ports) one(p);
}

bool Links::recompute_rx(SwitchModel& s, NodeModel& n, std::uint64_t stamp) {
  const double lane_gbps = s.platform.lane_rate().value();
  const double cw_per_s = phys::codewords_per_second(lane_gbps);
  bool changed = false;
  auto one = [&](std::uint32_t lane) {
    LaneModel& l = s.lanes[lane];
    const LaneModel& src = world_.sw(l.peer_sw).lanes[l.peer_lane];
    PortModel& port = s.ports[l.port];
    const OeModel& oe = s.oes[l.oe];
    const bool lit_path = dp_on(oe, l.bank, l.index_in_bank);
    const bool near = port.loopback == rd::Loopback::kPhyNearEnd;
    const double penalty = l.degrade_db + l.static_penalty_db + (near ? fir_penalty(l) : fir_penalty(src));
    const bool same = l.memo_tx_mw == src.tx_mw && l.memo_loss_db == src.fiber_loss_db &&
                      l.memo_penalty_db == penalty && l.memo_near == near;
    if (!same) {
      const bool lit = src.tx_mw > 0 && src.fiber_loss_db < phys::kDisconnectedLossDb;  // a cut fiber is dark
      l.rx_dbm = lit ? phys::dbm(src.tx_mw) - src.fiber_loss_db : -100.0;
      l.rx_mw = lit ? src.tx_mw * src.fiber_gain_out : 0.0;
    }
    // The LOS hysteresis depends on the previous state, so it is evaluated every time.
    const bool sig_before = l.sig, cdr_before = l.cdr, prbs_before = l.prbs_lock;
    const double ber_before = l.ber;
    l.sig = l.sig ? l.rx_dbm > phys::kLosAssertDbm : l.rx_dbm > phys::kLosDeassertDbm;
    if (!same || l.sig != sig_before) {
      if (penalty != l.penalty_db_cached) {
        l.penalty_db_cached = penalty;
        l.penalty_gain = phys::from_db(-penalty);
      }
      if (near) {
        // Looped inside the SerDes: the lane hears its own transmitter, no optics involved.
        l.snr = phys::kSnrCeilingDb - penalty;
        l.ber = phys::pam4_ber(l.snr);
      } else if (l.sig) {
        const double lin = phys::snr_linear(l.rx_mw, l.penalty_gain);
        l.snr = 10.0 * std::log10(lin);
        l.ber = phys::pam4_ber_linear(lin);
      } else {
        l.snr = 0.0;
        l.ber = 0.5;
      }
      const auto r = phys::rs544(l.ber);
      l.memo_fec_corr = r.corrected;
      l.memo_fec_uncorr = r.uncorrected;
      l.memo_tx_mw = src.tx_mw;
      l.memo_loss_db = src.fiber_loss_db;
      l.memo_penalty_db = penalty;
      l.memo_near = near;
    }
    l.cdr = near ? l.ber < 1e-2 : l.sig && lit_path && l.ber < 1e-2;
    const LaneModel& pattern_src = near ? l : src;
    l.prbs_lock = l.chk && l.cdr && pattern_src.gen && pattern_src.pattern == l.pattern;
    // The FEC decoder of a sub-port counts only while the sub-port is enabled (admin up): an
    // administratively down port's PCS is off, whatever light reaches its receiver.
    const std::uint32_t all = (1u << port.breakout) - 1u;
    const bool admin_up = port.admin != 0 && ((port.admin & all) == all ||
                                              ((port.admin >> (l.index_in_port / (port.lanes / port.breakout))) & 1u));
    if (l.cdr && port.fec == rd::Fec::kRs544 && admin_up) {
      l.fec_corr_rate = l.memo_fec_corr * cw_per_s;
      l.fec_uncorr_rate = l.memo_fec_uncorr * cw_per_s;
    } else {
      l.fec_corr_rate = l.fec_uncorr_rate = 0;
    }
    const bool counting = l.fec_corr_rate > 0 || l.fec_uncorr_rate > 0 || (l.chk && l.prbs_lock);
    if (counting != l.counting) {
      l.counting = counting;
      if (counting)
        ++n.counting_lanes;
      else
        --n.counting_lanes;
    }
    if (!same || l.sig != sig_before || l.cdr != cdr_before || l.prbs_lock != prbs_before) {
      changed = true;
      // Its own link and, since subport_ok reads both directions, the far end's.
      list_link_port(n, l.port, stamp);
      if (l.sig != sig_before || l.cdr != cdr_before || l.ber != ber_before) hit(n.link_hits, n, l, true, n.link_whole);
    }
  };
  // Bank flags over all lanes of each bank a recomputed lane belongs to, from their state.
  auto flags = [&](std::uint32_t o, std::uint32_t b) {
    const OeModel& oe = s.oes[o];
    BankModel& bank = s.oes[o].banks[b];
    // rx_los, tx_fault, rx_lol, rx power low alarm, rx power low warning, tx power low alarm
    std::array<std::uint8_t, 6> v{};
    for (std::uint32_t i = 0; i < cmis::kLanesPerBank; ++i) {
      const std::uint32_t lane = oe.bank_lanes[b * cmis::kLanesPerBank + i];
      if (lane == OeModel::kNoLane) continue;
      const LaneModel& l = s.lanes[lane];
      const bool lit_path = dp_on(oe, b, i);
      const auto bit = static_cast<std::uint8_t>(1u << i);
      if (!l.sig) v[0] |= bit;
      if (lit_path && l.tx_mw <= 0) v[1] |= bit;
      // Page 02h Tx power low alarm (-6 dBm): a dark lane, or one lit at the fiber-check
      // power or through a lossy ELS fiber.
      if (lit_path && phys::dbm(l.tx_mw) < -6.0) v[5] |= bit;
      if (l.sig && !l.cdr && lit_path) v[2] |= bit;
      // Page 02h Rx power thresholds: low alarm at the LOS level, low warning at -10 dBm.
      if (l.rx_dbm < phys::kLosAssertDbm) v[3] |= bit;
      if (l.rx_dbm < -10.0) v[4] |= bit;
    }
    Optics& op = world_.optics();
    op.raise_flag(s, bank.rx_los, v[0], true, o, b, cmis::field::kRxLos);
    op.raise_flag(s, bank.tx_fault, v[1], true, o, b, cmis::field::kTxFault);
    op.raise_flag(s, bank.tx_power_low_alarm, v[5], true, o, b, cmis::field::kTxPowerFlags, kLowAlarm);
    op.raise_flag(s, bank.rx_lol, v[2], true, o, b, cmis::field::kRxCdrLol);
    op.raise_flag(s, bank.rx_power_low_alarm, v[3], true, o, b, cmis::field::kRxPowerFlags, kLowAlarm);
    op.raise_flag(s, bank.rx_power_low_warning, v[4], true, o, b, cmis::field::kRxPowerFlags, kLowWarning);
  };
  if (n.rx_whole) {
    each_lane(s, n, one);
    each_oe(s, n, [&](std::uint32_t o) {
      for (std::uint32_t b = 0; b < s.oes[o].banks.size(); ++b) flags(o, b);
    });
  } else {
    // In lane order, as the whole node's pass goes (the order of the flags' events).
    std::sort(n.rx_lanes.begin(), n.rx_lanes.end());
    for (const std::uint32_t lane : n.rx_lanes) one(lane);
    // Their banks, in OE and bank order as the whole node's pass goes.
    std::vector<std::pair<std::uint32_t, std::uint32_t>>& banks = n.rx_banks;
    banks.clear();
    for (const std::uint32_t lane : n.rx_lanes) banks.emplace_back(s.lanes[lane].oe, s.lanes[lane].bank);
    std::sort(banks.begin(), banks.end());
    banks.erase(std::unique(banks.begin(), banks.end()), banks.end());
    for (const auto& [o, b] : banks) flags(o, b);
  }
  n.rx_whole = false;
  n.rx_lanes.clear();
  if (const bool counting = n.counting_lanes > 0; counting != n.counting) {
    n.counting = counting;
    if (counting)
      s.counting_nodes.fetch_add(1, std::memory_order_relaxed);
    else
      s.counting_nodes.fetch_sub(1, std::memory_order_relaxed);
  }
  return changed;
}

// ---------------------------------------------------------------------------- links
bool Links::subport_ok(SwitchModel& s, std::uint32_t port, std::uint32_t sub, rd::LinkCause& cause) {
  using L = rd::LinkCause;
  const PortModel& p = s.ports[port];
  const std::uint32_t bit = 1u << sub;
  const std::uint32_t k = p.lanes / p.breakout;
  const std::uint32_t first = p.first_lane + sub * k;
  if (!(p.admin & bit)) return cause = L::kAdminDown, false;
  if (p.loopback == rd::Loopback::kPhyFarEnd) return cause = L::kReconfigured, false;
  for (std::uint32_t i = first; i < first + k; ++i)
    if (s.lanes[i].gen) return cause = L::kPrbs, false;
  const bool up = (p.oper & bit) != 0;
  const bool rs = p.fec == rd::Fec::kRs544;
  // Hysteresis: an up link survives up to the FEC limit; a down one must get well below it.
  // Without FEC a 200G PAM4 lane would need a 1e-12 raw BER, which it never reaches.
  const double limit = rs ? (up ? phys::kKp4BerLimit : phys::kLinkUpBer) : 1e-12;
  const bool near = p.loopback == rd::Loopback::kPhyNearEnd;
  for (std::uint32_t i = first; i < first + k; ++i) {
    const LaneModel& l = s.lanes[i];
    if (near) {
      if (!l.cdr || l.ber > limit) return cause = L::kHighBer, false;
      continue;
    }
    const ElsModel& e = s.els[l.els];
    const LaserModel& las = e.lasers[l.laser];
    const OeModel& oe = s.oes[l.oe];
    if (oe.thermal_shutdown || las.thermal_latched) return cause = L::kThermalShutdown, false;
    if (oe.faulted) return cause = L::kOeFault, false;
    if (!e.present) return cause = L::kElsRemoved, false;
    // Off, failed, ramping, or held at the fiber-check power: no light to carry traffic.
    if (las.state != rd::LaserState::kOn || !las.fiber_checked) return cause = L::kLaserFault, false;
    if (!dp_on(oe, l.bank, l.index_in_bank)) return cause = L::kDataPathInactive, false;
    if (!l.sig) return cause = L::kRxLos, false;
    if (!l.cdr || l.ber > limit) return cause = L::kHighBer, false;
    // The far end must hear us too, and its sub-port must be in service.
    SwitchModel& ps = world_.sw(l.peer_sw);
    const LaneModel& q = ps.lanes[l.peer_lane];
    if (!q.sig) return cause = L::kRxLos, false;
    if (!q.cdr || q.ber > limit) return cause = L::kHighBer, false;
    const PortModel& qp = ps.ports[q.port];
    const std::uint32_t qsub = q.index_in_port / (qp.lanes / qp.breakout);
    if (!(qp.admin & (1u << qsub)) || q.gen || qp.fec != p.fec) return cause = L::kNone, false;
  }
  cause = L::kNone;
  return true;
}

void Links::link_down(SwitchModel& s, std::uint32_t port, std::uint32_t sub, rd::LinkCause cause) {
  PortModel& p = s.ports[port];
  const std::uint32_t bit = 1u << sub;
  if (p.training & bit) {
    p.training &= ~bit;
    ++p.train_token[sub];
  }
  if (!(p.oper & bit)) return;
  p.oper &= ~bit;
  ++p.down_count;
  p.down_cause = cause;
  world_.publisher().port_event(s, port, sub, rd::EventType::kLinkDown, cause);
  world_.touch_port(s, port);
}

bool Links::evaluate_links(SwitchModel& s, NodeModel& n) {
  bool changed = false;
  auto one = [&](std::uint32_t port) {
    PortModel& p = s.ports[port];
    if (p.admin == 0 && p.oper == 0 && p.training == 0) return;  // nothing can change
    for (std::uint32_t sub = 0; sub < p.breakout; ++sub) {
      const std::uint32_t bit = 1u << sub;
      rd::LinkCause cause = rd::LinkCause::kNone;
      const bool ok = subport_ok(s, port, sub, cause);
      if (p.oper & bit) {
        if (!ok) {
          link_down(s, port, sub, cause);
          changed = true;
        }
      } else if (p.training & bit) {
        if (!ok) {
          p.training &= ~bit;
          ++p.train_token[sub];
          changed = true;
        }
      } else if (ok) {
        p.training |= bit;
        world_.schedule(world_.now().count() + ns_of(phys::kLinkTrainingSeconds),
                        Timer{TimerKind::train, s.index, port, sub, 0, ++p.train_token[sub]});
        changed = true;
      }
    }
  };
  if (n.link_whole) {
    each_port(s, n, one);
  } else {
    std::sort(n.link_ports.begin(), n.link_ports.end());  // in port order, as the whole node's pass
    for (const std::uint32_t p : n.link_ports) one(p);
  }
  n.link_whole = false;
  n.link_ports.clear();
  return changed;
}

// ---------------------------------------------------------------------------- tick, thermal
// ---------------------------------------------------------------------------- settling
// Per-port dirty tracking: a node changed since the last settle recomputes the transmitters
// of its changed ports (all of them when its optics changed: NodeModel::whole); a far node
// recomputes only the receivers whose far transmitter changed, re-evaluates only the links
// whose far end changed, and is republished only if something it shows changed. A command
// on one port never costs work on the rest of the fabric or its switch, and it reads and
// writes only its node and the far ends of that port's fibers (World::for_writes).
//
// Each phase is a parallel pass over its nodes (World::each); its return is the barrier the
// next phase needs: recompute_rx reads the far ends' transmitters (phase 1), and
// evaluate_links the far ends' receivers (phase 2) and port configuration (which settling
// never writes). The far lanes and ports a phase reaches wait in each node's hit lists and
// join the next phase's lists here, in the order the sequential loop produced.
void Links::settle(std::vector<std::size_t>& dirty, Scratch& sc) {
  if (dirty.empty()) return;
  // Changes made while settling (a link going down) are settled by the next call.
  sc.now.swap(dirty);
  dirty.clear();
  sc.phys.clear();
  sc.rx.clear();
  sc.links.clear();
  sc.pub.clear();
  sc.rx_hit.clear();
  sc.link_hit.clear();
  const std::uint64_t stamp = settle_stamp_.fetch_add(1, std::memory_order_relaxed) + 1;
  auto add = [&](std::vector<std::size_t>& list, std::uint64_t NodeModel::*mark, std::size_t id) -> NodeModel& {
    NodeModel& n = world_.node(id);
    if (n.*mark != stamp) {
      n.*mark = stamp;
      list.push_back(id);
    }
    return n;
  };
  auto rx_lane = [&](NodeModel& n, std::uint32_t lane) {
    LaneModel& l = n.sw->lanes[lane];
    if (n.rx_whole || l.rx_mark == stamp) return;
    l.rx_mark = stamp;
    n.rx_lanes.push_back(lane);
  };
  // The far lanes and ports a pass reached, in list order.
  auto hits = [&](const std::vector<std::size_t>& list) {
    for (const std::size_t id : list) {
      NodeModel& n = world_.node(id);
      sc.rx_hit.insert(sc.rx_hit.end(), n.rx_hits.begin(), n.rx_hits.end());
      sc.link_hit.insert(sc.link_hit.end(), n.link_hits.begin(), n.link_hits.end());
      n.rx_hits.clear();
      n.link_hits.clear();
    }
  };
  // Nodes that only show something new (World::show) are republished, nothing more.
  for (const std::size_t id : sc.now) {
    NodeModel& n = world_.node(id);
    n.dirty = false;
    if (n.whole || !n.ports.empty()) sc.phys.push_back(id);
  }
  world_.each(sc.phys, 1, [this](SwitchModel& s, NodeModel& n) {
    recompute(s, n);
    far_views(s, n);
  });
  hits(sc.phys);
  for (const std::size_t id : sc.phys) {
    NodeModel& n = add(sc.rx, &NodeModel::rx_stamp, id);
    add(sc.links, &NodeModel::link_stamp, id);
    if (n.whole) {
      n.rx_whole = n.link_whole = true;
      n.rx_lanes.clear();
      n.link_ports.clear();
    }
    for (const std::uint32_t p : n.ports) {
      n.sw->ports[p].dirty = false;
      for (std::uint32_t k = 0; k < n.sw->ports[p].lanes; ++k) rx_lane(n, n.sw->ports[p].first_lane + k);
      list_link_port(n, p, stamp);
    }
    n.whole = false;
    n.ports.clear();
  }
  for (const std::size_t id : sc.now) add(sc.pub, &NodeModel::pub_stamp, id);
  sc.now.clear();
  for (const auto& [id, lane] : sc.rx_hit) rx_lane(add(sc.rx, &NodeModel::rx_stamp, id), lane);
  world_.each(sc.rx, 1, [this, stamp](SwitchModel& s, NodeModel& n) { n.pass_result = recompute_rx(s, n, stamp); });
  hits(sc.rx);
  for (const std::size_t id : sc.rx) {
    const NodeModel& n = world_.node(id);
    if (n.link_whole || !n.link_ports.empty()) add(sc.links, &NodeModel::link_stamp, id);
    if (n.pass_result) add(sc.pub, &NodeModel::pub_stamp, id);
  }
  for (const auto& [id, port] : sc.link_hit) list_link_port(add(sc.links, &NodeModel::link_stamp, id), port, stamp);
  world_.each(sc.links, 1, [this](SwitchModel& s, NodeModel& n) { n.pass_result = evaluate_links(s, n); });
  for (const std::size_t id : sc.links)
    if (world_.node(id).pass_result) add(sc.pub, &NodeModel::pub_stamp, id);
  world_.each(sc.pub, 1, [this](SwitchModel& s, NodeModel& n) {
    for (const std::uint32_t u : n.units) world_.publisher().publish_unit(s, *s.units[u], true);
  });
}

namespace {
// A quiet switch runs its thermal and aging pass once every kQuietTicks firmware ticks, on a
// tick staggered by its index so a fabric's switches do not all come due at once.
constexpr std::uint64_t kQuietTicks = 10;
// Temperatures within this of their targets count as settled: under the 1/256 degC
// resolution of every temperature register.
constexpr double kThermalEpsilonC = 1e-3;
constexpr std::size_t kTickGrain = 8;
}  // namespace

// The firmware tick. A switch changed since the last tick or still heating or cooling gets the
// full pass (thermal, aging, counters, the whole status region); a steady one refreshes its
// heartbeat and, if counting, its counters (a few stores per unit), and its monitors once
// every kQuietTicks ticks.
void Links::tick(std::int64_t dt_ns) {
  const double dt = static_cast<double>(dt_ns) * 1e-9;
  // Ticks fall on multiples of dt_ns (World::schedule_tick): the count is the same in every world.
  tick_count_ = static_cast<std::uint64_t>(world_.now().count() / dt_ns);
  // A steady switch's share is a few stores, a counting one's a few microseconds: chunks of
  // kTickGrain switches keep the hand-off small against the work.
  world_.each_switch(world_.all(), kTickGrain, [this, dt](SwitchModel& s) { s.ticked = tick_switch(s, dt); });
  ticked_.clear();
  for (const std::size_t i : world_.all()) {
    SwitchModel& s = world_.sw(i);
    if (!s.ticked) continue;
    s.ticked = false;
    ticked_.push_back(i);
  }
  world_.settle();
  world_.each_switch(ticked_, 1, [this](SwitchModel& s) { world_.publisher().publish(s); });
}

bool Links::tick_switch(SwitchModel& s, double dt) {
  for (auto& u : s.units)
    if (!u->hung) ++u->heartbeat;
  s.pending_dt_s += dt;
  const bool due = (tick_count_ + s.index) % kQuietTicks == 0;
  const bool steady = !s.any_changed() && s.quiet;
  const bool counting = s.any_counting();
  if (steady && !due) {
    // Only counters (if any move) and the heartbeat.
    if (counting) count(s, dt);
    world_.publisher().publish_heartbeat(s, counting);
    return false;
  }
  s.changed.store(false, std::memory_order_relaxed);
  s.quiet = thermal(s, s.pending_dt_s);
  s.pending_dt_s = 0;
  if (counting) count(s, dt);
  if (steady && s.quiet && !s.any_changed()) {
    world_.publisher().publish_monitors(s);  // temperatures, biases, ages: nothing of its links moved
    return false;
  }
  return true;
}

void Links::count(SwitchModel& s, double dt) {
  const double lane_bps = s.platform.lane_rate().value() * 1e9;
  for (auto& l : s.lanes) {
    if (l.fec_corr_rate > 0 || l.fec_uncorr_rate > 0) {
      l.corr_acc += l.fec_corr_rate * dt;
      l.uncorr_acc += l.fec_uncorr_rate * dt;
      const double c = std::floor(l.corr_acc), u = std::floor(l.uncorr_acc);
      l.corr += static_cast<std::uint64_t>(c);
      l.uncorr += static_cast<std::uint64_t>(u);
      l.corr_acc -= c;
      l.uncorr_acc -= u;
    }
    if (l.chk && l.prbs_lock) {
      l.prbs_bits_acc += lane_bps * dt;
      l.prbs_err_acc += l.ber * lane_bps * dt;
      const double b = std::floor(l.prbs_bits_acc), e = std::floor(l.prbs_err_acc);
      l.prbs_bits += static_cast<std::uint64_t>(b);
      l.prbs_err += static_cast<std::uint64_t>(e);
      l.prbs_bits_acc -= b;
      l.prbs_err_acc -= e;
    }
  }
}

namespace {
std::uint32_t threshold_bits(double t, double warn, double alarm) {
  std::uint32_t b = 0;
  if (t > alarm) b |= rd::bits::kThresholdFlagsTempHighAlarm.mask();
  if (t > warn) b |= rd::bits::kThresholdFlagsTempHighWarning.mask();
  if (t < phys::kLowAlarmC) b |= rd::bits::kThresholdFlagsTempLowAlarm.mask();
  if (t < phys::kLowWarnC) b |= rd::bits::kThresholdFlagsTempLowWarning.mask();
  return b;
}
rd::ThresholdFlag worst(std::uint32_t b) {
  if (b & rd::bits::kThresholdFlagsTempHighAlarm.mask()) return rd::ThresholdFlag::kHighAlarm;
  if (b & rd::bits::kThresholdFlagsTempLowAlarm.mask()) return rd::ThresholdFlag::kLowAlarm;
  if (b & rd::bits::kThresholdFlagsTempHighWarning.mask()) return rd::ThresholdFlag::kHighWarning;
  if (b & rd::bits::kThresholdFlagsTempLowWarning.mask()) return rd::ThresholdFlag::kLowWarning;
  return rd::ThresholdFlag::kCleared;
}
}  // namespace

std::uint32_t temp_word(double c) {
  const double raw = std::clamp(std::round(c * 256.0), -32768.0, 32767.0);
  return s32(static_cast<std::int32_t>(raw));
}

double laser_watts(const LaserModel& l) {
  if (l.state == rd::LaserState::kOn || l.state == rd::LaserState::kRamping)
    return phys::kLaserWatts * std::max(l.bias_ma, 1.0) / 430.0;
  return phys::kLaserOffWatts;
}

double oe_watts(const OeModel& oe) {
  switch (oe.state) {
    case rd::ModuleState::kReady: return phys::kOeWattsPerPort * oe.ports_served;
    case rd::ModuleState::kPwrUp:
    case rd::ModuleState::kPwrDn: return 0.5 * phys::kOeWattsPerPort * oe.ports_served;
    default: return phys::kOeLowPowerWatts;
  }
}

bool Links::thermal(SwitchModel& s, double dt, bool aging) {
  const double alpha = 1.0 - std::exp(-dt / phys::kThermalTauSeconds);
  bool settled = true;
  for (std::uint32_t o = 0; o < s.oes.size(); ++o) {
    OeModel& oe = s.oes[o];
    const double target = s.coolant_c + phys::kOeKPerWatt * oe_watts(oe) + oe.extra_rise;
    if (std::abs(target - oe.temp_c) > kThermalEpsilonC) settled = false;
    oe.temp_c += (target - oe.temp_c) * alpha;
    const std::uint32_t flags = threshold_bits(oe.temp_c, phys::kOeWarnC, phys::kOeAlarmC);
    if (flags != oe.temp_flags) {
      oe.temp_flags = flags;
      world_.publisher().oe_event(s, o, 0xFF, rd::EventType::kTempAlarm, static_cast<std::uint32_t>(worst(flags)),
                                  temp_word(oe.temp_c));
      world_.optics().raise_flag(s, oe.temp, static_cast<std::uint8_t>(flags & cmis::field::kTemperatureFlags.mask),
                                 true, o, 0xFF, cmis::field::kTemperatureFlags);
    }
    if (!oe.thermal_shutdown && oe.temp_c > phys::kOeShutdownC) {
      oe.thermal_shutdown = true;
      world_.publisher().oe_event(s, o, 0xFF, rd::EventType::kThermalShutdown, 0, temp_word(oe.temp_c));
      // The OE's protection turns off every laser that lights it.
      for (const auto& b : s.platform.optical_engines()[o].banks)
        for (auto lane : b.lanes) {
          const LaneModel& l = s.lanes[lane.value()];
          world_.optics().laser_fail(s, l.els, l.laser, rd::LaserFault::kThermalShutdown);
        }
      world_.touch(s);
    } else if (oe.thermal_shutdown && oe.temp_c < phys::kOeAlarmC - 5.0) {
      oe.thermal_shutdown = false;
      world_.touch(s);
    }
  }
  for (std::uint32_t ei = 0; ei < s.els.size(); ++ei) {
    ElsModel& e = s.els[ei];
    double watts = 0;
    for (const auto& l : e.lasers) watts += e.present ? laser_watts(l) : 0.0;
    const double target =
        s.coolant_c + phys::els_k_per_watt(e.lasers.size()) * watts + (e.present ? e.extra_rise : 0.0);
    if (std::abs(target - e.temp_c) > kThermalEpsilonC) settled = false;
    e.temp_c += (target - e.temp_c) * alpha;
    if (!e.present) continue;
    const std::uint32_t flags = threshold_bits(e.temp_c, phys::kLaserWarnC, phys::kLaserAlarmC);
    if (flags != e.temp_flags) {
      e.temp_flags = flags;
      world_.publisher().els_event(s, ei, 0, false, rd::EventType::kTempAlarm, static_cast<std::uint32_t>(worst(flags)),
                                   temp_word(e.temp_c));
      world_.optics().raise_flag(s, e.temp, static_cast<std::uint8_t>(flags & cmis::field::kTemperatureFlags.mask),
                                 false, ei, 0, cmis::field::kTemperatureFlags);
    }
    for (std::uint32_t k = 0; k < e.lasers.size(); ++k) {
      LaserModel& l = e.lasers[k];
      l.temp_c = e.temp_c + phys::kLaserKPerWatt * (laser_watts(l) > phys::kLaserOffWatts ? laser_watts(l) : 0.0);
      const bool lit = l.state == rd::LaserState::kOn || l.state == rd::LaserState::kRamping;
      if (l.state == rd::LaserState::kRamping) settled = false;
      if (lit && aging) l.age_h += dt / 3600.0;
      if (l.state == rd::LaserState::kOn && l.acc && l.fiber_checked) {
        // ACC: the bias is held; the output follows the L-I curve as temperature and age move.
        l.bias_ma = l.bias_setpoint_ma;
        const double p = phys::acc_power_mw(l.bias_ma, l.temp_c, l.age_h);
        if (std::abs(p - l.power_mw) > 1e-6) {
          l.power_mw = l.target_mw = p;
          world_.touch(s);
        }
      } else if (lit) {
        // APC (and the fiber-check level, and ramps): the bias the output needs.
        const double out = laser_output_mw(l, world_.now().count());
        l.bias_ma = out > 0 ? phys::required_bias_ma(out, l.temp_c, l.age_h) : 0.0;
      } else {
        l.bias_ma = 0;
      }
      if (lit && l.temp_c > phys::kLaserShutdownC) {
        world_.publisher().els_event(s, ei, k, false, rd::EventType::kThermalShutdown, 0, temp_word(l.temp_c));
        world_.optics().laser_fail(s, ei, k, rd::LaserFault::kThermalShutdown);
        continue;
      }
      if (l.state == rd::LaserState::kOn && !l.acc && l.bias_ma > phys::kBiasMaxMa) {
        // The APC loop cannot reach the set-point within the bias limit: end of life.
        world_.optics().laser_fail(s, ei, k, rd::LaserFault::kApcLoop);
        l.bias_ma = phys::kBiasMaxMa;
        continue;
      }
      std::uint32_t f = l.enabled ? rd::bits::kLaserFlagsEnabled.mask() : 0;
      if (l.bias_ma > phys::kBiasHighWarningMa) f |= rd::bits::kLaserFlagsBiasHighWarning.mask();
      if (l.temp_c > phys::kLaserAlarmC) f |= rd::bits::kLaserFlagsTempHighAlarm.mask();
      l.flags = f;
    }
    for (std::uint32_t b = 0; b < e.banks.size(); ++b) {
      std::uint8_t warn = 0;
      for (std::uint32_t i = 0; i < 8 && b * 8 + i < e.lasers.size(); ++i)
        if (e.lasers[b * 8 + i].flags & rd::bits::kLaserFlagsBiasHighWarning.mask())
          warn = static_cast<std::uint8_t>(warn | (1u << i));
      world_.optics().raise_flag(s, e.banks[b].bias_high_warning, warn, false, ei, b, cmis::field::kElsBiasFlags,
                                 kHighWarning);
    }
  }
  tx_bias_flags(s);
  return settled;
}

void Links::tx_bias_flags(SwitchModel& s) {
  const double per_laser = lanes_per_laser(s);
  const double ha = phys::lane_bias_ma(phys::kBiasMaxMa, per_laser);
  const double la = phys::lane_bias_ma(phys::kBiasLowAlarmMa, per_laser);
  const double hw = phys::lane_bias_ma(phys::kBiasHighWarningMa, per_laser);
  const double lw = phys::lane_bias_ma(phys::kBiasLowWarningMa, per_laser);
  // Per laser first (a laser lights several lanes), then per lane: bits 0..3 = HA, LA, HW, LW.
  // Scratch per thread: switches run this in parallel during the tick.
  thread_local std::vector<std::uint8_t> flag_scratch;                 // per laser
  thread_local std::vector<std::array<std::uint8_t, 4>> bank_scratch;  // per OE bank
  flag_scratch.assign(s.els.size() * s.lasers_per_els, 0);
  bool any = false;
  for (std::uint32_t e = 0; e < s.els.size(); ++e)
    for (std::uint32_t k = 0; k < s.els[e].lasers.size(); ++k) {
      const double bias = s.els[e].present ? phys::lane_bias_ma(s.els[e].lasers[k].bias_ma, per_laser) : 0.0;
      const auto f = static_cast<std::uint8_t>((bias > ha ? 1u : 0u) | (bias < la ? 2u : 0u) | (bias > hw ? 4u : 0u) |
                                               (bias < lw ? 8u : 0u));
      flag_scratch[e * s.lasers_per_els + k] = f;
      any = any || f != 0;
    }
  // Nothing to raise and nothing raised before: every flag stays clear.
  if (!any && !s.tx_bias_flagged) return;
  s.tx_bias_flagged = any;
  const std::size_t banks = s.oes.front().banks.size();
  bank_scratch.assign(s.oes.size() * banks, {});
  for (const LaneModel& l : s.lanes) {
    const std::uint8_t f = flag_scratch[l.els * s.lasers_per_els + l.laser];
    if (f == 0) continue;
    // Low flags only where the lane is meant to be lit (its data path activated).
    const bool lit_path = dp_on(s.oes[l.oe], l.bank, l.index_in_bank);
    const auto bit = static_cast<std::uint8_t>(1u << l.index_in_bank);
    auto& b = bank_scratch[l.oe * banks + l.bank];
    for (std::uint32_t k = 0; k < 4; ++k)
      if ((f >> k) & 1u && (lit_path || k == 0 || k == 2)) b[k] = static_cast<std::uint8_t>(b[k] | bit);
  }
  for (std::uint32_t o = 0; o < s.oes.size(); ++o)
    for (std::uint32_t b = 0; b < s.oes[o].banks.size(); ++b)
      for (std::uint32_t k = 0; k < 4; ++k)
        if (s.oes[o].banks[b].tx_bias[k].current != bank_scratch[o * banks + b][k])
          world_.optics().raise_flag(s, s.oes[o].banks[b].tx_bias[k], bank_scratch[o * banks + b][k], true, o, b,
                                     cmis::field::kTxBiasFlags, k);
}

}  // namespace cpo::sim
