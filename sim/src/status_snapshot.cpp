// StatusSnapshot (refdev 1.3): the firmware copies its status region into the host buffer
// the unit's Bar offers, as DMA would, so a driver's telemetry sweep costs one command
// instead of thousands of register reads. In process the bus address is the buffer's own
// address (no IOMMU between the simulated device and the host).
#include <cstring>

#include "cpo/hal/backend/refdev/mailbox.h"
#include "world.h"

namespace cpo::sim {

Bar::DmaRegion UnitBar::dma_region() const noexcept {
  UnitModel& u = *sw_->units[unit_];
  std::call_once(u.dma_once, [&u] { u.dma = std::make_unique<std::uint32_t[]>(rd::region::kStatus.bytes / 4); });
  return {std::span<const std::uint32_t>(u.dma.get(), rd::region::kStatus.bytes / 4),
          reinterpret_cast<std::uintptr_t>(u.dma.get())};
}

std::array<std::uint32_t, 4> World::status_snapshot(SwitchModel& s, UnitModel& u) {
  (void)s;
  // The generated check accepted the address (our buffer) and the size. Publishing what
  // changed first, on this thread, leaves the window at one whole, even generation while it
  // is copied.
  settle();
  const auto a = rd::unpack_args<rd::StatusSnapshotArgs>(u.args);
  for (std::size_t i = 0; i < a.Bytes / 4; ++i) u.dma[i] = u.win.load(rd::region::kStatus.offset + 4 * i);
  return rd::pack_results(rd::StatusSnapshotResults{.Generation = u.win.load(rd::reg::kGeneration), .Bytes = a.Bytes});
}

}  // namespace cpo::sim
