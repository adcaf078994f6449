// A minimal test-side device implementing the reference interface over a memory Bar, in
// virtual time: enough firmware to answer every command with the completion codes of
// registers.def, publish the status region under the seqlock and fill the event ring, plus
// back-door knobs (hang, surprise removal, transient all-ones, stuck seqlock, ring flood).
// It is NOT the simulator (sim/): no physics; links follow admin state. It exists so the
// reference driver is tested without depending on the simulator's progress.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <tuple>
#include <vector>

#include "cpo/hal/backend/bar.h"
#include "cpo/hal/backend/refdev/mailbox.h"
#include "cpo/hal/backend/refdev/refdev.h"
#include "cpo/hal/platform.h"

namespace cpo::testing {

namespace rd = ::cpo::refdev;

class FakeUnit final : public Bar {
 public:
  FakeUnit(const Platform& platform, std::uint32_t unit) : mem_(rd::kWindowBytes / 4, 0), unit_(unit) {
    const UnitRanges r = *platform.unit_ranges(UnitId(unit));
    port_count_ = r.port_count;
    first_port_ = r.first_port;
    lanes_per_port_ = static_cast<std::uint32_t>(platform.ports()[first_port_].lanes.size());
    first_lane_ = r.first_lane;
    const std::uint32_t oe_count = r.oe_count, first_oe = r.first_oe, els_lo = r.first_els;
    els_count_ = r.els_count;
    lasers_per_els_ = static_cast<std::uint32_t>(platform.els_modules().front().lasers.size());
    oe_count_ = oe_count;
    banks_ = static_cast<std::uint32_t>(platform.optical_engines().front().banks.size());
    els_banks_ = platform.els_modules().front().cmis_banks();
    using namespace rd::reg;
    raw(kMagic) = rd::kMagic;
    raw(kVersion) = rd::kVersion;
    raw(kUnitIndex) = unit;
    raw(kUnitCount) = static_cast<std::uint32_t>(platform.units().size());
    raw(kPortCount) = port_count_;
    raw(kFirstPort) = first_port_;
    raw(kLanesPerPort) = lanes_per_port_;
    raw(kLaneCount) = port_count_ * lanes_per_port_;
    raw(kFirstLane) = first_lane_;
    raw(kOeCount) = oe_count;
    raw(kFirstOe) = first_oe;
    raw(kBanksPerOe) = banks_;
    raw(kLanesPerBank) = 8;
    raw(kElsCount) = els_count_;
    raw(kFirstEls) = els_lo;
    raw(kLasersPerEls) = lasers_per_els_;
    raw(kLaneRateGbps) = platform.lane_rate().value();
    raw(kPortSpeedGbps) = platform.port_speed().value();
    raw(kCapabilities) = 0x1f;  // Cmis, Prbs, Loopback, TxFir, EventRing
    raw(kBreakoutCaps) = (1u << 1) | (1u << 2) | (1u << 4);
    raw(kFecCaps) = (1u << 0) | (1u << 3);  // none, rs544
    raw(kPrbsCaps) = 0x1f;                  // Off and the four patterns
    raw(kLoopbackCaps) = 0x7;
    raw(kEventRingSize) = rd::kEventRingEntries;
    reset_state();
  }

  // ------------------------------------------------------------------ cpo::Bar
  [[nodiscard]] std::size_t size() const noexcept override { return mem_.size() * 4; }
  [[nodiscard]] std::uint32_t read32(std::size_t offset) const noexcept override {
    if (gone_) return 0xffffffffu;
    if (transient_all_ones_ > 0) {
      --transient_all_ones_;
      return 0xffffffffu;
    }
    ++reads_;
    return std::atomic_ref<std::uint32_t>(mem_[offset / 4]).load(std::memory_order_acquire);
  }
  void write32(std::size_t offset, std::uint32_t value) noexcept override {
    if (gone_) return;
    std::atomic_ref<std::uint32_t>(mem_[offset / 4]).store(value, std::memory_order_release);
    if (offset == rd::reg::kMbxDoorbell) doorbell(value);
  }
  [[nodiscard]] std::chrono::nanoseconds now() const noexcept override { return clock_; }
  void wait(std::chrono::nanoseconds d) noexcept override {
    clock_ += d;
    waited_ += d;
    run();
  }

  // ------------------------------------------------------------------ back door
  bool hang = false;               // commands never complete (firmware hang)
  bool stuck_odd = false;          // seqlock generation stays odd
  void remove() { gone_ = true; }  // surprise removal: every read is all-ones
  void transient_all_ones(int reads) { transient_all_ones_ = reads; }
  std::uint32_t& raw(std::size_t offset) { return mem_[offset / 4]; }
  std::uint32_t& field(const rd::Record& rec, std::size_t index, std::size_t f) { return raw(rd::at(rec, index, f)); }
  [[nodiscard]] std::uint64_t reads() const { return reads_; }
  [[nodiscard]] std::chrono::nanoseconds waited() const { return waited_; }
  std::vector<std::uint32_t> opcodes;  // every command executed, in order

  // Firmware publishing under the seqlock.
  template <typename F>
  void publish(F&& f) {
    raw(rd::reg::kGeneration) += 1;
    f();
    raw(rd::reg::kTimeLo) = static_cast<std::uint32_t>(clock_.count());
    raw(rd::reg::kTimeHi) = static_cast<std::uint32_t>(static_cast<std::uint64_t>(clock_.count()) >> 32);
    raw(rd::reg::kGeneration) += 1;
  }
  void push_event(rd::EventType type, std::uint32_t object, std::uint32_t cause = 0, std::uint32_t detail = 0) {
    const std::uint32_t n = raw(rd::reg::kEvtProducer);
    const std::size_t i = n % rd::kEventRingEntries;
    field(rd::record::kEvent, i, rd::field::kEventType) = static_cast<std::uint32_t>(type);
    field(rd::record::kEvent, i, rd::field::kEventObject) = object;
    field(rd::record::kEvent, i, rd::field::kEventCause) = cause;
    field(rd::record::kEvent, i, rd::field::kEventDetail) = detail;
    field(rd::record::kEvent, i, rd::field::kEventTimeLo) = static_cast<std::uint32_t>(clock_.count());
    field(rd::record::kEvent, i, rd::field::kEventTimeHi) = 0;
    field(rd::record::kEvent, i, rd::field::kEventSeq) = n;
    raw(rd::reg::kEvtProducer) = n + 1;
    if (n + 1 - raw(rd::reg::kEvtConsumer) > rd::kEventRingEntries) raw(rd::reg::kEvtLost) += 1;
  }
  // A link changes by itself (fiber cut, far end): status and an event.
  void set_link(std::uint32_t port, std::uint32_t sub, bool up, rd::LinkCause cause = rd::LinkCause::kRxLos) {
    publish([&] {
      auto& mask = field(rd::record::kPort, port, rd::field::kPortOperMask);
      if (up) {
        mask |= 1u << sub;
      } else {
        mask &= ~(1u << sub);
        field(rd::record::kPort, port, rd::field::kPortDownCause) = static_cast<std::uint32_t>(cause);
      }
    });
    push_event(up ? rd::EventType::kLinkUp : rd::EventType::kLinkDown,
               rd::make_object(rd::ObjectKind::kPort, port, sub), up ? 0 : static_cast<std::uint32_t>(cause));
  }
  void set_els_present(std::uint32_t els, bool present) {
    publish([&] {
      field(rd::record::kEls, els, rd::field::kElsPresent) = present ? 1 : 0;
      for (std::uint32_t l = 0; l < lasers_per_els_; ++l) {
        field(rd::record::kLaser, els * lasers_per_els_ + l, rd::field::kLaserState) =
            static_cast<std::uint32_t>(present ? rd::LaserState::kOn : rd::LaserState::kAbsent);
      }
    });
    push_event(present ? rd::EventType::kElsInserted : rd::EventType::kElsRemoved,
               rd::make_object(rd::ObjectKind::kEls, els));
  }
  void fail_laser(std::uint32_t els, std::uint32_t laser, rd::LaserFault code) {
    publish([&] {
      field(rd::record::kLaser, els * lasers_per_els_ + laser, rd::field::kLaserState) =
          static_cast<std::uint32_t>(rd::LaserState::kFault);
      field(rd::record::kLaser, els * lasers_per_els_ + laser, rd::field::kLaserFaultCode) =
          static_cast<std::uint32_t>(code);
    });
    push_event(rd::EventType::kLaserFault, rd::make_object(rd::ObjectKind::kLaser, els, laser),
               static_cast<std::uint32_t>(code));
  }
  std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t>,
           std::array<std::uint8_t, 128>>
      cmis;  // (target, index, bank, page, region) -> bytes
  std::set<std::uint32_t> cmis_pages{0x00, 0x01, 0x02, 0x10, 0x11, 0x1a, 0x1b};

 private:
  void reset_state() {
    publish([&] {
      raw(rd::reg::kUnitFlags) = 1;
      raw(rd::reg::kCoolantTemp) = 30 * 256;
      for (std::uint32_t p = 0; p < port_count_; ++p) {
        field(rd::record::kPort, p, rd::field::kPortAdminMask) = 0;
        field(rd::record::kPort, p, rd::field::kPortOperMask) = 0;
        field(rd::record::kPort, p, rd::field::kPortBreakout) = 1;
        field(rd::record::kPort, p, rd::field::kPortSubportGbps) = raw(rd::reg::kPortSpeedGbps);
        field(rd::record::kPort, p, rd::field::kPortFec) = static_cast<std::uint32_t>(rd::Fec::kRs544);
        field(rd::record::kPort, p, rd::field::kPortLoopback) = 0;
      }
      for (std::uint32_t l = 0; l < port_count_ * lanes_per_port_; ++l) {
        field(rd::record::kLane, l, rd::field::kLaneTxFirPre) = static_cast<std::uint32_t>(rd::kTxFirPreDefault);
        field(rd::record::kLane, l, rd::field::kLaneTxFirMain) = static_cast<std::uint32_t>(rd::kTxFirMainDefault);
        field(rd::record::kLane, l, rd::field::kLaneTxFirPost) = static_cast<std::uint32_t>(rd::kTxFirPostDefault);
        field(rd::record::kLane, l, rd::field::kLanePrbs) = 0;
        field(rd::record::kLane, l, rd::field::kLaneDataPathState) = 4;
        field(rd::record::kLane, l, rd::field::kLanePreFecBer) = 0x3727c5ac;  // 1e-5f
        field(rd::record::kLane, l, rd::field::kLaneSnr) = 2150;              // 21.50 dB
      }
      for (std::uint32_t o = 0; o < oe_count_; ++o) {
        field(rd::record::kOe, o, rd::field::kOeModuleState) = 3;
        field(rd::record::kOe, o, rd::field::kOeTemp) = static_cast<std::uint32_t>(45 * 256 + 128);
        field(rd::record::kOe, o, rd::field::kOeVcc) = 33000;
      }
      for (std::uint32_t e = 0; e < els_count_; ++e) {
        field(rd::record::kEls, e, rd::field::kElsPresent) = 1;
        field(rd::record::kEls, e, rd::field::kElsModuleState) = 3;
        for (std::uint32_t l = 0; l < lasers_per_els_; ++l) {
          field(rd::record::kLaser, e * lasers_per_els_ + l, rd::field::kLaserState) =
              static_cast<std::uint32_t>(rd::LaserState::kOn);
          field(rd::record::kLaser, e * lasers_per_els_ + l, rd::field::kLaserPowerMon) = 200000;  // 20 mW
          field(rd::record::kLaser, e * lasers_per_els_ + l, rd::field::kLaserBiasMon) = 350000;   // 350 mA
          field(rd::record::kLaser, e * lasers_per_els_ + l, rd::field::kLaserFaultCode) = 0;
        }
      }
    });
    raw(rd::reg::kEvtProducer) = 0;
    raw(rd::reg::kEvtConsumer) = 0;
    raw(rd::reg::kEvtLost) = 0;
  }

  void doorbell(std::uint32_t tag) {
    if (busy_) {
      complete(tag, rd::Completion::kBusy, {});
      return;
    }
    busy_ = true;
    raw(rd::reg::kMbxState) = static_cast<std::uint32_t>(rd::MailboxState::kBusy);
    pending_tag_ = tag;
    // Latch the command at the doorbell, as hardware does.
    latched_op_ = raw(rd::reg::kMbxOpcode);
    for (std::size_t i = 0; i < 8; ++i) latched_args_[i] = raw(rd::mbx_arg(i));
    due_ = clock_ + rd::typical_latency(static_cast<rd::Opcode>(latched_op_));
  }

  void run() {
    if (stuck_odd_applied_ != stuck_odd) {
      raw(rd::reg::kGeneration) += 1;  // odd while stuck, even again after
      stuck_odd_applied_ = stuck_odd;
    }
    if (busy_ && !hang && clock_ >= due_) {
      busy_ = false;
      raw(rd::reg::kMbxState) = static_cast<std::uint32_t>(rd::MailboxState::kIdle);
      execute(pending_tag_);
    }
  }

  void complete(std::uint32_t tag, rd::Completion code, std::array<std::uint32_t, 4> results) {
    raw(rd::reg::kMbxCompCode) = static_cast<std::uint32_t>(code);
    for (std::size_t i = 0; i < 4; ++i) raw(rd::mbx_result(i)) = results[i];
    raw(rd::reg::kMbxCompTag) = tag;  // last, as the table requires
  }

  // The unit as the table's REFUSE rows ask about it: the fake refuses arguments with the
  // same generated checks as the simulator (refdev/mailbox.h).
  struct View {
    FakeUnit& f;
    std::uint32_t port_count() const { return f.port_count_; }
    std::uint32_t lane_count() const { return f.port_count_ * f.lanes_per_port_; }
    std::uint32_t lanes_per_port() const { return f.lanes_per_port_; }
    std::uint32_t subports(std::uint32_t port) const {
      return f.field(rd::record::kPort, port, rd::field::kPortBreakout);
    }
    std::uint32_t modules(std::uint32_t target) const {
      return rd::is(target, rd::CmisTarget::kEls) ? f.els_count_ : f.oe_count_;
    }
    std::uint32_t banks(std::uint32_t target, std::uint32_t) const {
      return rd::is(target, rd::CmisTarget::kEls) ? f.els_banks_ : f.banks_;
    }
    std::uint32_t breakout_caps() const { return f.raw(rd::reg::kBreakoutCaps); }
    std::uint32_t fec_caps() const { return f.raw(rd::reg::kFecCaps); }
    std::uint32_t prbs_caps() const { return f.raw(rd::reg::kPrbsCaps); }
    std::uint32_t loopback_caps() const { return f.raw(rd::reg::kLoopbackCaps); }
    std::uint32_t event_producer() const { return f.raw(rd::reg::kEvtProducer); }
    // The fake implements neither SetMtu nor the snapshot channel (no capability bits): the
    // driver never uses them, and would get BadValue if it did.
    std::uint32_t mtu_min() const { return 1; }
    std::uint32_t mtu_max() const { return 0; }
  };

  void execute(std::uint32_t tag) {
    using C = rd::Completion;
    const auto op = static_cast<rd::Opcode>(latched_op_);
    opcodes.push_back(static_cast<std::uint32_t>(op));
    auto done = [&](C c, rd::ResultWords r = {}) { complete(tag, c, r); };
    if (const rd::Refusal refused = rd::check(latched_op_, latched_args_, View{*this}); !refused.ok()) {
      return done(refused.code, {refused.arg, 0, 0, 0});
    }
    const std::span<const std::uint32_t> words = latched_args_;
    switch (op) {
      case rd::Opcode::kNop: return done(C::kOk);
      case rd::Opcode::kPortAdmin: {
        const auto a = rd::unpack_args<rd::PortAdminArgs>(words);
        const std::uint32_t subs = field(rd::record::kPort, a.Port, rd::field::kPortBreakout);
        const std::uint32_t bits = a.Subport == rd::kAllSubports ? (1u << subs) - 1 : 1u << a.Subport;
        auto& admin = field(rd::record::kPort, a.Port, rd::field::kPortAdminMask);
        const std::uint32_t before = field(rd::record::kPort, a.Port, rd::field::kPortOperMask);
        publish([&] {
          admin = a.Up != 0 ? (admin | bits) : (admin & ~bits);
          field(rd::record::kPort, a.Port, rd::field::kPortOperMask) = admin;  // links follow admin here
        });
        for (std::uint32_t s = 0; s < subs; ++s) {
          const bool was = (before >> s) & 1u, is = (admin >> s) & 1u;
          if (was != is) {
            push_event(is ? rd::EventType::kLinkUp : rd::EventType::kLinkDown,
                       rd::make_object(rd::ObjectKind::kPort, a.Port, s),
                       is ? 0 : static_cast<std::uint32_t>(rd::LinkCause::kAdminDown));
          }
        }
        return done(C::kOk, rd::pack_results(rd::PortAdminResults{.AdminMask = admin}));
      }
      case rd::Opcode::kBreakout: {
        const auto a = rd::unpack_args<rd::BreakoutArgs>(words);
        for (std::uint32_t p = a.FirstPort; p < a.FirstPort + a.Count; ++p) {
          if (field(rd::record::kPort, p, rd::field::kPortAdminMask) != 0) {
            return done(C::kWrongState, rd::pack_results(rd::BreakoutResults{.Changed = 0, .Port = p}));
          }
        }
        std::uint32_t changed = 0;
        publish([&] {
          for (std::uint32_t p = a.FirstPort; p < a.FirstPort + a.Count; ++p) {
            auto& b = field(rd::record::kPort, p, rd::field::kPortBreakout);
            if (b != a.Subports) ++changed;
            b = a.Subports;
            field(rd::record::kPort, p, rd::field::kPortSubportGbps) = raw(rd::reg::kPortSpeedGbps) / a.Subports;
          }
        });
        return done(C::kOk, rd::pack_results(rd::BreakoutResults{.Changed = changed, .Port = 0}));
      }
      case rd::Opcode::kFecMode: {
        const auto a = rd::unpack_args<rd::FecModeArgs>(words);
        publish([&] { field(rd::record::kPort, a.Port, rd::field::kPortFec) = a.Mode; });
        return done(C::kOk);
      }
      case rd::Opcode::kTxFir: {
        const auto a = rd::unpack_args<rd::TxFirArgs>(words);
        publish([&] {
          field(rd::record::kLane, a.Lane, rd::field::kLaneTxFirPre) = a.Pre;
          field(rd::record::kLane, a.Lane, rd::field::kLaneTxFirMain) = a.Main;
          field(rd::record::kLane, a.Lane, rd::field::kLaneTxFirPost) = a.Post;
        });
        return done(C::kOk);
      }
      case rd::Opcode::kPrbs: {
        const auto a = rd::unpack_args<rd::PrbsArgs>(words);
        const bool checker = rd::bits::kPrbsFlagsChecker.get(a.Flags) != 0;
        publish([&] {
          field(rd::record::kLane, a.Lane, rd::field::kLanePrbs) =
              rd::bits::kPrbsConfigPattern.put(a.Pattern) |
              rd::bits::kPrbsConfigGenerator.put(rd::bits::kPrbsFlagsGenerator.get(a.Flags)) |
              rd::bits::kPrbsConfigChecker.put(checker ? 1u : 0u);
          auto& flags = field(rd::record::kLane, a.Lane, rd::field::kLaneFlags);
          flags =
              checker ? (flags | rd::bits::kLaneFlagsPrbsLock.mask()) : (flags & ~rd::bits::kLaneFlagsPrbsLock.mask());
          if (rd::bits::kPrbsFlagsClearCounters.get(a.Flags) != 0) {
            field(rd::record::kLane, a.Lane, rd::field::kLanePrbsErrorsLo) = 0;
            field(rd::record::kLane, a.Lane, rd::field::kLanePrbsBitsLo) = 0;
          }
        });
        return done(C::kOk);
      }
      case rd::Opcode::kLoopback: {
        const auto a = rd::unpack_args<rd::LoopbackArgs>(words);
        publish([&] { field(rd::record::kPort, a.Port, rd::field::kPortLoopback) = a.Mode; });
        return done(C::kOk);
      }
      case rd::Opcode::kCmisRead: {
        const auto a = rd::unpack_args<rd::CmisReadArgs>(words);
        const bool lower = rd::is(a.Region, rd::CmisRegion::kLower);
        if (rd::is(a.Target, rd::CmisTarget::kEls) && field(rd::record::kEls, a.Index, rd::field::kElsPresent) == 0) {
          return done(C::kNotPresent);
        }
        if (!lower && cmis_pages.count(a.Page) == 0) return done(C::kUnsupported, {3, 0, 0, 0});
        auto& bytes = cmis[{a.Target, a.Index, lower ? 0 : a.Bank, lower ? 0 : a.Page, a.Region}];
        for (std::uint32_t w = 0; w < 32; ++w) {
          raw(rd::mbx_data_word(w)) = std::uint32_t{bytes[4 * w]} | std::uint32_t{bytes[4 * w + 1]} << 8 |
                                      std::uint32_t{bytes[4 * w + 2]} << 16 | std::uint32_t{bytes[4 * w + 3]} << 24;
        }
        return done(C::kOk, rd::pack_results(rd::CmisReadResults{.Bytes = rd::kMailboxDataBytes}));
      }
      case rd::Opcode::kCmisWrite: {
        const auto a = rd::unpack_args<rd::CmisWriteArgs>(words);
        const bool lower = rd::is(a.Region, rd::CmisRegion::kLower);
        if (rd::is(a.Target, rd::CmisTarget::kEls) && field(rd::record::kEls, a.Index, rd::field::kElsPresent) == 0) {
          return done(C::kNotPresent);
        }
        if (!lower && cmis_pages.count(a.Page) == 0) return done(C::kUnsupported, {3, 0, 0, 0});
        if (lower && a.Offset + a.Length > 126) return done(C::kReadOnly);  // bank/page select bytes
        auto& bytes = cmis[{a.Target, a.Index, lower ? 0 : a.Bank, lower ? 0 : a.Page, a.Region}];
        for (std::uint32_t i = a.Offset; i < a.Offset + a.Length; ++i) {
          bytes[i] = static_cast<std::uint8_t>(raw(rd::mbx_data_word(i / 4)) >> (8 * (i % 4)));
        }
        return done(C::kOk);
      }
      case rd::Opcode::kUnitReset:
        reset_state();
        done(C::kOk);
        push_event(rd::EventType::kUnitReset, rd::make_object(rd::ObjectKind::kUnit, 0));
        return;
      case rd::Opcode::kEventAck: {
        const auto a = rd::unpack_args<rd::EventAckArgs>(words);
        const std::uint32_t lost = raw(rd::reg::kEvtLost);
        raw(rd::reg::kEvtConsumer) = a.Consumer;
        raw(rd::reg::kEvtLost) = 0;
        return done(C::kOk,
                    rd::pack_results(rd::EventAckResults{.Producer = raw(rd::reg::kEvtProducer), .Lost = lost}));
      }
      case rd::Opcode::kCountersClear: return done(C::kOk);
      case rd::Opcode::kSetMtu: return done(C::kBadOpcode);  // refused by the check above
    }
  }

  mutable std::vector<std::uint32_t> mem_;
  std::uint32_t unit_;
  std::uint32_t port_count_ = 0, first_port_ = 0, lanes_per_port_ = 0, first_lane_ = 0, oe_count_ = 0, banks_ = 0;
  std::uint32_t els_count_ = 0, lasers_per_els_ = 0, els_banks_ = 0;
  std::chrono::nanoseconds clock_{0};
  std::chrono::nanoseconds waited_{0};
  std::chrono::nanoseconds due_{0};
  bool busy_ = false;
  std::uint32_t pending_tag_ = 0;
  std::uint32_t latched_op_ = 0;
  std::array<std::uint32_t, 8> latched_args_{};
  bool gone_ = false;
  bool stuck_odd_applied_ = false;
  mutable int transient_all_ones_ = 0;
  mutable std::uint64_t reads_ = 0;
};

// One fake unit per unit of a platform.
struct FakeSwitch {
  explicit FakeSwitch(const Platform& platform) {
    for (std::uint32_t u = 0; u < platform.units().size(); ++u)
      units.push_back(std::make_unique<FakeUnit>(platform, u));
    for (auto& u : units) bars.push_back(u.get());
  }
  std::vector<std::unique_ptr<FakeUnit>> units;
  std::vector<Bar*> bars;
};

}  // namespace cpo::testing
