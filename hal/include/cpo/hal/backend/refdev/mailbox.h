// The reference device's mailbox words, generated from registers.def: one argument struct
// and one result struct per opcode, their packing into the MbxArg / MbxResult words, and the
// device-side argument checks of the table's REFUSE rows. The reference driver, the
// simulator and the tests' fake device all use these, so they cannot disagree on a layout
// or on which argument a device refuses.
//
//   refdev::BreakoutArgs{.FirstPort = 0, .Count = 4, .Subports = 2}   typed arguments
//   refdev::pack(args) -> ArgWords{opcode, word[8], count}            driver side
//   refdev::unpack_args<BreakoutArgs>(words)                          device side
//   refdev::pack_results(BreakoutResults{...}) / unpack_results<...>
//   refdev::check(opcode, words, unit) -> Refusal{code, arg, why}     device side
//
// `unit` is any object answering the questions the REFUSE rows ask (see registers.def):
// port_count(), lane_count(), lanes_per_port(), subports(port), modules(target),
// banks(target, index), breakout_caps(), fec_caps(), prbs_caps(), loopback_caps(),
// event_producer(); all return std::uint32_t.
//
// Thread safety: constexpr functions of their arguments only.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "cpo/hal/backend/refdev/refdev.h"

namespace cpo::refdev {

// ------------------------------------------------------------------------------ vocabulary of checks
[[nodiscard]] constexpr bool has_bit(std::uint32_t set, std::uint32_t n) noexcept {
  return n < 32 && ((set >> n) & 1u);
}
[[nodiscard]] constexpr std::int32_t as_i32(std::uint32_t v) noexcept { return std::bit_cast<std::int32_t>(v); }
template <typename E>
[[nodiscard]] constexpr bool is(std::uint32_t v, E e) noexcept {
  return v == static_cast<std::uint32_t>(e);
}

// True when `v` is one of the table's enumerators of E.
template <typename E>
[[nodiscard]] constexpr bool defined(std::uint32_t v) noexcept;

// clang-format off
template <>
[[nodiscard]] constexpr bool defined<Fec>(std::uint32_t v) noexcept {
  switch (v) {
#define CPO_REFDEV_ENUM_FEC(Name, value, doc) case value:
#include "cpo/hal/backend/refdev/registers.def"
      return true;
    default: return false;
  }
}
template <>
[[nodiscard]] constexpr bool defined<Loopback>(std::uint32_t v) noexcept {
  switch (v) {
#define CPO_REFDEV_ENUM_LOOPBACK(Name, value, doc) case value:
#include "cpo/hal/backend/refdev/registers.def"
      return true;
    default: return false;
  }
}
template <>
[[nodiscard]] constexpr bool defined<PrbsPattern>(std::uint32_t v) noexcept {
  switch (v) {
#define CPO_REFDEV_ENUM_PRBS(Name, value, doc) case value:
#include "cpo/hal/backend/refdev/registers.def"
      return true;
    default: return false;
  }
}
template <>
[[nodiscard]] constexpr bool defined<CmisTarget>(std::uint32_t v) noexcept {
  switch (v) {
#define CPO_REFDEV_ENUM_CMIS_TARGET(Name, value, doc) case value:
#include "cpo/hal/backend/refdev/registers.def"
      return true;
    default: return false;
  }
}
template <>
[[nodiscard]] constexpr bool defined<CmisRegion>(std::uint32_t v) noexcept {
  switch (v) {
#define CPO_REFDEV_ENUM_CMIS_REGION(Name, value, doc) case value:
#include "cpo/hal/backend/refdev/registers.def"
      return true;
    default: return false;
  }
}

// ------------------------------------------------------------------------------ typed words
// <Opcode>Args and <Opcode>Results: one std::uint32_t member per ARG / RESULT row, named as
// in the table. Each OPCODE row closes the previous opcode's struct and opens its own, so
// the rows of a command must follow its OPCODE row (the offset checks below prove they do).
namespace detail {
struct ArgsBefore_ {
#define CPO_REFDEV_OPCODE(Name, value, latency_us, doc) }; struct Name##Args { static constexpr Opcode kOpcode = Opcode::k##Name;
#define CPO_REFDEV_ARG(Opcode, index, Name, doc) std::uint32_t Name = 0;
#include "cpo/hal/backend/refdev/registers.def"
};
struct ResultsBefore_ {
#define CPO_REFDEV_OPCODE(Name, value, latency_us, doc) }; struct Name##Results { static constexpr Opcode kOpcode = Opcode::k##Name;
#define CPO_REFDEV_RESULT(Opcode, index, Name, doc) std::uint32_t Name = 0;
#include "cpo/hal/backend/refdev/registers.def"
};
}  // namespace detail

#define CPO_REFDEV_OPCODE(Name, value, latency_us, doc) using Name##Args = detail::Name##Args; using Name##Results = detail::Name##Results;
#include "cpo/hal/backend/refdev/registers.def"

// Member Name sits in word `index`: rows of one opcode are in index order with no gaps.
#define CPO_REFDEV_ARG(Opcode, index, Name, doc) \
  static_assert(offsetof(Opcode##Args, Name) == 4 * (index), "argument " #Opcode "." #Name " out of order or under another opcode");
#define CPO_REFDEV_RESULT(Opcode, index, Name, doc) \
  static_assert(offsetof(Opcode##Results, Name) == 4 * (index), "result " #Opcode "." #Name " out of order or under another opcode");
#include "cpo/hal/backend/refdev/registers.def"
// clang-format on

// ------------------------------------------------------------------------------ packing
struct ArgWords {
  Opcode opcode = Opcode::kNop;
  std::array<std::uint32_t, kMailboxArgs> word{};
  std::size_t count = 0;  // words the opcode defines (the rest stay 0)
};
using ResultWords = std::array<std::uint32_t, kMailboxResults>;

namespace detail {
template <typename T>
inline constexpr std::size_t kWords = std::is_empty_v<T> ? 0 : sizeof(T) / 4;

template <typename T, std::size_t N>
constexpr void to_words(const T& v, std::array<std::uint32_t, N>& out) noexcept {
  if constexpr (kWords<T> != 0) {
    static_assert(sizeof(T) == 4 * kWords<T> && std::is_trivially_copyable_v<T>);
    const auto w = std::bit_cast<std::array<std::uint32_t, kWords<T>>>(v);
    for (std::size_t i = 0; i < w.size(); ++i) out[i] = w[i];
  }
}
template <typename T>
constexpr T from_words(std::span<const std::uint32_t> in) noexcept {
  if constexpr (kWords<T> == 0) {
    return T{};
  } else {
    std::array<std::uint32_t, kWords<T>> w{};
    for (std::size_t i = 0; i < w.size() && i < in.size(); ++i) w[i] = in[i];
    return std::bit_cast<T>(w);
  }
}
}  // namespace detail

template <typename A>
[[nodiscard]] constexpr ArgWords pack(const A& args) noexcept {
  ArgWords out;
  out.opcode = A::kOpcode;
  out.count = detail::kWords<A>;
  detail::to_words(args, out.word);
  return out;
}
template <typename A>
[[nodiscard]] constexpr A unpack_args(std::span<const std::uint32_t> words) noexcept {
  return detail::from_words<A>(words);
}
template <typename R>
[[nodiscard]] constexpr ResultWords pack_results(const R& results) noexcept {
  ResultWords out{};
  detail::to_words(results, out);
  return out;
}
template <typename R>
[[nodiscard]] constexpr R unpack_results(std::span<const std::uint32_t> words) noexcept {
  return detail::from_words<R>(words);
}

// ------------------------------------------------------------------------------ argument checks
// What a device answers to arguments a REFUSE row rejects: the completion, the index of the
// rejected argument word (Result0) and the row's text. code == kOk: the arguments pass.
struct Refusal {
  Completion code = Completion::kOk;
  std::uint32_t arg = 0;
  std::string_view why;
  [[nodiscard]] constexpr bool ok() const noexcept { return code == Completion::kOk; }
};

// clang-format off
// check(<Opcode>Args, unit): the opcode's REFUSE rows in table order, first match wins.
namespace detail {
template <typename Unit>
constexpr Refusal check_before_(int, const Unit&) noexcept {
#define CPO_REFDEV_OPCODE(Name, value, latency_us, doc) \
    return {}; }                                          \
  template <typename Unit>                                \
  [[nodiscard]] constexpr Refusal check(const Name##Args& a, const Unit& d) noexcept { (void)a; (void)d;
#define CPO_REFDEV_REFUSE(Opcode, Completion_, Arg, Check, doc)                                           \
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(a)>, Opcode##Args>, "REFUSE row of " #Opcode \
                                                                                    " under another opcode"); \
    if (Check) return Refusal{Completion::k##Completion_, arg::k##Opcode##Arg, doc};
#include "cpo/hal/backend/refdev/registers.def"
  return {};
}
}  // namespace detail
using detail::check;

// The device side of a doorbell: the opcode's arguments from the latched words, checked.
template <typename Unit>
[[nodiscard]] constexpr Refusal check(std::uint32_t opcode, std::span<const std::uint32_t> words, const Unit& unit) noexcept {
  switch (static_cast<Opcode>(opcode)) {
#define CPO_REFDEV_OPCODE(Name, value, latency_us, doc) \
    case Opcode::k##Name: return detail::check(unpack_args<Name##Args>(words), unit);
#include "cpo/hal/backend/refdev/registers.def"
  }
  return Refusal{Completion::kBadOpcode, 0, "unknown opcode"};
}
// clang-format on

}  // namespace cpo::refdev
