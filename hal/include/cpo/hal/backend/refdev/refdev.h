// The cposdk reference device interface as typed C++ constants. For driver writers.
//
// Everything here is generated at compile time from registers.def, the single register
// table (see its header for the conventions and docs/device-interface.md for the rendered
// table). Byte offsets are std::size_t, ready for cpo::Bar::read32/write32.
//
//   refdev::kMagic, refdev::kVersionMajor, ...       constants
//   refdev::region::kMailbox {offset, bytes}         blocks of the window
//   refdev::reg::kMbxDoorbell                        absolute register offsets
//   refdev::record::kPort {base, stride, capacity}   record arrays
//   refdev::field::kPortOperMask                     byte offset within a record
//   refdev::bits::kPortFaultsRxLos {shift, width}    bit fields
//   refdev::Opcode, Completion, EventType, ...       enums (enumerators kName)
//   refdev::arg::kBreakoutSubports                   argument word index per opcode
//   refdev::result::kEventAckLost                    result word index per opcode
//   refdev::at(record::kLane, 5, field::kLaneSnr)    offset of lane 5's SNR
//   refdev::interface_fingerprint()                  hash of every published name and number
//   (typed mailbox words and the device's argument checks: refdev/mailbox.h)
//
// Mailbox protocol: write MbxOpcode and MbxArg*, write a fresh tag (never the previous one,
// never 0) to MbxDoorbell, then poll (Bar::wait between polls) until MbxCompTag == tag and
// read MbxCompCode and MbxResult*. The device writes the tag last, so a stale completion is
// never mistaken for the current one. Ringing while MbxState is Busy completes the new tag
// with Completion::kBusy at once; the executing command still completes under its own tag.
//
// Status snapshot channel (1.3, capability StatusSnapshot): write SnapAddrLo/Hi and SnapBytes,
// a fresh sequence number to SnapRequest, poll until SnapDone == it, read SnapStatus and
// SnapGeneration; the copy is in host memory. Independent of the mailbox (refdev/snapshot_channel.h).
//
// Status region: a seqlock. g1 = Generation (retry while odd), copy what you need,
// g2 = Generation, retry if g2 != g1. 64-bit counters are read inside such a section.
//
// Event ring: entries of event n live at at(record::kEvent, n % kEventRingEntries, ...).
// The driver consumes while EvtConsumer != EvtProducer, checks the entry's Seq == n (else
// the entry was overwritten: overrun), and writes EvtConsumer. Overrun also shows as
// EvtProducer - EvtConsumer > kEventRingEntries (unsigned 32-bit).
//
// Thread safety: constants and constexpr functions only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cpo::refdev {

namespace detail {
using u32 = std::uint32_t;
using i32 = std::int32_t;
}  // namespace detail

// ------------------------------------------------------------------------------ building blocks
struct Region {
  std::size_t offset;
  std::size_t bytes;
};

struct Record {
  std::size_t base;
  std::size_t stride;    // bytes per record
  std::size_t capacity;  // records the window has room for; identity counts say how many are used
};

struct BitField {
  std::uint32_t shift;
  std::uint32_t width;
  [[nodiscard]] constexpr std::uint32_t mask() const noexcept {
    return (width >= 32 ? 0xFFFFFFFFu : ((1u << width) - 1u)) << shift;
  }
  [[nodiscard]] constexpr std::uint32_t get(std::uint32_t word) const noexcept { return (word & mask()) >> shift; }
  [[nodiscard]] constexpr std::uint32_t put(std::uint32_t value) const noexcept { return (value << shift) & mask(); }
};

// ------------------------------------------------------------------------------ constants
#define CPO_REFDEV_CONST(Name, type, value, doc) inline constexpr detail::type k##Name = value;
#include "cpo/hal/backend/refdev/registers.def"

namespace region {
#define CPO_REFDEV_REGION(Name, offset, bytes, doc) inline constexpr Region k##Name{offset, bytes};
#include "cpo/hal/backend/refdev/registers.def"
}  // namespace region

namespace reg {
#define CPO_REFDEV_REG(Region, Name, offset, access, doc) inline constexpr std::size_t k##Name = offset;
#include "cpo/hal/backend/refdev/registers.def"
}  // namespace reg

namespace record {
#define CPO_REFDEV_RECORD(Name, base, stride, capacity, doc) inline constexpr Record k##Name{base, stride, capacity};
#include "cpo/hal/backend/refdev/registers.def"
}  // namespace record

namespace field {
#define CPO_REFDEV_FIELD(Record, Name, offset, access, unit, doc) inline constexpr std::size_t k##Record##Name = offset;
#include "cpo/hal/backend/refdev/registers.def"
}  // namespace field

namespace bits {
#define CPO_REFDEV_BITS(Owner, Name, shift, width, doc) inline constexpr BitField k##Owner##Name{shift, width};
#include "cpo/hal/backend/refdev/registers.def"
}  // namespace bits

// ------------------------------------------------------------------------------ enums
// One enum class per X-macro family; the generic CPO_REFDEV_ENUM stays empty here.
enum class Completion : std::uint32_t {
#define CPO_REFDEV_ENUM_COMPLETION(Name, value, doc) k##Name = value,
#include "cpo/hal/backend/refdev/registers.def"
};
enum class EventType : std::uint32_t {
#define CPO_REFDEV_ENUM_EVENT(Name, value, doc) k##Name = value,
#include "cpo/hal/backend/refdev/registers.def"
};
enum class ObjectKind : std::uint32_t {
#define CPO_REFDEV_ENUM_OBJECT_KIND(Name, value, doc) k##Name = value,
#include "cpo/hal/backend/refdev/registers.def"
};
enum class LinkCause : std::uint32_t {
#define CPO_REFDEV_ENUM_LINK_CAUSE(Name, value, doc) k##Name = value,
#include "cpo/hal/backend/refdev/registers.def"
};
enum class Fec : std::uint32_t {
#define CPO_REFDEV_ENUM_FEC(Name, value, doc) k##Name = value,
#include "cpo/hal/backend/refdev/registers.def"
};
enum class PrbsPattern : std::uint32_t {
#define CPO_REFDEV_ENUM_PRBS(Name, value, doc) k##Name = value,
#include "cpo/hal/backend/refdev/registers.def"
};
enum class Loopback : std::uint32_t {
#define CPO_REFDEV_ENUM_LOOPBACK(Name, value, doc) k##Name = value,
#include "cpo/hal/backend/refdev/registers.def"
};
enum class CmisTarget : std::uint32_t {
#define CPO_REFDEV_ENUM_CMIS_TARGET(Name, value, doc) k##Name = value,
#include "cpo/hal/backend/refdev/registers.def"
};
enum class CmisRegion : std::uint32_t {
#define CPO_REFDEV_ENUM_CMIS_REGION(Name, value, doc) k##Name = value,
#include "cpo/hal/backend/refdev/registers.def"
};
enum class LaserState : std::uint32_t {
#define CPO_REFDEV_ENUM_LASER_STATE(Name, value, doc) k##Name = value,
#include "cpo/hal/backend/refdev/registers.def"
};
enum class LaserFault : std::uint32_t {
#define CPO_REFDEV_ENUM_LASER_FAULT(Name, value, doc) k##Name = value,
#include "cpo/hal/backend/refdev/registers.def"
};
enum class ModuleState : std::uint32_t {
#define CPO_REFDEV_ENUM_MODULE_STATE(Name, value, doc) k##Name = value,
#include "cpo/hal/backend/refdev/registers.def"
};
enum class DataPathState : std::uint32_t {
#define CPO_REFDEV_ENUM_DP_STATE(Name, value, doc) k##Name = value,
#include "cpo/hal/backend/refdev/registers.def"
};
enum class ThresholdFlag : std::uint32_t {
#define CPO_REFDEV_ENUM_TEMP_FLAG(Name, value, doc) k##Name = value,
#include "cpo/hal/backend/refdev/registers.def"
};
enum class Capability : std::uint32_t {
#define CPO_REFDEV_ENUM_CAP(Name, value, doc) k##Name = value,
#include "cpo/hal/backend/refdev/registers.def"
};
enum class MailboxState : std::uint32_t {
#define CPO_REFDEV_ENUM_MBOX_STATE(Name, value, doc) k##Name = value,
#include "cpo/hal/backend/refdev/registers.def"
};
enum class Opcode : std::uint32_t {
#define CPO_REFDEV_OPCODE(Name, value, latency_us, doc) k##Name = value,
#include "cpo/hal/backend/refdev/registers.def"
};

// clang-format off
// Enumerator names as spelled in the table ("BadObject"); "unknown" for other values.
[[nodiscard]] constexpr std::string_view name(Completion v) noexcept {
  switch (v) {
#define CPO_REFDEV_ENUM_COMPLETION(Name, value, doc) case Completion::k##Name: return #Name;
#include "cpo/hal/backend/refdev/registers.def"
  }
  return "unknown";
}
[[nodiscard]] constexpr std::string_view name(EventType v) noexcept {
  switch (v) {
#define CPO_REFDEV_ENUM_EVENT(Name, value, doc) case EventType::k##Name: return #Name;
#include "cpo/hal/backend/refdev/registers.def"
  }
  return "unknown";
}
[[nodiscard]] constexpr std::string_view name(LinkCause v) noexcept {
  switch (v) {
#define CPO_REFDEV_ENUM_LINK_CAUSE(Name, value, doc) case LinkCause::k##Name: return #Name;
#include "cpo/hal/backend/refdev/registers.def"
  }
  return "unknown";
}
[[nodiscard]] constexpr std::string_view name(Opcode v) noexcept {
  switch (v) {
#define CPO_REFDEV_OPCODE(Name, value, latency_us, doc) case Opcode::k##Name: return #Name;
#include "cpo/hal/backend/refdev/registers.def"
  }
  return "unknown";
}
// The name of the register at `offset` as spelled in the table ("SnapBytes"); "" when no
// register sits there.
[[nodiscard]] constexpr std::string_view register_name(std::size_t offset) noexcept {
#define CPO_REFDEV_REG(Region, Name, off, access, doc) if (offset == (off)) return #Name;
#include "cpo/hal/backend/refdev/registers.def"
  return {};
}

// Typical completion latency of each command on the reference device (the simulator uses
// these; hardware may differ, so drivers poll with a deadline several times larger).
[[nodiscard]] constexpr std::chrono::microseconds typical_latency(Opcode v) noexcept {
  switch (v) {
#define CPO_REFDEV_OPCODE(Name, value, latency_us, doc) case Opcode::k##Name: return std::chrono::microseconds(latency_us);
#include "cpo/hal/backend/refdev/registers.def"
  }
  return std::chrono::microseconds(0);
}

// clang-format on

// Argument and result word indexes: arg::k<Opcode><Name>, result::k<Opcode><Name>.
namespace arg {
#define CPO_REFDEV_ARG(Opcode, index, Name, doc) inline constexpr std::size_t k##Opcode##Name = index;
#include "cpo/hal/backend/refdev/registers.def"
}  // namespace arg
namespace result {
#define CPO_REFDEV_RESULT(Opcode, index, Name, doc) inline constexpr std::size_t k##Opcode##Name = index;
#include "cpo/hal/backend/refdev/registers.def"
}  // namespace result

// ------------------------------------------------------------------------------ helpers
// Byte offset of `field` in record `index` of `rec`. Precondition: index < rec.capacity.
[[nodiscard]] constexpr std::size_t at(const Record& rec, std::size_t index, std::size_t field_offset) noexcept {
  return rec.base + index * rec.stride + field_offset;
}
// Offsets of mailbox argument / result word i (i < kMailboxArgs / kMailboxResults) and of
// data word i (i < kMailboxDataBytes / 4).
[[nodiscard]] constexpr std::size_t mbx_arg(std::size_t i) noexcept { return reg::kMbxArg0 + 4 * i; }
[[nodiscard]] constexpr std::size_t mbx_result(std::size_t i) noexcept { return reg::kMbxResult0 + 4 * i; }
[[nodiscard]] constexpr std::size_t mbx_data_word(std::size_t i) noexcept { return region::kMbxData.offset + 4 * i; }

// An event's or command's object word.
[[nodiscard]] constexpr std::uint32_t make_object(ObjectKind kind, std::uint32_t index,
                                                  std::uint32_t sub = 0) noexcept {
  return bits::kObjectKind.put(static_cast<std::uint32_t>(kind)) | bits::kObjectIndex.put(index) |
         bits::kObjectSub.put(sub);
}
[[nodiscard]] constexpr std::uint32_t make_version(std::uint32_t major, std::uint32_t minor) noexcept {
  return bits::kVersionMajor.put(major) | bits::kVersionMinor.put(minor);
}
inline constexpr std::uint32_t kVersion = make_version(kVersionMajor, kVersionMinor);

// ------------------------------------------------------------------------------ fingerprint
namespace detail {
struct Fnv1a {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64-bit offset basis
  constexpr void byte(std::uint8_t b) noexcept {
    h ^= b;
    h *= 0x100000001b3ULL;  // FNV 64-bit prime
  }
  constexpr void add(std::string_view s) noexcept {
    for (char c : s) byte(static_cast<std::uint8_t>(c));
    byte(0);
  }
  constexpr void add(std::int64_t v) noexcept {
    auto u = static_cast<std::uint64_t>(v);
    for (int i = 0; i < 8; ++i) byte(static_cast<std::uint8_t>(u >> (8 * i)));
  }
};
}  // namespace detail

// A hash of every published name, offset, size, bit position, code, argument slot and error
// assignment (doc strings excluded). The lock test pins it per (major, minor) version.
[[nodiscard]] constexpr std::uint64_t interface_fingerprint() noexcept {
  detail::Fnv1a f;
#define CPO_REFDEV_CONST(Name, type, value, doc) \
  f.add("const");                                \
  f.add(#Name);                                  \
  f.add(#type);                                  \
  f.add(static_cast<std::int64_t>(value));
#define CPO_REFDEV_REGION(Name, offset, bytes, doc) \
  f.add("region");                                  \
  f.add(#Name);                                     \
  f.add(offset);                                    \
  f.add(bytes);
#define CPO_REFDEV_REG(Region, Name, offset, access, doc) \
  f.add("reg");                                           \
  f.add(#Region);                                         \
  f.add(#Name);                                           \
  f.add(offset);                                          \
  f.add(#access);
#define CPO_REFDEV_RECORD(Name, base, stride, capacity, doc) \
  f.add("record");                                           \
  f.add(#Name);                                              \
  f.add(base);                                               \
  f.add(stride);                                             \
  f.add(capacity);
#define CPO_REFDEV_FIELD(Record, Name, offset, access, unit, doc) \
  f.add("field");                                                 \
  f.add(#Record);                                                 \
  f.add(#Name);                                                   \
  f.add(offset);                                                  \
  f.add(#access);                                                 \
  f.add(unit);
#define CPO_REFDEV_BITS(Owner, Name, shift, width, doc) \
  f.add("bits");                                        \
  f.add(#Owner);                                        \
  f.add(#Name);                                         \
  f.add(shift);                                         \
  f.add(width);
#define CPO_REFDEV_ENUM(Enum, Name, value, doc) \
  f.add("enum");                                \
  f.add(#Enum);                                 \
  f.add(#Name);                                 \
  f.add(value);
#define CPO_REFDEV_OPCODE(Name, value, latency_us, doc) \
  f.add("opcode");                                      \
  f.add(#Name);                                         \
  f.add(value);
#define CPO_REFDEV_ARG(Opcode, index, Name, doc) \
  f.add("arg");                                  \
  f.add(#Opcode);                                \
  f.add(index);                                  \
  f.add(#Name);
#define CPO_REFDEV_RESULT(Opcode, index, Name, doc) \
  f.add("result");                                  \
  f.add(#Opcode);                                   \
  f.add(index);                                     \
  f.add(#Name);
#define CPO_REFDEV_ERROR(Opcode, Completion, doc) \
  f.add("error");                                 \
  f.add(#Opcode);                                 \
  f.add(#Completion);
#define CPO_REFDEV_REFUSE(Opcode, Completion, Arg, Check, doc) \
  f.add("refuse");                                             \
  f.add(#Opcode);                                              \
  f.add(#Completion);                                          \
  f.add(#Arg);                                                 \
  f.add(#Check);
#define CPO_REFDEV_SNAP_REFUSE(Completion, Reg, Check, doc) \
  f.add("snap_refuse");                                     \
  f.add(#Completion);                                       \
  f.add(#Reg);                                              \
  f.add(#Check);
#include "cpo/hal/backend/refdev/registers.def"
  return f.h;
}

// ------------------------------------------------------------------------------ layout checks
namespace detail {
[[nodiscard]] constexpr bool inside(std::size_t off, std::size_t len, const Region& r) noexcept {
  return off >= r.offset && off + len <= r.offset + r.bytes;
}
}  // namespace detail
#define CPO_REFDEV_REGION(Name, offset, bytes, doc) \
  static_assert((offset) % 4 == 0 && (offset) + (bytes) <= kWindowBytes, "region " #Name " outside the window");
#define CPO_REFDEV_REG(Region, Name, offset, access, doc)                          \
  static_assert((offset) % 4 == 0 && detail::inside(offset, 4, region::k##Region), \
                "register " #Name " outside region " #Region);
#define CPO_REFDEV_RECORD(Name, base, stride, capacity, doc)                                            \
  static_assert((base) % 4 == 0 && (stride) % 4 == 0 && (base) + (stride) * (capacity) <= kWindowBytes, \
                "record " #Name " outside the window");
#define CPO_REFDEV_FIELD(Record, Name, offset, access, unit, doc)              \
  static_assert((offset) % 4 == 0 && (offset) + 4 <= record::k##Record.stride, \
                "field " #Record #Name " past its record");
#define CPO_REFDEV_BITS(Owner, Name, shift, width, doc) \
  static_assert((width) >= 1 && (shift) + (width) <= 32, "bits " #Owner #Name " outside a word");
#define CPO_REFDEV_ARG(Opcode, index, Name, doc) \
  static_assert((index) < kMailboxArgs, "argument " #Opcode #Name " past the argument words");
#define CPO_REFDEV_RESULT(Opcode, index, Name, doc) \
  static_assert((index) < kMailboxResults, "result " #Opcode #Name " past the result words");
#include "cpo/hal/backend/refdev/registers.def"
static_assert(detail::inside(record::kEvent.base, record::kEvent.stride* record::kEvent.capacity, region::kEventRing));
static_assert(record::kEvent.capacity == kEventRingEntries);
static_assert(detail::inside(record::kOe.base, record::kOe.stride* record::kOe.capacity, region::kStatus));
static_assert(detail::inside(record::kEls.base, record::kEls.stride* record::kEls.capacity, region::kStatus));
static_assert(detail::inside(record::kLaser.base, record::kLaser.stride* record::kLaser.capacity, region::kStatus));
static_assert(detail::inside(record::kPort.base, record::kPort.stride* record::kPort.capacity, region::kStatus));
static_assert(detail::inside(record::kLane.base, record::kLane.stride* record::kLane.capacity, region::kStatus));

}  // namespace cpo::refdev
