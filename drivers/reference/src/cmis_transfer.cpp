// CMIS reads and writes through the mailbox data buffer (CmisRead / CmisWrite).
#include "driver_impl.h"

#include <fmt/format.h>

namespace cpo::reference {

Status ReferenceDriver::Impl::cmis(const CmisAddress& a, std::span<std::uint8_t> read_out,
                                   std::span<const std::uint8_t> write_in) {
  const bool write = !write_in.empty();
  const std::size_t size = write ? write_in.size() : read_out.size();
  CPO_RETURN_IF_ERROR(check_cmis_transfer(a, size));
  Unit* u = nullptr;
  std::uint32_t local = 0;
  rd::CmisTarget target = rd::CmisTarget::kOe;
  if (const auto* oe = std::get_if<OeId>(&a.module)) {
    if (oe->value() >= oe_loc.size()) CPO_RETURN_IF_ERROR(platform.optical_engine(*oe).status());
    u = oe_loc[oe->value()].unit;
    local = oe_loc[oe->value()].local;
  } else {
    const ElsId els = std::get<ElsId>(a.module);
    if (els.value() >= els_loc.size() || els_loc[els.value()].unit == nullptr) {
      CPO_RETURN_IF_ERROR(platform.els(els).status());
      return error(Code::out_of_range, fmt::format("{} is not reachable from any unit", to_string(els)));
    }
    u = els_loc[els.value()].unit;
    local = els_loc[els.value()].local;
    target = rd::CmisTarget::kEls;
  }
  const rd::CmisRegion region = a.offset < 128 ? rd::CmisRegion::kLower : rd::CmisRegion::kUpper;
  const std::size_t first = a.offset % 128;
  const std::string what = to_string(a);
  Reply reply;
  Status s;
  {
    cpo::Lock lock(u->mailbox_mutex);
    if (write) {
      const rd::ArgWords args = rd::pack(rd::CmisWriteArgs{.Target = static_cast<std::uint32_t>(target),
                                                           .Index = local,
                                                           .Bank = a.bank.value(),
                                                           .Page = a.page,
                                                           .Region = static_cast<std::uint32_t>(region),
                                                           .Offset = static_cast<std::uint32_t>(first),
                                                           .Length = static_cast<std::uint32_t>(size)});
      s = command_locked(
          *u, args, what, reply,
          [&] {
            // Data byte i sits in bits 8*(i%4) of data word i/4; write the words that
            // hold bytes first..first+size-1 (the device takes only those bytes).
            for (std::size_t w = first / 4; w <= (first + size - 1) / 4; ++w) {
              std::uint32_t word = 0;
              for (std::size_t b = 0; b < 4; ++b) {
                const std::size_t i = w * 4 + b;
                if (i >= first && i < first + size) word |= std::uint32_t{write_in[i - first]} << (8 * b);
              }
              u->bar->write32(rd::mbx_data_word(w), word);
            }
          },
          [] {});
    } else {
      const rd::ArgWords args = rd::pack(rd::CmisReadArgs{.Target = static_cast<std::uint32_t>(target),
                                                          .Index = local,
                                                          .Bank = a.bank.value(),
                                                          .Page = a.page,
                                                          .Region = static_cast<std::uint32_t>(region)});
      s = command_locked(
          *u, args, what, reply, [] {},
          [&] {
            for (std::size_t w = first / 4; w <= (first + size - 1) / 4; ++w) {
              const std::uint32_t word = u->rd32(rd::mbx_data_word(w));
              for (std::size_t b = 0; b < 4; ++b) {
                const std::size_t i = w * 4 + b;
                if (i >= first && i < first + size) read_out[i - first] = static_cast<std::uint8_t>(word >> (8 * b));
              }
            }
          });
    }
  }
  return note(std::move(s));
}

}  // namespace cpo::reference
