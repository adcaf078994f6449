// The CMIS memory map of one module: the lower page and upper pages addressed by (bank, page).
//
// Model (OIF CMIS 5.2 section 8.1, "Memory structure and mapping"):
// - the host sees 256 bytes: bytes 0..127 are the lower page (always the same memory), bytes
//   128..255 show the upper page selected by BankSelect (lower byte 7Eh) and PageSelect
//   (lower byte 7Fh);
// - pages 00h..0Fh are not banked (BankSelect is ignored for them, we store them as bank 0);
//   pages 10h..FFh are banked, one bank per group of 8 lanes (bank 0 = lanes 1..8, bank 1 =
//   lanes 9..16, ...);
// - every page here is one 128-byte half; page 00h means the upper half of page 0.
// A page that was not read is absent: accessors return nullptr or not_found, never zeros.
//
// Allocation: pages live in one small vector sorted by (page, bank); a module with 10 pages
// costs one allocation. Lookups are linear scans (a module has a few dozen pages at most).
//
// Thread safety: a value type; concurrent const use is safe, mutation needs external locking.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "cpo/hal/status.h"

namespace cpo::cmis {

// One half page: 128 bytes. Index 0 is byte 0 of the lower page or byte 128 of an upper page.
inline constexpr std::size_t kPageSize = 128;
using PageBytes = std::array<std::uint8_t, kPageSize>;

// Lanes per bank (CMIS 5.2 8.1: banked pages carry 8 lanes each).
inline constexpr std::size_t kLanesPerBank = 8;

// Page numbers used by the codec (CMIS 5.2 Table 8-1; OIF-ELSFP-CMIS-01.0 for 1Ah/1Bh).
inline constexpr std::uint8_t kPage00 = 0x00;  // administrative (upper half of page 0)
inline constexpr std::uint8_t kPage01 = 0x01;  // advertising
inline constexpr std::uint8_t kPage02 = 0x02;  // thresholds
inline constexpr std::uint8_t kPage10 = 0x10;  // lane and data path control (banked)
inline constexpr std::uint8_t kPage11 = 0x11;  // lane and data path status (banked)
inline constexpr std::uint8_t kPage1A = 0x1A;  // ELSFP advertisements, flags, controls (banked)
inline constexpr std::uint8_t kPage1B = 0x1B;  // ELSFP set-points and monitors (banked)

// The pages OIF-ELSFP-CMIS-01.0 adds to CMIS: 1Ah (Tables 4-10) and 1Bh (Tables 11-12). An
// ELSFP serves them beside the standard pages 00h-02h (and optionally VDM 2Fh, CDB 9Fh);
// sonic-platform-common's ElsfpMemMap (PR #678) composes exactly these, with no other
// ELSFP-specific page.
inline constexpr std::uint8_t kElsfpPages[] = {kPage1A, kPage1B};
[[nodiscard]] constexpr bool is_elsfp_page(std::uint8_t page) noexcept { return page == kPage1A || page == kPage1B; }
// Upper pages with a standard meaning in CMIS 5.2 (Table 8-1 page assignments), which a
// vendor relocation of ELSFP pages may not take: 00h-0Fh (administrative, advertising,
// thresholds, user EEPROM, tunable-laser advertising, reserved unbanked pages), 10h-1Fh
// (lane pages, ELSFP 1Ah/1Bh among them), 20h-2Fh (VDM), 9Fh (CDB command/status, the page
// Linux's ETHTOOL_CMIS_CDB_CMD_PAGE addresses) and A0h-AFh (CDB extended payload).
[[nodiscard]] constexpr bool is_standard_page(std::uint8_t page) noexcept {
  return page <= 0x2F || page == 0x9F || (page >= 0xA0 && page <= 0xAF);
}

// Lower-page bytes that select the upper page (CMIS 5.2 Table 8-3).
inline constexpr std::uint8_t kBankSelectByte = 0x7E;
inline constexpr std::uint8_t kPageSelectByte = 0x7F;

// True for pages whose content depends on BankSelect (10h..FFh).
[[nodiscard]] constexpr bool is_banked(std::uint8_t page) noexcept { return page >= 0x10; }

// Where an upper page lives. For unbanked pages bank is always 0.
struct PageAddress {
  std::uint8_t page = 0;
  std::uint8_t bank = 0;
  friend constexpr auto operator<=>(const PageAddress&, const PageAddress&) = default;
};

// "page 11h bank 1", "page 00h".
[[nodiscard]] std::string to_string(PageAddress address);

class MemoryMap {
 public:
  struct UpperPage {
    PageAddress address;
    PageBytes bytes{};
  };

  // The lower page (bytes 0..127), or nullptr when it was not read.
  [[nodiscard]] const PageBytes* lower() const noexcept { return has_lower_ ? &lower_ : nullptr; }
  [[nodiscard]] PageBytes* lower() noexcept { return has_lower_ ? &lower_ : nullptr; }
  // Stores the lower page, replacing any previous one.
  void set_lower(const PageBytes& bytes) noexcept;
  // The lower page, created zero-filled if absent (for builders).
  PageBytes& lower_or_insert() noexcept;

  // Upper page `page` of `bank`, or nullptr when absent. For unbanked pages (< 10h) the bank
  // is ignored, as the module ignores BankSelect for them.
  [[nodiscard]] const PageBytes* upper(std::uint8_t page, std::uint8_t bank = 0) const noexcept;
  [[nodiscard]] PageBytes* upper(std::uint8_t page, std::uint8_t bank = 0) noexcept;
  // Stores an upper page. Errors: invalid_argument when bank != 0 for an unbanked page
  // (00h..0Fh have no banks).
  Status set_upper(std::uint8_t page, std::uint8_t bank, const PageBytes& bytes);
  // The upper page, created zero-filled if absent (for builders). Precondition: bank == 0 or
  // is_banked(page) (checked; an unbanked page's bank is forced to 0).
  PageBytes& upper_or_insert(std::uint8_t page, std::uint8_t bank = 0);
  // Removes an upper page; returns whether it was present.
  bool erase_upper(std::uint8_t page, std::uint8_t bank = 0) noexcept;

  // Every stored upper page, sorted by (page, bank).
  [[nodiscard]] std::span<const UpperPage> upper_pages() const noexcept { return uppers_; }
  // Banks present for a banked page, ascending.
  [[nodiscard]] std::vector<std::uint8_t> banks_of(std::uint8_t page) const;
  [[nodiscard]] bool empty() const noexcept { return !has_lower_ && uppers_.empty(); }

  // Host-view access through BankSelect/PageSelect (CMIS 5.2 8.2.1).
  // `address` 0..127 reads the lower page; 128..255 reads the selected upper page.
  // Errors: not_found when the lower page or the selected upper page is absent.
  [[nodiscard]] Result<std::uint8_t> read(std::uint8_t address) const;
  // Writes one byte in the host view. Writing 7Eh/7Fh changes the selection, as on a module.
  // Errors: not_found as for read().
  Status write(std::uint8_t address, std::uint8_t value);
  // Sets BankSelect and PageSelect (writes lower bytes 7Eh and 7Fh).
  // Errors: not_found when the lower page is absent.
  Status select(std::uint8_t page, std::uint8_t bank = 0);
  // The (page, bank) the select bytes point at (bank forced to 0 for unbanked pages).
  // Errors: not_found when the lower page is absent.
  [[nodiscard]] Result<PageAddress> selected() const;

  friend bool operator==(const MemoryMap& a, const MemoryMap& b) noexcept;

 private:
  bool has_lower_ = false;
  PageBytes lower_{};
  std::vector<UpperPage> uppers_;  // sorted by address
};

}  // namespace cpo::cmis
