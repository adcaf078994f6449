// The reference device's status snapshot channel (refdev 1.3, capability StatusSnapshot),
// generated from registers.def: the request a host leaves in SnapAddrLo/SnapAddrHi/SnapBytes
// and the device-side check of the table's SNAP_REFUSE rows. The simulator, cpo-simd and the
// tests' devices use the same check, so they refuse the same requests with the same register.
//
//   refdev::SnapshotRequest{.AddrLo = ..., .AddrHi = ..., .Bytes = ...}
//   refdev::check_snapshot(request, unit) -> Refusal{code, arg = offset of the rejected register, why}
//
// `unit` answers dma_target(lo, hi, bytes): true when the device may write `bytes` bytes of
// host memory at bus address hi:lo (an IOMMU mapping the host set up).
//
// Protocol (driver side): write the three request registers, write a fresh sequence number
// (never 0, never all-ones, never the previous one) to SnapRequest, poll (Bar::wait between
// polls) until SnapDone == that number, then read SnapStatus, SnapRejected and SnapGeneration.
// The channel never touches the command mailbox.
//
// Thread safety: constexpr functions of their arguments only.
#pragma once

#include <cstdint>

#include "cpo/hal/backend/refdev/mailbox.h"
#include "cpo/hal/backend/refdev/refdev.h"

namespace cpo::refdev {

// The request registers, by name without the Snap prefix (the SNAP_REFUSE rows' `a`).
struct SnapshotRequest {
  std::uint32_t AddrLo = 0;
  std::uint32_t AddrHi = 0;
  std::uint32_t Bytes = 0;
};

// clang-format off
// The SNAP_REFUSE rows in table order, first match wins; Refusal::arg is the byte offset of
// the rejected register (what the device writes to SnapRejected).
template <typename Unit>
[[nodiscard]] constexpr Refusal check_snapshot(const SnapshotRequest& a, const Unit& d) noexcept {
  (void)a;
  (void)d;
#define CPO_REFDEV_SNAP_REFUSE(Completion_, Reg, Check, doc) \
  if (Check) return Refusal{Completion::k##Completion_, static_cast<std::uint32_t>(reg::kSnap##Reg), doc};
#include "cpo/hal/backend/refdev/registers.def"
  return {};
}
// clang-format on

// A fresh SnapRequest sequence number after `last`: never 0 (the reset value of SnapDone) and
// never all-ones (what a gone device reads).
[[nodiscard]] constexpr std::uint32_t next_snapshot_sequence(std::uint32_t last) noexcept {
  std::uint32_t next = last + 1;
  if (next == 0 || next == 0xFFFFFFFFu) next = 1;
  return next;
}

}  // namespace cpo::refdev
