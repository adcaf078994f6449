#include "cpo/hal/cmis/memory_map.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace cpo::cmis {
namespace {

PageAddress normalise(std::uint8_t page, std::uint8_t bank) noexcept {
  // The module ignores BankSelect for pages 00h..0Fh (CMIS 5.2 8.1), so they live in bank 0.
  return PageAddress{page, is_banked(page) ? bank : std::uint8_t{0}};
}

}  // namespace

std::string to_string(PageAddress address) {
  if (!is_banked(address.page)) return fmt::format("page {:02X}h", address.page);
  return fmt::format("page {:02X}h bank {}", address.page, address.bank);
}

void MemoryMap::set_lower(const PageBytes& bytes) noexcept {
  lower_ = bytes;
  has_lower_ = true;
}

PageBytes& MemoryMap::lower_or_insert() noexcept {
  if (!has_lower_) {
    lower_.fill(0);
    has_lower_ = true;
  }
  return lower_;
}

const PageBytes* MemoryMap::upper(std::uint8_t page, std::uint8_t bank) const noexcept {
  const PageAddress key = normalise(page, bank);
  auto it = std::lower_bound(uppers_.begin(), uppers_.end(), key,
                             [](const UpperPage& p, const PageAddress& k) { return p.address < k; });
  return (it != uppers_.end() && it->address == key) ? &it->bytes : nullptr;
}

PageBytes* MemoryMap::upper(std::uint8_t page, std::uint8_t bank) noexcept {
  return const_cast<PageBytes*>(std::as_const(*this).upper(page, bank));
}

Status MemoryMap::set_upper(std::uint8_t page, std::uint8_t bank, const PageBytes& bytes) {
  if (!is_banked(page) && bank != 0) {
    return error(Code::invalid_argument,
                 fmt::format("page {:02X}h bank {}: pages 00h..0Fh are not banked, only bank 0 exists", page, bank));
  }
  upper_or_insert(page, bank) = bytes;
  return ok_status();
}

PageBytes& MemoryMap::upper_or_insert(std::uint8_t page, std::uint8_t bank) {
  const PageAddress key = normalise(page, bank);
  auto it = std::lower_bound(uppers_.begin(), uppers_.end(), key,
                             [](const UpperPage& p, const PageAddress& k) { return p.address < k; });
  if (it != uppers_.end() && it->address == key) return it->bytes;
  return uppers_.insert(it, UpperPage{key, PageBytes{}})->bytes;
}

bool MemoryMap::erase_upper(std::uint8_t page, std::uint8_t bank) noexcept {
  const PageAddress key = normalise(page, bank);
  auto it = std::find_if(uppers_.begin(), uppers_.end(), [&](const UpperPage& p) { return p.address == key; });
  if (it == uppers_.end()) return false;
  uppers_.erase(it);
  return true;
}

std::vector<std::uint8_t> MemoryMap::banks_of(std::uint8_t page) const {
  std::vector<std::uint8_t> banks;
  for (const auto& p : uppers_) {
    if (p.address.page == page) banks.push_back(p.address.bank);
  }
  return banks;
}

Result<PageAddress> MemoryMap::selected() const {
  if (!has_lower_) return error(Code::not_found, "lower page absent: BankSelect/PageSelect (7Eh/7Fh) unknown");
  return normalise(lower_[kPageSelectByte], lower_[kBankSelectByte]);
}

Result<std::uint8_t> MemoryMap::read(std::uint8_t address) const {
  if (!has_lower_) return error(Code::not_found, fmt::format("byte {}: lower page absent", address));
  if (address < kPageSize) return lower_[address];
  const PageAddress sel = normalise(lower_[kPageSelectByte], lower_[kBankSelectByte]);
  const PageBytes* page = upper(sel.page, sel.bank);
  if (page == nullptr) {
    return error(Code::not_found, fmt::format("byte {}: selected {} is absent", address, to_string(sel)));
  }
  return (*page)[address - kPageSize];
}

Status MemoryMap::write(std::uint8_t address, std::uint8_t value) {
  if (!has_lower_) return error(Code::not_found, fmt::format("byte {}: lower page absent", address));
  if (address < kPageSize) {
    lower_[address] = value;
    return ok_status();
  }
  const PageAddress sel = normalise(lower_[kPageSelectByte], lower_[kBankSelectByte]);
  PageBytes* page = upper(sel.page, sel.bank);
  if (page == nullptr) {
    return error(Code::not_found, fmt::format("byte {}: selected {} is absent", address, to_string(sel)));
  }
  (*page)[address - kPageSize] = value;
  return ok_status();
}

Status MemoryMap::select(std::uint8_t page, std::uint8_t bank) {
  if (!has_lower_) return error(Code::not_found, "lower page absent: cannot write BankSelect/PageSelect (7Eh/7Fh)");
  lower_[kBankSelectByte] = bank;
  lower_[kPageSelectByte] = page;
  return ok_status();
}

bool operator==(const MemoryMap& a, const MemoryMap& b) noexcept {
  if (a.has_lower_ != b.has_lower_) return false;
  if (a.has_lower_ && a.lower_ != b.lower_) return false;
  if (a.uppers_.size() != b.uppers_.size()) return false;
  for (std::size_t i = 0; i < a.uppers_.size(); ++i) {
    if (a.uppers_[i].address != b.uppers_[i].address || a.uppers_[i].bytes != b.uppers_[i].bytes) return false;
  }
  return true;
}

}  // namespace cpo::cmis
