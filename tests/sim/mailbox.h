// A tiny test-side driver over a cpo::Bar: mailbox commands, seqlock reads, event ring.
// Deliberately independent of drivers/reference: the simulator is tested as hardware.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

#include "cpo/hal/backend/bar.h"
#include "cpo/hal/backend/refdev/refdev.h"

namespace cpo::testing {

namespace rd = cpo::refdev;
using namespace std::chrono_literals;

struct Completion {
  rd::Completion code = rd::Completion::kOk;
  std::array<std::uint32_t, 4> result{};
  bool timed_out = false;
  std::chrono::nanoseconds elapsed{};
};

class Mailbox {
 public:
  explicit Mailbox(Bar& bar) : bar_(bar), tag_(bar.read32(rd::reg::kMbxDoorbell)) {}

  // Submits a command and polls (virtual time passes in `poll` steps) until completion or
  // `deadline` of device time.
  Completion run(rd::Opcode op, std::vector<std::uint32_t> args = {}, std::chrono::nanoseconds deadline = 2s,
                 std::chrono::nanoseconds poll = 100us) {
    const std::uint32_t tag = ring(op, args);
    return wait_for(tag, deadline, poll);
  }
  std::uint32_t ring(rd::Opcode op, const std::vector<std::uint32_t>& args) {
    bar_.write32(rd::reg::kMbxOpcode, static_cast<std::uint32_t>(op));
    for (std::size_t i = 0; i < rd::kMailboxArgs; ++i) bar_.write32(rd::mbx_arg(i), i < args.size() ? args[i] : 0);
    if (++tag_ == 0) ++tag_;
    bar_.write32(rd::reg::kMbxDoorbell, tag_);
    return tag_;
  }
  Completion wait_for(std::uint32_t tag, std::chrono::nanoseconds deadline = 2s,
                      std::chrono::nanoseconds poll = 100us) {
    Completion c;
    const auto start = bar_.now();
    while (bar_.read32(rd::reg::kMbxCompTag) != tag) {
      if (bar_.now() - start >= deadline) {
        c.timed_out = true;
        return c;
      }
      bar_.wait(poll);
    }
    c.code = static_cast<rd::Completion>(bar_.read32(rd::reg::kMbxCompCode));
    for (std::size_t i = 0; i < 4; ++i) c.result[i] = bar_.read32(rd::mbx_result(i));
    c.elapsed = bar_.now() - start;
    return c;
  }
  // CMIS helpers.
  Completion cmis_read(rd::CmisTarget t, std::uint32_t index, std::uint32_t bank, std::uint32_t page, bool upper,
                       std::array<std::uint8_t, 128>& out) {
    Completion c = run(rd::Opcode::kCmisRead, {static_cast<std::uint32_t>(t), index, bank, page, upper ? 1u : 0u});
    for (std::size_t i = 0; i < 32; ++i) {
      const std::uint32_t w = bar_.read32(rd::mbx_data_word(i));
      for (std::size_t k = 0; k < 4; ++k) out[4 * i + k] = static_cast<std::uint8_t>(w >> (8 * k));
    }
    return c;
  }
  Completion cmis_write(rd::CmisTarget t, std::uint32_t index, std::uint32_t bank, std::uint32_t page, bool upper,
                        std::uint32_t byte_in_region, std::vector<std::uint8_t> bytes) {
    for (std::size_t i = 0; i < 32; ++i) {
      std::uint32_t w = 0;
      for (std::size_t k = 0; k < 4; ++k) {
        const std::size_t b = 4 * i + k;
        if (b >= byte_in_region && b < byte_in_region + bytes.size())
          w |= static_cast<std::uint32_t>(bytes[b - byte_in_region]) << (8 * k);
      }
      bar_.write32(rd::mbx_data_word(i), w);
    }
    return run(rd::Opcode::kCmisWrite, {static_cast<std::uint32_t>(t), index, bank, page, upper ? 1u : 0u,
                                        byte_in_region, static_cast<std::uint32_t>(bytes.size())});
  }

  // Seqlock read of one status word.
  std::uint32_t status(std::size_t offset) {
    for (;;) {
      const std::uint32_t g1 = bar_.read32(rd::reg::kGeneration);
      if (g1 & 1u) continue;
      const std::uint32_t v = bar_.read32(offset);
      if (bar_.read32(rd::reg::kGeneration) == g1) return v;
    }
  }
  std::uint32_t port(std::uint32_t p, std::size_t field) { return status(rd::at(rd::record::kPort, p, field)); }
  std::uint32_t lane(std::uint32_t l, std::size_t field) { return status(rd::at(rd::record::kLane, l, field)); }

  struct Event {
    rd::EventType type;
    std::uint32_t object, cause, detail;
  };
  // Events since the last call (consumes them).
  std::vector<Event> events() {
    std::vector<Event> out;
    const std::uint32_t prod = bar_.read32(rd::reg::kEvtProducer);
    std::uint32_t cons = bar_.read32(rd::reg::kEvtConsumer);
    for (; cons != prod; ++cons) {
      const std::size_t slot = cons % rd::kEventRingEntries;
      Event e{static_cast<rd::EventType>(bar_.read32(rd::at(rd::record::kEvent, slot, rd::field::kEventType))),
              bar_.read32(rd::at(rd::record::kEvent, slot, rd::field::kEventObject)),
              bar_.read32(rd::at(rd::record::kEvent, slot, rd::field::kEventCause)),
              bar_.read32(rd::at(rd::record::kEvent, slot, rd::field::kEventDetail))};
      out.push_back(e);
    }
    bar_.write32(rd::reg::kEvtConsumer, cons);
    return out;
  }

  Bar& bar() { return bar_; }

 private:
  Bar& bar_;
  std::uint32_t tag_;
};

}  // namespace cpo::testing
