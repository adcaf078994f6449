// The cpo-simd wire protocol: what cpo-simd (sim/daemon) and its clients (cposdk::simd_client,
// used by the SDK's simd:// scheme) say to each other over a UNIX socket. One header for both
// ends; docs/simd.md describes the protocol in prose.
//
// Transport: a SOCK_SEQPACKET UNIX socket (one message per send, boundaries kept, file
// descriptors passed with SCM_RIGHTS). Every message starts with a Header; fields are host
// byte order (both ends run on one machine), every struct is trivially copyable, fixed size and
// sent whole; variable text follows the struct where noted.
//
// Session:
//   client -> Hello (magic, version)            daemon checks both; another version is refused
//   daemon -> Welcome + fds                     or Refused (text says what was wrong and what is
//                                               allowed) and the connection closes
//   then requests (Ring, Write, Snapshot, Advance, WaitRefresh, Fault, WriteCount), each
//   answered by exactly one Reply with the request's seq, in order.
//
// Welcome passes, in this order, the clock page, the client's completion page and one
// read-only register window per unit (memfds). The windows are the simulator's own: every
// client reads the same status region and event ring. The mailbox is per client: a client's
// Bar keeps opcode, arguments and data locally, a Ring message carries them, and the daemon
// runs the commands of all clients of a unit one after the other through the unit's real
// mailbox, writing each completion into its client's completion page (results and data
// first, the tag last, as the device does). The status snapshot channel (refdev 1.3) is per
// client too: its request registers stay in the client's Bar, a write of SnapRequest sends a
// Snapshot message, and the daemon's simulator copies the unit's status region into that
// client's DMA buffer (in its completion page) and answers in the page's Snap fields, SnapDone
// last. The copy never goes through, or waits for, the unit's mailbox. A client that dies leaves its queued commands
// dropped and its running command finished by the firmware; the mailbox moves on.
//
// Versioning: kProtocolVersion changes with any change to a struct, an enum value or a page
// layout. Both ends compare Header::version first, before reading anything else.
//
// Thread safety: constants and plain structs only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "cpo/hal/backend/refdev/refdev.h"

namespace cpo::simd {

inline constexpr std::uint32_t kMagic = 0x534F5043;  // "CPOS" read as a little-endian word
// 2: the Snapshot request and the completion page's Snap fields and DMA buffers (refdev 1.3).
inline constexpr std::uint32_t kProtocolVersion = 2;
// Largest message either end sends (Welcome with a profile document); receivers use a buffer
// of this size and refuse anything longer.
inline constexpr std::size_t kMaxMessageBytes = std::size_t{256} * 1024;
inline constexpr std::size_t kMaxUnits = 32;
inline constexpr std::size_t kNameBytes = 64;

enum class MsgType : std::uint32_t {
  hello = 1,
  welcome = 2,
  refused = 3,
  ring = 10,          // a doorbell: one mailbox command of one unit
  write = 11,         // a register write outside the mailbox (HardReset, Scratch, ...)
  advance = 12,       // virtual clock: let time pass (what Bar::wait does)
  wait_refresh = 13,  // wait until the firmware's next status refresh
  fault = 14,         // fault injection (the simulator's back door)
  write_count = 15,   // register writes the units received (Backdoor::write_count)
  snapshot = 16,      // a SnapRequest: copy one unit's status region into the client's DMA buffer
  reply = 20,
};

enum class ClockKind : std::uint32_t { virtual_time = 0, real_time = 1 };

struct Header {
  std::uint32_t magic = kMagic;
  std::uint32_t version = kProtocolVersion;
  MsgType type = MsgType::reply;
  std::uint32_t seq = 0;  // a request's number; its Reply carries the same
};

struct Hello {
  Header header{kMagic, kProtocolVersion, MsgType::hello, 0};
  std::uint32_t pid = 0;
  std::uint32_t reserved = 0;
  char name[kNameBytes] = {};  // the client program, for the daemon's log
};

// Followed by `profile_json_bytes` bytes of profile document when the switch runs a profile
// file (empty for a built-in profile: `profile` names it).
struct Welcome {
  Header header{kMagic, kProtocolVersion, MsgType::welcome, 0};
  ClockKind clock = ClockKind::virtual_time;
  std::uint32_t unit_count = 0;
  std::uint32_t daemon_pid = 0;
  std::uint32_t client_id = 0;
  // Real time: device time = CLOCK_MONOTONIC - epoch_ns (both ends share the host's clock).
  std::int64_t epoch_ns = 0;
  std::int64_t status_period_ns = 0;
  std::uint64_t seed = 0;
  char switch_name[kNameBytes] = {};
  char profile[128] = {};  // built-in profile name, or the file name it was read from
  std::uint32_t profile_is_file = 0;
  std::uint32_t profile_json_bytes = 0;
};

// Followed by `text_bytes` bytes of message.
struct Refused {
  Header header{kMagic, kProtocolVersion, MsgType::refused, 0};
  std::uint32_t code = 0;  // a cpo::Code
  std::uint32_t text_bytes = 0;
};

inline constexpr std::size_t kMailboxArgs = 8;
inline constexpr std::size_t kMailboxDataWords = 32;

struct Ring {
  Header header{kMagic, kProtocolVersion, MsgType::ring, 0};
  std::uint32_t unit = 0;
  std::uint32_t tag = 0;  // the client's tag; its completion carries it
  std::uint32_t opcode = 0;
  std::uint32_t has_data = 0;  // the data words were written since the last ring
  std::uint32_t args[kMailboxArgs] = {};
  std::uint32_t data[kMailboxDataWords] = {};
};

struct Write {
  Header header{kMagic, kProtocolVersion, MsgType::write, 0};
  std::uint32_t unit = 0;
  std::uint32_t offset = 0;
  std::uint32_t value = 0;
  std::uint32_t reserved = 0;
};

// The client's snapshot channel registers of one unit at the time it wrote SnapRequest.
struct Snapshot {
  Header header{kMagic, kProtocolVersion, MsgType::snapshot, 0};
  std::uint32_t unit = 0;
  std::uint32_t sequence = 0;  // SnapRequest; the answer's SnapDone carries it
  std::uint32_t addr_lo = 0;   // SnapAddrLo
  std::uint32_t addr_hi = 0;   // SnapAddrHi
  std::uint32_t bytes = 0;     // SnapBytes
  std::uint32_t reserved = 0;
};

struct Advance {
  Header header{kMagic, kProtocolVersion, MsgType::advance, 0};
  std::int64_t ns = 0;
};

struct WaitRefresh {
  Header header{kMagic, kProtocolVersion, MsgType::wait_refresh, 0};
  std::int64_t timeout_ns = 0;  // real time: give up after this long (timeout)
};

enum class FaultOp : std::uint32_t {
  fail_laser = 1,                // a = els, b = laser
  repair_laser = 2,              // a = els, b = laser
  set_laser_fiber_loss = 3,      // a = els, b = laser, value = dB
  set_laser_age = 4,             // a = els, b = laser, value = hours
  remove_els = 5,                // a = els
  insert_els = 6,                // a = els
  set_port_fiber_loss = 7,       // a = port, lane = lane in port or -1, value = dB
  cut_port_fiber = 8,            // a = port, lane
  fail_oe = 9,                   // a = oe, flag = unresponsive
  repair_oe = 10,                // a = oe
  set_coolant_temperature = 11,  // value = degC
  overheat_oe = 12,              // a = oe, value = degC of extra rise
  overheat_els = 13,             // a = els, value = degC
  degrade_lane = 14,             // a = lane, value = dB of SNR penalty
  hang_firmware = 15,            // a = unit, flag = hung
  els_interlock = 16,            // a = els, flag = open (1) or close (0)
};

struct Fault {
  Header header{kMagic, kProtocolVersion, MsgType::fault, 0};
  FaultOp op = FaultOp::fail_laser;
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  std::int32_t lane = -1;
  double value = 0.0;
  std::uint32_t flag = 0;
  std::uint32_t reserved = 0;
};

struct WriteCount {
  Header header{kMagic, kProtocolVersion, MsgType::write_count, 0};
};

// Followed by `text_bytes` bytes of message (empty when code is 0, ok).
struct Reply {
  Header header{kMagic, kProtocolVersion, MsgType::reply, 0};
  std::uint32_t code = 0;  // a cpo::Code
  std::uint32_t text_bytes = 0;
  std::int64_t now_ns = 0;  // device time after the request
  std::uint64_t value = 0;  // write_count: the count
};

// ------------------------------------------------------------------------- shared pages
// Clock page (one per daemon, 4096 bytes): written by the daemon only.
namespace clock_page {
inline constexpr std::size_t kBytes = 4096;
inline constexpr std::size_t kMagicOffset = 0;    // kMagic
inline constexpr std::size_t kVersionOffset = 4;  // kProtocolVersion
inline constexpr std::size_t kNowOffset = 8;      // std::uint64_t: device time, ns (virtual clock)
}  // namespace clock_page

// Completion page (one per client): kUnitStride bytes per unit, then (from dma_offset) one
// DMA buffer of kDmaStride bytes per unit for the snapshot channel; written by the daemon only.
namespace completion_page {
inline constexpr std::size_t kUnitStride = 256;
inline constexpr std::size_t kCompTag = 0;   // tag of the client's last completed command
inline constexpr std::size_t kCompCode = 4;  // its refdev::Completion
inline constexpr std::size_t kResult0 = 8;   // 4 result words
inline constexpr std::size_t kBusy = 24;     // 1 while a command of this client is queued or
                                             // running on the unit (its MbxState)
inline constexpr std::size_t kResets = 28;   // resets of the unit (UnitReset, HardReset) seen
// The unit's snapshot channel as this client sees it: SnapDone, SnapStatus, SnapRejected and
// SnapGeneration of its last Snapshot request (SnapDone written last).
inline constexpr std::size_t kSnapDone = 32;
inline constexpr std::size_t kSnapStatus = 36;
inline constexpr std::size_t kSnapRejected = 40;
inline constexpr std::size_t kSnapGeneration = 44;
inline constexpr std::size_t kData = 64;  // 32 data words (CmisRead)
// A unit's DMA buffer holds the whole status region; whole pages.
inline constexpr std::size_t kDmaStride = refdev::region::kStatus.bytes;
static_assert(kDmaStride % 4096 == 0);
// The bus address the daemon's "device" writes unit u's buffer at, as a driver programs it
// into SnapAddrHi:SnapAddrLo (above 4 GiB, like an IOMMU mapping, so both words matter).
inline constexpr std::uint64_t kDmaBusBase = std::uint64_t{0x10} << 32;
[[nodiscard]] constexpr std::uint64_t dma_bus_address(std::size_t unit) noexcept {
  return kDmaBusBase + unit * kDmaStride;
}
[[nodiscard]] constexpr std::size_t dma_offset(std::size_t units) noexcept {
  const std::size_t raw = units * kUnitStride;
  return raw == 0 ? 4096 : (raw + 4095) / 4096 * 4096;
}
[[nodiscard]] constexpr std::size_t bytes(std::size_t units) noexcept { return dma_offset(units) + units * kDmaStride; }
}  // namespace completion_page

static_assert(std::is_trivially_copyable_v<Hello> && std::is_trivially_copyable_v<Welcome> &&
              std::is_trivially_copyable_v<Refused> && std::is_trivially_copyable_v<Ring> &&
              std::is_trivially_copyable_v<Write> && std::is_trivially_copyable_v<Advance> &&
              std::is_trivially_copyable_v<WaitRefresh> && std::is_trivially_copyable_v<Fault> &&
              std::is_trivially_copyable_v<WriteCount> && std::is_trivially_copyable_v<Reply> &&
              std::is_trivially_copyable_v<Snapshot>);
static_assert(sizeof(Header) == 16 && sizeof(Ring) == 16 + 16 + 4 * (kMailboxArgs + kMailboxDataWords));
static_assert(sizeof(Fault) == 48 && sizeof(Reply) == 40 && sizeof(Welcome) == 256 && sizeof(Snapshot) == 40);

}  // namespace cpo::simd
