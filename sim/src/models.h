// The simulator's models: a unit's register window and Bar, the state of each unit, OE, ELS,
// laser, port and lane of a switch, the small functions of that state the roles share, and the
// timers that drive them. Private to cposdk_sim.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "cpo/hal/backend/bar.h"
#include "cpo/hal/backend/refdev/refdev.h"
#include "cpo/hal/cmis/fields.h"
#include "cpo/hal/platform.h"
#include "cpo/sim/simulator.h"

namespace cpo::sim {

namespace rd = cpo::refdev;

// One unit's register window: 32-bit words accessed atomically (std::atomic_ref), so a
// driver thread or another process mapping the same memory never races with the firmware.
class Window {
 public:
  void attach(std::uint32_t* words) noexcept { words_ = words; }
  [[nodiscard]] std::uint32_t load(std::size_t offset) const noexcept {
    return std::atomic_ref<std::uint32_t>(words_[offset / 4]).load(std::memory_order_acquire);
  }
  // Every store is a release: a reader that acquires a status word also sees the odd
  // Generation written before it, which is what the seqlock needs, without a standalone
  // fence (ThreadSanitizer does not model fences). On x86 a release store is a plain mov.
  void store(std::size_t offset, std::uint32_t v) noexcept {
    std::atomic_ref<std::uint32_t>(words_[offset / 4]).store(v, std::memory_order_release);
  }
  void store64(std::size_t lo_offset, std::uint64_t v) noexcept {
    store(lo_offset, static_cast<std::uint32_t>(v));
    store(lo_offset + 4, static_cast<std::uint32_t>(v >> 32));
  }
  void clear(std::size_t offset, std::size_t bytes) noexcept {
    for (std::size_t o = offset; o < offset + bytes; o += 4) store(o, 0);
  }

 private:
  std::uint32_t* words_ = nullptr;
};

// The register windows of a switch's units in one anonymous mapping of zero pages: only the
// pages the firmware writes become resident (a cpo144 unit fills about a fifth of the
// window's record capacity), and one mapping per switch keeps a large fabric far below the
// kernel's limit on mappings per process (vm.max_map_count, 65,530 by default).
class WindowMemory {
 public:
  WindowMemory() = default;
  ~WindowMemory();
  WindowMemory(const WindowMemory&) = delete;
  WindowMemory& operator=(const WindowMemory&) = delete;
  [[nodiscard]] bool map(std::size_t units) noexcept;
  [[nodiscard]] std::uint32_t* window(std::size_t unit) const noexcept {
    return static_cast<std::uint32_t*>(base_) + unit * (rd::kWindowBytes / 4);
  }

 private:
  void* base_ = nullptr;
  std::size_t bytes_ = 0;
};

class World;
struct SwitchModel;

class UnitBar final : public Bar {
 public:
  UnitBar(SwitchModel* sw, std::size_t unit) : sw_(sw), unit_(unit) {}
  [[nodiscard]] std::size_t size() const noexcept override { return rd::kWindowBytes; }
  [[nodiscard]] std::uint32_t read32(std::size_t offset) const noexcept override;
  void write32(std::size_t offset, std::uint32_t value) noexcept override;
  [[nodiscard]] std::chrono::nanoseconds now() const noexcept override;
  void wait(std::chrono::nanoseconds duration) noexcept override;
  [[nodiscard]] DmaRegion dma_region() const noexcept override;  // publisher.cpp

 private:
  SwitchModel* sw_;  // its world: sw_->world
  std::size_t unit_;
};

struct UnitModel {
  std::size_t index = 0;
  Window win;
  std::unique_ptr<UnitBar> bar;
  std::uint32_t first_port = 0, port_count = 0, first_lane = 0, lane_count = 0;
  std::uint32_t first_oe = 0, oe_count = 0, first_els = 0, els_count = 0;
  // mailbox
  // Set by the Bar thread that writes the doorbell (or HardReset) and queues the unit for
  // the firmware; cleared by the firmware when it takes the unit off the queue.
  std::atomic<bool> rung{false};
  // The window is caller memory another process may write directly (cpo-simd's memfds):
  // the firmware polls its doorbell instead of waiting to be rung through the Bar.
  bool polled = false;
  std::uint32_t last_doorbell = 0;
  bool busy = false;
  std::uint32_t tag = 0, opcode = 0;
  std::array<std::uint32_t, 8> args{};
  cmis::PageBytes data{};
  rd::Completion early = rd::Completion::kOk;  // validation result decided at the doorbell
  std::uint32_t early_result0 = 0;
  std::uint64_t cmd_token = 0;
  bool resetting = false;
  bool reset_from_mailbox = false;
  // faults and counters touched by Bar threads
  std::atomic<bool> removed{false};
  std::atomic<std::uint32_t> pcie_error_reads{0};
  std::atomic<std::uint64_t> writes{0};
  bool hung = false;
  // firmware counters
  std::uint32_t heartbeat = 0, generation = 0, evt_producer = 0, evt_lost = 0;
  // status snapshot channel: the last SnapRequest served; host memory the unit's Bar offers
  // for its copies, allocated on the driver's first dma_region() call so that large fabrics
  // without a driver cost nothing (publisher.cpp)
  std::uint32_t last_snap_request = 0;
  mutable std::once_flag dma_once;
  mutable std::unique_ptr<std::uint32_t[]> dma;
};

struct LaserModel {
  bool enabled = false;        // page 1Ah LaneEnable
  bool fiber_checked = false;  // page 1Ah OutputFiberChecked: may leave the fiber-check power
  bool acc = false;            // page 1Ah ControlMode clear: ACC (bias set-point)
  rd::LaserState state = rd::LaserState::kOff;
  rd::LaserFault fault = rd::LaserFault::kNone;
  bool failed = false;           // injected APC loop failure
  bool thermal_latched = false;  // turned off by over-temperature until re-enabled
  // An interlock opened while page 1Ah said "fiber checked": that bit no longer counts until
  // the host clears it, so the laser relights only through a new fiber check.
  bool check_void = false;
  double setpoint_mw = 0;  // from page 1Bh
  double bias_setpoint_ma = 0;
  double power_mw = 0;  // steady output while On (laser_output_mw gives the output at any time)
  double bias_ma = 0;
  double temp_c = 0;
  double age_h = 0;
  // Ramping: from ramp_from_mw at ramp_start_ns toward target_mw at phys::kRampMwPerMs.
  double ramp_from_mw = 0, target_mw = 0;
  std::int64_t ramp_start_ns = 0;
  std::uint64_t token = 0;
  std::uint32_t flags = 0;  // refdev LaserFlags bits (current)
};

// What a laser heads for once lit: the fiber-check power until its output fiber is checked,
// then its power set-point (APC) or what its bias set-point gives through the L-I curve (ACC).
[[nodiscard]] double laser_target_mw(const LaserModel& l) noexcept;
// Its optical output at `now_ns` (ramps included); 0 unless On or Ramping.
[[nodiscard]] double laser_output_mw(const LaserModel& l, std::int64_t now_ns) noexcept;

struct FlagLatch {
  std::uint8_t current = 0;
  std::uint8_t latched = 0;
};

struct ElsBank {                                                  // one CMIS bank of up to 8 lasers
  cmis::PageBytes p1a_rw{};                                       // writable bytes of page 1Ah
  cmis::PageBytes p1b_rw{};                                       // writable bytes of page 1Bh
  FlagLatch lane_fault;                                           // 1Ah 166
  FlagLatch bias_high_alarm, bias_high_warning, power_low_alarm;  // 1Ah 186, 188, 191
};

struct ElsModel {
  bool present = true;
  std::vector<LaserModel> lasers;
  std::vector<ElsBank> banks;
  // Loss of the fiber from each laser to its OE (jumper and connectors), dB, and the power
  // fraction it lets through; a property of the path, so it survives a module swap.
  std::vector<double> fiber_loss_db, fiber_gain;
  void set_fiber_loss(std::uint32_t laser, double db);
  double temp_c = 0, extra_rise = 0;
  // The laser-safety interlock loop of the slot is open (ElsFlags.InterlockOpen): every laser
  // held off. A property of the slot's wiring, so it survives a module swap.
  bool interlock_open = false;
  // The units whose lanes it lights (World::make_nodes): two when the module straddles units
  // (cpo144's ELS 4 lights ports 32..35 of unit 0 and 36..39 of unit 1); `unit` is the first.
  std::vector<std::uint32_t> units;
  std::uint32_t unit = 0;
  std::uint32_t insert_count = 0;
  std::uint32_t temp_flags = 0;
  std::uint8_t control = 0;  // lower ModuleGlobalControls
  FlagLatch temp;            // lower TempMonFlags
};

struct SwitchModel;
struct LaneModel;
struct OeModel;
// An OE's ModuleGlobalControls at power-on: LowPwrRequestSW set on a cold start.
[[nodiscard]] std::uint8_t oe_power_on_control(StartState start) noexcept;
// Lanes of an OE that one ELS laser lights (cpo144: a laser per 4-lane port).
[[nodiscard]] double lanes_per_laser(const SwitchModel& s) noexcept;
// A lane's Tx bias (page 11h), mA: its share of its laser's bias, 0 with the ELS removed.
[[nodiscard]] double lane_bias(const SwitchModel& s, const LaneModel& l, double per_laser) noexcept;

// Module supply current (page 1Bh ICC and the status region's SupplyCurrent), mA.
[[nodiscard]] double els_icc_ma(const ElsModel& e) noexcept;
// A bank's host-written bytes in their power-on state (set-points, APC); `operational`: its
// lasers enabled and their output fibers checked.
void init_els_bank(ElsBank& bank, std::uint32_t lasers, bool operational);
// Event detail and status-region temperature: signed 1/256 degC (the CMIS temperature
// encoding), saturated.
[[nodiscard]] std::uint32_t temp_word(double c);
// Electrical power a laser draws, and an OE (by module state), W.
[[nodiscard]] double laser_watts(const LaserModel& l);
[[nodiscard]] double oe_watts(const OeModel& oe);

struct BankModel {
  cmis::PageBytes p10{};  // page 10h control bytes
  std::array<rd::DataPathState, 8> dp{};
  std::array<std::uint64_t, 8> dp_token{};
  std::uint8_t init_pending = 0;
  std::uint8_t config_ok = 0;  // lanes whose DPInit completed since the module became ready (11h ConfigSuccess)
  FlagLatch dp_changed, tx_fault, tx_los, rx_los, rx_lol;
  FlagLatch rx_power_low_alarm, rx_power_low_warning;  // page 11h RxPowerFlags LA, LW
  FlagLatch tx_power_low_alarm;                        // page 11h TxPowerFlags LA
  std::array<FlagLatch, 4> tx_bias;                    // page 11h TxBiasFlags: HA, LA, HW, LW
};

struct OeModel {
  rd::ModuleState state = rd::ModuleState::kLowPwr;
  bool faulted = false, unresponsive = false, thermal_shutdown = false;
  bool no_light = false;  // a lane of it gets no laser light from its ELS (OeFaults.NoLight)
  double temp_c = 0, extra_rise = 0;
  std::uint64_t token = 0;
  std::uint8_t control = 0;  // lower ModuleGlobalControls
  std::uint32_t temp_flags = 0;
  FlagLatch state_changed, temp;
  std::vector<BankModel> banks;
  std::uint32_t unit = 0;
  std::uint32_t ports_served = 0;
  // The switch lane of each bank's lane (bank * cmis::kLanesPerBank + index in bank; kNoLane where it has
  // none): a bank's flags are computed over all of its lanes when settling recomputed some.
  static constexpr std::uint32_t kNoLane = 0xFFFFFFFFu;
  std::vector<std::uint32_t> bank_lanes;
};

struct LaneModel {
  // configuration
  std::int32_t fir_pre = rd::kTxFirPreDefault, fir_main = rd::kTxFirMainDefault, fir_post = rd::kTxFirPostDefault;
  rd::PrbsPattern pattern = rd::PrbsPattern::kOff;
  bool gen = false, chk = false;
  double degrade_db = 0;
  double fiber_loss_db = 0;                // fiber leaving this lane's transmitter
  double fiber_loss_settled_db = 0;        // its value at the last settle (far receivers saw it)
  double fiber_gain_out = 0;               // power fraction that fiber lets through, at the last settle
  std::size_t peer_sw = 0, peer_lane = 0;  // where this lane's light goes (and comes from)
  double static_penalty_db = 0;            // per-lane manufacturing spread (seeded)
  // topology cache
  std::uint32_t port = 0, index_in_port = 0, oe = 0, bank = 0, index_in_bank = 0, els = 0, laser = 0;
  // What the far receiver reads of this transmitter besides its power, at the last settle: its
  // FIR taps and PRBS generator (links.cpp tx_view). A change recomputes the far lane.
  std::uint32_t tx_view = 0xFFFFFFFFu;
  // physics (recomputed when the model changes)
  double laser_in_mw = 0;  // steady laser light reaching the OE for this lane, before the split
  double tx_mw = 0, rx_dbm = -100, rx_mw = 0, snr = 0, ber = 0.5;
  bool sig = false, cdr = false, prbs_lock = false;
  bool counting = false;                          // a FEC or PRBS counter moves (NodeModel::counting_lanes)
  double fec_corr_rate = 0, fec_uncorr_rate = 0;  // codewords per second
  // The receiver chain's inputs at its last evaluation (far transmitter power, fiber loss,
  // SNR penalty, near-end loopback) and what they gave: a lane whose inputs did not change
  // skips the transcendental math (incremental physics). NaN: never evaluated.
  double memo_tx_mw = std::numeric_limits<double>::quiet_NaN(), memo_loss_db = 0, memo_penalty_db = 0;
  bool memo_near = false;
  double penalty_db_cached = std::numeric_limits<double>::quiet_NaN(), penalty_gain = 1;  // 10^(-dB/10)
  double memo_fec_corr = 0, memo_fec_uncorr = 0;                                          // fractions of codewords
  // counters
  double corr_acc = 0, uncorr_acc = 0, prbs_err_acc = 0, prbs_bits_acc = 0;
  std::uint64_t corr = 0, uncorr = 0, prbs_err = 0, prbs_bits = 0;
  std::uint64_t rx_mark = 0;  // the settle that listed it for its node's receiver pass
};

struct PortModel {
  std::uint32_t admin = 0, oper = 0, breakout = 1;
  rd::Fec fec = rd::Fec::kRs544;
  rd::Loopback loopback = rd::Loopback::kNone;
  rd::LinkCause down_cause = rd::LinkCause::kNone;
  std::uint32_t down_count = 0, up_count = 0;
  std::array<std::uint64_t, 8> train_token{};
  std::uint32_t training = 0;  // bit s: sub-port s training
  std::uint32_t unit = 0, first_lane = 0, lanes = 0;
  // MTU per sub-port (SetMtu, firmware.cpp). 68 is the IPv4 minimum (RFC 791), 9216 the
  // largest MTU Spectrum-class switch ASICs accept (NVIDIA Cumulus Linux, "MTU": up to 9216),
  // 9100 the default port MTU SONiC configures (sonic-buildimage port_config.ini).
  static constexpr std::uint32_t kMtuMin = 68, kMtuMax = 9216, kMtuDefault = 9100;
  std::array<std::uint32_t, 8> mtu{kMtuDefault, kMtuDefault, kMtuDefault, kMtuDefault,
                                   kMtuDefault, kMtuDefault, kMtuDefault, kMtuDefault};
  // What the far end's link evaluation reads of this port (admin, FEC, breakout, PRBS
  // generators) at the last settle: when it changes, the far end's links are re-evaluated.
  std::uint32_t far_view = 0;
  bool dirty = false;           // listed in its node's dirty ports (NodeModel::ports)
  std::uint64_t link_mark = 0;  // the settle that listed it for its node's link pass
};

// Timed work, ordered by time then by insertion (deterministic).
enum class TimerKind { command, reset, oe_step, dp_step, laser_ramp, train, tick };
struct Timer {
  TimerKind kind;
  std::size_t sw;
  std::uint32_t a, b, c;
  std::uint64_t token;
};

// A mailbox command's completion the firmware posts once the model has settled (firmware.cpp).
struct Completion {
  std::size_t unit = 0;
  rd::Completion code = rd::Completion::kOk;
  std::array<std::uint32_t, 4> results{};
};

// A node: a unit of a switch, or the units that share an optical engine (none on the built-in
// profiles). A node is what the world schedules, settles and reserves: its timers, commands
// and settling write only its own units' ports, lanes and OEs and, through fibers, the far
// ends' nodes, so two nodes of one switch run beside each other as two switches do
// (World::run_until). An ELS module may light the lanes of two units (cpo144's ELS 4: units 0
// and 1); only a timer that writes it (a CmisRead or CmisWrite of its pages, a laser ramp)
// works on both nodes, and its batch reserves both (World::for_partners).
struct NodeModel {
  std::size_t id = 0;                // node_id(switch, index in SwitchModel::nodes)
  SwitchModel* sw = nullptr;         // its switch
  std::vector<std::uint32_t> units;  // ascending
  // Settling: `dirty` when the node changed since the last settle; `peers` are the nodes its
  // fibers reach (their receivers see its transmitters).
  bool dirty = false;
  // What of a dirty node settling recomputes: every lane and port (`whole`: its optics, ELS or
  // data paths changed), the lanes and ports of `ports` alone (a port's configuration or
  // link changed: World::touch_port), or nothing but its status regions (neither: World::show,
  // a CMIS read's latched flags or an MTU). A port's change reaches only its own fibers' far
  // ends.
  bool whole = false;
  std::vector<std::uint32_t> ports;
  std::uint64_t rx_stamp = 0, link_stamp = 0, pub_stamp = 0;  // list membership in the current settle
  // This settle's receiver and link passes: every lane (port) of the node, or those listed.
  bool rx_whole = false, link_whole = false;
  std::vector<std::uint32_t> rx_lanes, link_ports;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> rx_banks;  // (OE, bank) of rx_lanes (scratch)
  std::vector<std::size_t> peers;
  // Some FEC or PRBS counter of its lanes moves (recompute_rx; SwitchModel::counting_nodes):
  // counting_lanes of them.
  bool counting = false;
  std::uint32_t counting_lanes = 0;
  // What this node's work in a parallel pass (World::each) leaves for the rest of the world,
  // kept here so that a pass writes nothing shared; the merge after the pass takes it in list
  // order, which is the order the sequential loop produced.
  bool dirty_queued = false;                               // touched: joins the batch's dirty list
  std::vector<std::size_t> touch_also;                     // other nodes it touched (a shared ELS)
  std::vector<std::pair<std::int64_t, Timer>> new_timers;  // scheduled: join the timer queue
  std::vector<Completion> completions;                     // posted after the next settle
  // Settle: the far lanes to recompute and far ports to re-evaluate (far node id, lane/port).
  std::vector<std::pair<std::size_t, std::uint32_t>> rx_hits, link_hits;
  std::vector<Timer> due, due_trains;  // this instant's timers of this node, in order
  bool pass_result = false;            // what the pass's function returned
  // Batches running beside the world's lock holder that may write this node (World::mark;
  // none reads a node it does not write), and the stamp of the last reach computation that
  // listed it.
  std::uint32_t writers = 0;
  std::uint64_t reach_stamp = 0;
};
// Node ids pack the switch index and the node's index in it (at most kMaxNodes per switch).
inline constexpr std::size_t kNodeBits = 8, kMaxNodes = std::size_t{1} << kNodeBits;
[[nodiscard]] constexpr std::size_t node_id(std::size_t sw, std::size_t node) noexcept {
  return sw << kNodeBits | node;
}
[[nodiscard]] constexpr std::size_t node_switch(std::size_t id) noexcept { return id >> kNodeBits; }
[[nodiscard]] constexpr std::size_t node_index(std::size_t id) noexcept { return id & (kMaxNodes - 1); }

struct SwitchModel {
  // The world that runs this switch; a merge (World::absorb) moves it, under both worlds' locks.
  std::atomic<World*> world{nullptr};
  std::size_t index = 0;
  SimOptions options;
  Platform platform;
  WindowMemory window_memory;  // the units' windows unless the caller provides them
  std::vector<std::unique_ptr<UnitModel>> units;
  std::vector<OeModel> oes;
  std::vector<ElsModel> els;
  std::vector<PortModel> ports;
  std::vector<LaneModel> lanes;
  std::vector<NodeModel> nodes;
  std::vector<std::uint32_t> node_of_unit;  // index in `nodes`
  std::uint32_t lanes_per_port = 4, lasers_per_els = 8, breakout_caps = 0, default_breakout = 1;
  double coolant_c = 30.0;
  std::mt19937_64 rng;
  // The firmware tick's view (see Links::tick): `quiet` when the last thermal pass found every
  // temperature at its target and no ramp. A quiet switch none of whose nodes changed
  // refreshes only its heartbeat and, if counting, its counters; its thermal and aging run
  // once every kQuietTicks ticks over the time accumulated in `pending_dt_s`.
  bool quiet = false;
  double pending_dt_s = 0;
  // Set by any node's work (batches of two nodes may run at once, hence atomics): `changed`
  // since the last tick (touch()), how many nodes are `counting`, and `queued` when a pass left
  // something in a node for the merge (World::each_switch merges only such switches).
  std::atomic<bool> changed{true}, queued{false};
  std::atomic<std::uint32_t> counting_nodes{0};
  bool tx_bias_flagged = false;  // some page 11h Tx bias flag condition held at the last thermal pass
  bool ticked = false;           // the tick republishes it after settling
  [[nodiscard]] NodeModel& node_of(std::size_t unit) noexcept { return nodes[node_of_unit[unit]]; }
  [[nodiscard]] const NodeModel& node_of(std::size_t unit) const noexcept { return nodes[node_of_unit[unit]]; }
  [[nodiscard]] bool any_changed() const noexcept { return changed.load(std::memory_order_relaxed); }
  [[nodiscard]] bool any_counting() const noexcept { return counting_nodes.load(std::memory_order_relaxed) > 0; }
  // The node of a lane (of its port's unit).
  [[nodiscard]] std::size_t lane_node(std::size_t lane) const noexcept {
    return nodes[node_of_unit[ports[lanes[lane].port].unit]].id;
  }
  explicit SwitchModel(Platform p) : platform(std::move(p)) {}
};

}  // namespace cpo::sim
