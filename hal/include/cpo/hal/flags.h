// cpo::FlagSet<E>: a set of named flags of an enum, instead of a bare flag word.
//
// `E` is an enum class whose enumerators are the bit positions 0..31 and which lists every
// flag in a constexpr array `all_flags(E{})` found by argument-dependent lookup, so a set
// can be iterated and printed without knowing the enum. Sets compare, combine and test by
// flag name; the bit layout is private to the set (a backend translates its own device
// bits flag by flag).
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace cpo {

template <typename E>
class FlagSet {
 public:
  constexpr FlagSet() noexcept = default;
  constexpr FlagSet(std::initializer_list<E> flags) noexcept {
    for (E f : flags) set(f);
  }

  [[nodiscard]] constexpr bool has(E flag) const noexcept { return (bits_ & bit(flag)) != 0; }
  [[nodiscard]] constexpr bool any() const noexcept { return bits_ != 0; }
  [[nodiscard]] constexpr bool none() const noexcept { return bits_ == 0; }
  constexpr FlagSet& set(E flag, bool on = true) noexcept {
    bits_ = on ? (bits_ | bit(flag)) : (bits_ & ~bit(flag));
    return *this;
  }
  constexpr FlagSet& clear(E flag) noexcept { return set(flag, false); }
  [[nodiscard]] constexpr bool intersects(FlagSet other) const noexcept { return (bits_ & other.bits_) != 0; }

  friend constexpr FlagSet operator|(FlagSet a, FlagSet b) noexcept { return from_bits(a.bits_ | b.bits_); }
  friend constexpr FlagSet operator&(FlagSet a, FlagSet b) noexcept { return from_bits(a.bits_ & b.bits_); }
  // The flags of `a` not in `b`.
  friend constexpr FlagSet operator-(FlagSet a, FlagSet b) noexcept { return from_bits(a.bits_ & ~b.bits_); }
  friend constexpr bool operator==(FlagSet, FlagSet) noexcept = default;

  // Calls fn(flag) for each flag in the set, in the enum's order.
  template <typename Fn>
  constexpr void for_each(Fn&& fn) const {
    for (E f : all_flags(E{}))
      if (has(f)) fn(f);
  }

 private:
  static constexpr std::uint32_t bit(E flag) noexcept { return 1u << static_cast<unsigned>(flag); }
  static constexpr FlagSet from_bits(std::uint32_t bits) noexcept {
    FlagSet s;
    s.bits_ = bits;
    return s;
  }
  std::uint32_t bits_ = 0;
};

}  // namespace cpo
