// The SDK's copy of each ELS bank's pages 1Ah/1Bh and each OE's thresholds (page 02h).
//
// Laser decisions are taken from this copy, so a refused request costs no device access at
// all. The copy is exact because the SDK is the only writer of the laser controls (raw
// writes to them are refused, Switch::write_cmis) and because a replaced module is detected
// by its insert count and read afresh.
#include <algorithm>

#include <fmt/format.h>

#include "core/switch_impl.h"
#include "core/telemetry_lookup.h"

namespace cpo::sdk {
namespace {

constexpr std::uint8_t kPage1A = 0x1A;
constexpr std::uint8_t kPage1B = 0x1B;
constexpr std::uint8_t kPage02 = 0x02;
constexpr std::uint16_t kUpperStart = 128;

Status read_page(Driver& driver, std::variant<OeId, ElsId> module, BankId bank, std::uint8_t page,
                 cmis::PageBytes& out) {
  return driver.read_cmis(CmisAddress{module, bank, page, kUpperStart}, out);
}

}  // namespace

Status DeviceSwitch::Impl::load_caches() {
  Telemetry t;
  CPO_RETURN_IF_ERROR(read_units(t));
  if (capabilities_allow_els()) {
    for (const auto& els : platform.els_modules()) {
      const ElsTelemetry* e = find_els(t, els.id);
      if (e == nullptr || !e->present) continue;
      for (std::size_t b = 0; b < els_cache[els.id.value()].size(); ++b) {
        ElsBankCache& c = *els_cache[els.id.value()][b];
        cmis::PageBytes p1a{}, p1b{};
        const BankId bank(static_cast<std::uint32_t>(b));
        CPO_RETURN_IF_ERROR(read_page(driver, els.id, bank, kPage1A, p1a));
        CPO_RETURN_IF_ERROR(read_page(driver, els.id, bank, kPage1B, p1b));
        Lock lock(c.mu);
        c.page1a = p1a;
        c.page1b = p1b;
        c.insert_count = e->insert_count;
        c.valid = true;
      }
    }
  }
  if (driver.capabilities().cmis_oe) {
    std::vector<OeThresholds> oes;
    for (const auto& oe : platform.optical_engines()) {
      cmis::PageBytes p02{};
      if (!read_page(driver, oe.id, BankId(0), kPage02, p02).ok()) continue;  // a faulted OE: no thresholds
      // Page 02h Tx bias thresholds scale with the page 01h multiplier; the SDK uses only
      // temperature, Vcc and power thresholds, which do not.
      oes.push_back(OeThresholds{oe.id, cmis::decode_page02(p02)});
    }
    Lock lock(thresholds_mu);
    oe_thresholds = std::move(oes);
  }
  return ok_status();
}

bool DeviceSwitch::Impl::capabilities_allow_els() const {
  const Capabilities& c = driver.capabilities();
  return c.cmis_els && c.cmis_write;
}

Result<LaserPages> DeviceSwitch::Impl::pages(const LaserRef& laser, const Telemetry& t) {
  CPO_RETURN_IF_ERROR(platform.laser(laser).status());
  if (!capabilities_allow_els()) {
    return error(Code::unsupported, fmt::format("backend {} cannot control lasers (no CMIS access to ELS modules)",
                                                driver.capabilities().backend));
  }
  const ElsTelemetry* e = find_els(t, laser.els);
  if (e == nullptr || !e->present) {
    return error(Code::failed_precondition,
                 fmt::format("{} is absent (insert an ELS module first)", to_string(laser.els)));
  }
  LaserPages p;
  p.els = laser.els;
  p.bank = BankId(static_cast<std::uint32_t>(laser.index / cmis::kLanesPerBank));
  p.lane = static_cast<unsigned>(laser.index % cmis::kLanesPerBank) + 1;
  ElsBankCache& c = *els_cache[laser.els.value()][p.bank.value()];
  bool fresh = false;
  {
    Lock lock(c.mu);
    fresh = c.valid && c.insert_count == e->insert_count;
    if (fresh) {
      p.page1a = c.page1a;
      p.page1b = c.page1b;
    }
  }
  if (!fresh) {
    CPO_RETURN_IF_ERROR(read_page(driver, laser.els, p.bank, kPage1A, p.page1a));
    CPO_RETURN_IF_ERROR(read_page(driver, laser.els, p.bank, kPage1B, p.page1b));
    Lock lock(c.mu);
    c.page1a = p.page1a;
    c.page1b = p.page1b;
    c.insert_count = e->insert_count;
    c.valid = true;
  }
  p.advert = cmis::decode_page1a(p.page1a);
  p.monitors = cmis::decode_page1b(p.page1b);
  return p;
}

Status DeviceSwitch::Impl::modify(const LaserRef& laser, std::uint8_t page,
                                  const std::function<Status(cmis::PageBytes&)>& edit) {
  const BankId bank(static_cast<std::uint32_t>(laser.index / cmis::kLanesPerBank));
  ElsBankCache& c = *els_cache[laser.els.value()][bank.value()];
  // Held across the device write: two lasers of one bank share bytes (lane enable is one
  // byte for 8 lasers), so read-modify-write must not interleave. No user code runs here.
  Lock lock(c.mu);
  if (!c.valid) return error(Code::failed_precondition, fmt::format("{}: module pages not read", to_string(laser)));
  cmis::PageBytes& cached = page == kPage1A ? c.page1a : c.page1b;
  cmis::PageBytes next = cached;
  CPO_RETURN_IF_ERROR(edit(next));
  // Write each run of changed bytes: the codec decided which bytes a field occupies.
  std::size_t i = 0;
  while (i < next.size()) {
    if (next[i] == cached[i]) {
      ++i;
      continue;
    }
    std::size_t end = i + 1;
    while (end < next.size() && next[end] != cached[end]) ++end;
    const CmisAddress address{laser.els, bank, page, static_cast<std::uint16_t>(kUpperStart + i)};
    Status s = driver.write_cmis(address, std::span<const std::uint8_t>(next.data() + i, end - i));
    if (!s.ok()) {
      c.valid = false;  // what landed is unknown: read afresh next time
      return s;
    }
    std::copy(next.begin() + static_cast<std::ptrdiff_t>(i), next.begin() + static_cast<std::ptrdiff_t>(end),
              cached.begin() + static_cast<std::ptrdiff_t>(i));
    i = end;
  }
  return ok_status();
}

std::vector<LaserThresholds> DeviceSwitch::Impl::laser_thresholds() {
  std::vector<LaserThresholds> out;
  for (const auto& els : platform.els_modules()) {
    for (std::size_t b = 0; b < els_cache[els.id.value()].size(); ++b) {
      ElsBankCache& c = *els_cache[els.id.value()][b];
      cmis::ElsAdvertisement a;
      {
        Lock lock(c.mu);
        if (!c.valid) continue;
        a = cmis::decode_page1a(c.page1a);
      }
      const std::size_t first = b * cmis::kLanesPerBank;
      for (std::size_t k = first; k < std::min(els.lasers.size(), first + cmis::kLanesPerBank); ++k) {
        out.push_back(
            LaserThresholds{LaserRef{els.id, static_cast<std::uint32_t>(k)}, a.power_thresholds, a.bias_thresholds});
      }
    }
  }
  return out;
}

}  // namespace cpo::sdk
