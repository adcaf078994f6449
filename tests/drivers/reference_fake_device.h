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
#include <tuple>
#include <vector>

#include "cpo/hal/backend/bar.h"
#include "cpo/hal/backend/refdev/refdev.h"
#include "cpo/hal/platform.h"

namespace cpo::testing {

namespace rd = ::cpo::refdev;

class FakeUnit final : public Bar {
 public:
  FakeUnit(const Platform& platform, std::uint32_t unit) : mem_(rd::kWindowBytes / 4, 0), unit_(unit) {
    const auto ports = *platform.ports_of(UnitId(unit));
    port_count_ = static_cast<std::uint32_t>(ports.size());
    first_port_ = ports.front().value();
    lanes_per_port_ = static_cast<std::uint32_t>(platform.ports()[first_port_].lanes.size());
    first_lane_ = platform.ports()[first_port_].lanes.front().value();
    std::uint32_t oe_count = 0, first_oe = ~0u;
    for (const auto& oe : platform.optical_engines()) {
      if (oe.unit.value() != unit) continue;
      ++oe_count;
      first_oe = std::min(first_oe, oe.id.value());
    }
    std::uint32_t els_lo = ~0u, els_hi = 0;
    for (const auto& els : platform.els_modules()) {
      for (const auto& laser : els.lasers) {
        if (platform.lanes()[laser.lanes.front().value()].unit.value() != unit) continue;
        els_lo = std::min(els_lo, els.id.value());
        els_hi = std::max(els_hi, els.id.value());
      }
    }
    els_count_ = els_hi - els_lo + 1;
    lasers_per_els_ = static_cast<std::uint32_t>(platform.els_modules().front().lasers.size());
    oe_count_ = oe_count;
    banks_ = static_cast<std::uint32_t>(platform.optical_engines().front().banks.size());
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
    raw(kPrbsCaps) = 0x1e;                  // the four patterns
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

  void execute(std::uint32_t tag) {
    using C = rd::Completion;
    const auto op = static_cast<rd::Opcode>(latched_op_);
    opcodes.push_back(static_cast<std::uint32_t>(op));
    const std::array<std::uint32_t, 8> a = latched_args_;
    auto done = [&](C c, std::uint32_t r0 = 0, std::uint32_t r1 = 0) { complete(tag, c, {r0, r1, 0, 0}); };
    const std::uint32_t lanes = port_count_ * lanes_per_port_;
    switch (op) {
      case rd::Opcode::kNop: return done(C::kOk);
      case rd::Opcode::kPortAdmin: {
        if (a[0] >= port_count_) return done(C::kBadObject, 0);
        const std::uint32_t subs = field(rd::record::kPort, a[0], rd::field::kPortBreakout);
        if (a[1] != rd::kAllSubports && a[1] >= subs) return done(C::kBadObject, 1);
        if (a[2] > 1) return done(C::kBadValue, 2);
        const std::uint32_t bits = a[1] == rd::kAllSubports ? (1u << subs) - 1 : 1u << a[1];
        auto& admin = field(rd::record::kPort, a[0], rd::field::kPortAdminMask);
        const std::uint32_t before = field(rd::record::kPort, a[0], rd::field::kPortOperMask);
        publish([&] {
          admin = a[2] != 0 ? (admin | bits) : (admin & ~bits);
          field(rd::record::kPort, a[0], rd::field::kPortOperMask) = admin;  // links follow admin here
        });
        for (std::uint32_t s = 0; s < subs; ++s) {
          const bool was = (before >> s) & 1u, is = (admin >> s) & 1u;
          if (was != is) {
            push_event(is ? rd::EventType::kLinkUp : rd::EventType::kLinkDown,
                       rd::make_object(rd::ObjectKind::kPort, a[0], s),
                       is ? 0 : static_cast<std::uint32_t>(rd::LinkCause::kAdminDown));
          }
        }
        return done(C::kOk, admin);
      }
      case rd::Opcode::kBreakout: {
        if (a[0] >= port_count_) return done(C::kBadObject, 0);
        if (a[1] == 0) return done(C::kBadValue, 1);
        if (a[0] + a[1] > port_count_) return done(C::kBadObject, 1);
        if (a[2] != 1 && a[2] != 2 && a[2] != 4 && a[2] != 8) return done(C::kBadValue, 2);
        if (((raw(rd::reg::kBreakoutCaps) >> a[2]) & 1u) == 0 || a[2] > lanes_per_port_) {
          return done(C::kUnsupported, 2);
        }
        for (std::uint32_t p = a[0]; p < a[0] + a[1]; ++p) {
          if (field(rd::record::kPort, p, rd::field::kPortAdminMask) != 0) return done(C::kWrongState, 0, p);
        }
        std::uint32_t changed = 0;
        publish([&] {
          for (std::uint32_t p = a[0]; p < a[0] + a[1]; ++p) {
            auto& b = field(rd::record::kPort, p, rd::field::kPortBreakout);
            if (b != a[2]) ++changed;
            b = a[2];
            field(rd::record::kPort, p, rd::field::kPortSubportGbps) = raw(rd::reg::kPortSpeedGbps) / a[2];
          }
        });
        return done(C::kOk, changed);
      }
      case rd::Opcode::kFecMode:
        if (a[0] >= port_count_) return done(C::kBadObject, 0);
        if (a[1] > 3) return done(C::kBadValue, 1);
        if (((raw(rd::reg::kFecCaps) >> a[1]) & 1u) == 0) return done(C::kUnsupported, 1);
        publish([&] { field(rd::record::kPort, a[0], rd::field::kPortFec) = a[1]; });
        return done(C::kOk);
      case rd::Opcode::kTxFir: {
        if (a[0] >= lanes) return done(C::kBadObject, 0);
        const auto pre = static_cast<std::int32_t>(a[1]), main = static_cast<std::int32_t>(a[2]),
                   post = static_cast<std::int32_t>(a[3]);
        if (pre < rd::kTxFirPreMin || pre > rd::kTxFirPreMax) return done(C::kBadValue, 1);
        if (main < rd::kTxFirMainMin || main > rd::kTxFirMainMax) return done(C::kBadValue, 2);
        if (post < rd::kTxFirPostMin || post > rd::kTxFirPostMax) return done(C::kBadValue, 3);
        if (-pre + main - post > rd::kTxFirSwingMax) return done(C::kBadValue, 2);
        publish([&] {
          field(rd::record::kLane, a[0], rd::field::kLaneTxFirPre) = a[1];
          field(rd::record::kLane, a[0], rd::field::kLaneTxFirMain) = a[2];
          field(rd::record::kLane, a[0], rd::field::kLaneTxFirPost) = a[3];
        });
        return done(C::kOk);
      }
      case rd::Opcode::kPrbs: {
        if (a[0] >= lanes) return done(C::kBadObject, 0);
        if (a[1] > 4) return done(C::kBadValue, 1);
        if (a[2] > 7 || (a[1] == 0 && (a[2] & 3u) != 0)) return done(C::kBadValue, 2);
        publish([&] {
          field(rd::record::kLane, a[0], rd::field::kLanePrbs) = rd::bits::kPrbsConfigPattern.put(a[1]) |
                                                                 rd::bits::kPrbsConfigGenerator.put(a[2] & 1u) |
                                                                 rd::bits::kPrbsConfigChecker.put((a[2] >> 1) & 1u);
          auto& flags = field(rd::record::kLane, a[0], rd::field::kLaneFlags);
          flags = (a[2] & 2u) ? (flags | rd::bits::kLaneFlagsPrbsLock.mask())
                              : (flags & ~rd::bits::kLaneFlagsPrbsLock.mask());
          if (a[2] & 4u) {
            field(rd::record::kLane, a[0], rd::field::kLanePrbsErrorsLo) = 0;
            field(rd::record::kLane, a[0], rd::field::kLanePrbsBitsLo) = 0;
          }
        });
        return done(C::kOk);
      }
      case rd::Opcode::kLoopback:
        if (a[0] >= port_count_) return done(C::kBadObject, 0);
        if (a[1] > 2) return done(C::kBadValue, 1);
        publish([&] { field(rd::record::kPort, a[0], rd::field::kPortLoopback) = a[1]; });
        return done(C::kOk);
      case rd::Opcode::kCmisRead:
      case rd::Opcode::kCmisWrite: {
        const bool write = op == rd::Opcode::kCmisWrite;
        if (a[0] > 1) return done(C::kBadValue, 0);
        const bool els = a[0] == 1;
        if (a[1] >= (els ? els_count_ : oe_count_)) return done(C::kBadObject, 1);
        if (a[2] >= (els ? 1 : banks_)) return done(C::kBadObject, 2);
        if (a[3] > 0xff) return done(C::kBadValue, 3);
        if (a[4] > 1) return done(C::kBadValue, 4);
        if (els && field(rd::record::kEls, a[1], rd::field::kElsPresent) == 0) return done(C::kNotPresent);
        if (a[4] == 1 && cmis_pages.count(a[3]) == 0) return done(C::kUnsupported, 3);
        auto& bytes = cmis[{a[0], a[1], a[4] == 0 ? 0 : a[2], a[4] == 0 ? 0 : a[3], a[4]}];
        if (write) {
          if (a[5] > 127 || a[6] == 0 || a[5] + a[6] > 128) return done(C::kBadValue, 5);
          if (a[4] == 0 && a[5] + a[6] > 126) return done(C::kReadOnly);  // bank/page select bytes
          for (std::uint32_t i = a[5]; i < a[5] + a[6]; ++i) {
            bytes[i] = static_cast<std::uint8_t>(raw(rd::mbx_data_word(i / 4)) >> (8 * (i % 4)));
          }
          return done(C::kOk);
        }
        for (std::uint32_t w = 0; w < 32; ++w) {
          raw(rd::mbx_data_word(w)) = std::uint32_t{bytes[4 * w]} | std::uint32_t{bytes[4 * w + 1]} << 8 |
                                      std::uint32_t{bytes[4 * w + 2]} << 16 | std::uint32_t{bytes[4 * w + 3]} << 24;
        }
        return done(C::kOk, 128);
      }
      case rd::Opcode::kUnitReset:
        reset_state();
        done(C::kOk);
        push_event(rd::EventType::kUnitReset, rd::make_object(rd::ObjectKind::kUnit, 0));
        return;
      case rd::Opcode::kEventAck: {
        if (a[0] - raw(rd::reg::kEvtConsumer) > raw(rd::reg::kEvtProducer) - raw(rd::reg::kEvtConsumer)) {
          return done(C::kBadValue, 0);
        }
        const std::uint32_t lost = raw(rd::reg::kEvtLost);
        raw(rd::reg::kEvtConsumer) = a[0];
        raw(rd::reg::kEvtLost) = 0;
        return done(C::kOk, raw(rd::reg::kEvtProducer), lost);
      }
      case rd::Opcode::kCountersClear: return done(C::kOk);
    }
    done(C::kBadOpcode);
  }

  mutable std::vector<std::uint32_t> mem_;
  std::uint32_t unit_;
  std::uint32_t port_count_ = 0, first_port_ = 0, lanes_per_port_ = 0, first_lane_ = 0, oe_count_ = 0, banks_ = 0;
  std::uint32_t els_count_ = 0, lasers_per_els_ = 0;
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
