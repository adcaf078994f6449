// cpo::Bar: how a driver reaches a device's registers. For driver and transport writers.
//
// A Bar is a window of 32-bit registers at byte offsets: a mapped PCIe BAR on hardware,
// process memory for the in-process simulator, or shared memory served by cpo-simd. The
// reference driver talks to nothing else, so the same driver code runs on all of them
// (docs/architecture.md; the split follows Linux mlxsw's mlxsw_bus vs mlxsw_driver).
//
// Time: a device has a clock. On hardware it is the host's steady clock and wait() sleeps;
// on the in-process simulator it is the simulator's virtual clock and wait() advances it,
// running the device's firmware. Drivers compute every deadline from now() and pass time
// only through wait(), so a timeout means the same on both.
//
// Thread safety: read32/write32 of distinct or identical offsets may be called from any
// number of threads at once (each is a single aligned 32-bit access). wait() and now()
// are thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

namespace cpo {

class Bar {
 public:
  virtual ~Bar() = default;
  Bar() = default;
  Bar(const Bar&) = delete;
  Bar& operator=(const Bar&) = delete;

  // Size of the window in bytes; offsets must be < size() and 4-byte aligned.
  [[nodiscard]] virtual std::size_t size() const noexcept = 0;
  // One aligned 32-bit read. A device that has gone away reads as 0xffffffff (PCIe
  // master abort); drivers check that against the identity block.
  [[nodiscard]] virtual std::uint32_t read32(std::size_t offset) const noexcept = 0;
  // One aligned 32-bit write, visible to the device in program order.
  virtual void write32(std::size_t offset, std::uint32_t value) noexcept = 0;

  // The device's clock.
  [[nodiscard]] virtual std::chrono::nanoseconds now() const noexcept = 0;
  // Lets `duration` of device time pass (sleep on hardware, virtual time on a simulator).
  virtual void wait(std::chrono::nanoseconds duration) noexcept = 0;

  // Host memory the device may write by DMA (the reference device's status snapshot channel
  // copies its status region there): the words as the host reads them and the bus address
  // the device writes to. Empty when the transport offers none; drivers then read registers.
  // The device writes only while a request that targets it is served, so the words are
  // stable from that request's completion until the next such request.
  struct DmaRegion {
    std::span<const std::uint32_t> words;
    std::uint64_t bus_address = 0;
  };
  [[nodiscard]] virtual DmaRegion dma_region() const noexcept { return {}; }
};

}  // namespace cpo
