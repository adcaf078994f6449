// The command mailbox protocol of the reference device: fresh tags, polling with a deadline
// in device time, Busy retries and completion codes turned into Status.
#include "driver_impl.h"

#include <fmt/format.h>

namespace cpo::reference {

nanoseconds ReferenceDriver::Impl::deadline_for(rd::Opcode op) const {
  const nanoseconds typical = rd::typical_latency(op);
  return std::max(options.min_command_timeout, typical * options.timeout_factor);
}

Status ReferenceDriver::Impl::completion_status(const Unit& u, rd::Opcode op, std::string_view what,
                                                rd::Completion code, const Reply& reply) {
  const auto arg_index = reply.result[0];
  const std::string head =
      fmt::format("{}: {} of {} refused by the device: {}", to_string(u.id), rd::name(op), what, rd::name(code));
  switch (code) {
    case rd::Completion::kOk: return ok_status();
    case rd::Completion::kBadOpcode:
      return error(Code::unsupported, head + " (the firmware does not implement this command)");
    case rd::Completion::kBadObject:
      return error(Code::out_of_range, fmt::format("{} (argument {} names no object of this unit)", head, arg_index));
    case rd::Completion::kBadValue:
      return error(Code::out_of_range, fmt::format("{} (argument {} outside its range)", head, arg_index));
    case rd::Completion::kUnsupported:
      return error(Code::unsupported, fmt::format("{} (argument {} not supported by this unit)", head, arg_index));
    case rd::Completion::kWrongState:
      return error(Code::failed_precondition, head +
                                                  " (object in the wrong state; for a breakout, set the "
                                                  "sub-ports admin down first)");
    case rd::Completion::kNotPresent: return error(Code::failed_precondition, head + " (module not present)");
    case rd::Completion::kReadOnly:
      return error(Code::invalid_argument, head + " (a byte in the range is read-only; nothing was written)");
    case rd::Completion::kDeviceFault: return error(Code::device_error, head + " (the target is faulted)");
    case rd::Completion::kBusy: break;
  }
  return error(Code::device_error, fmt::format("{} (completion code {})", head, static_cast<std::uint32_t>(code)));
}

Status ReferenceDriver::Impl::command_locked(Unit& u, const rd::ArgWords& args, std::string_view what, Reply& reply,
                                             FunctionRef<void()> before_doorbell, FunctionRef<void()> after) {
  const rd::Opcode op = args.opcode;
  if (u.gone.load(std::memory_order_relaxed)) return gone_status(u);
  const nanoseconds typical = rd::typical_latency(op);
  const nanoseconds limit = deadline_for(op);
  DeviceDeadline deadline(*u.bar, limit);
  // Poll at a quarter of the typical latency (at least 1 us, at most 1 ms): a handful of
  // reads per command on hardware, and few virtual-time steps on the simulator.
  const nanoseconds step =
      std::clamp<nanoseconds>(typical / 4, std::chrono::microseconds(1), std::chrono::milliseconds(1));
  const auto stayed_busy = [&] {
    return error(Code::timeout, fmt::format("{}: command {} ({}) could not start within {} ms: the mailbox "
                                            "stayed busy with an earlier command",
                                            to_string(u.id), rd::name(op), what,
                                            std::chrono::duration_cast<std::chrono::milliseconds>(limit).count()));
  };
  for (;;) {
    // Never touch the argument words while the device still executes an earlier command
    // (one that timed out): wait for the mailbox to go idle first.
    for (std::uint32_t state = u.rd32(rd::reg::kMbxState); state != static_cast<std::uint32_t>(rd::MailboxState::kIdle);
         state = u.rd32(rd::reg::kMbxState)) {
      if (state == kAllOnes) CPO_RETURN_IF_ERROR(check_identity(u));
      if (deadline.expired()) {
        return stayed_busy();
      }
      deadline.wait(step);
    }
    u.bar->write32(rd::reg::kMbxOpcode, static_cast<std::uint32_t>(op));
    for (std::size_t i = 0; i < args.count; ++i) u.bar->write32(rd::mbx_arg(i), args.word[i]);
    before_doorbell();
    // A fresh tag: never 0 (reset value), never all-ones (what a gone device reads).
    std::uint32_t tag = u.last_tag + 1;
    if (tag == 0 || tag == kAllOnes) tag = 1;
    u.last_tag = tag;
    u.bar->write32(rd::reg::kMbxDoorbell, tag);
    bool first = true;
    for (;;) {
      const std::uint32_t comp = u.rd32(rd::reg::kMbxCompTag);
      if (comp == tag) break;
      if (comp == kAllOnes) CPO_RETURN_IF_ERROR(check_identity(u));
      if (deadline.expired()) {
        return error(Code::timeout, fmt::format("{}: command {} ({}) did not complete within {} ms; the driver "
                                                "stays usable",
                                                to_string(u.id), rd::name(op), what,
                                                std::chrono::duration_cast<std::chrono::milliseconds>(limit).count()));
      }
      deadline.wait(first ? std::max<nanoseconds>(typical, std::chrono::microseconds(1)) : step);
      first = false;
    }
    const auto code = static_cast<rd::Completion>(u.rd32(rd::reg::kMbxCompCode));
    for (std::size_t i = 0; i < reply.result.size(); ++i) reply.result[i] = u.rd32(rd::mbx_result(i));
    if (code == rd::Completion::kBusy) {
      // Another command (one that timed out earlier) still executes: ring again later.
      if (deadline.expired()) {
        return stayed_busy();
      }
      deadline.wait(step);
      continue;
    }
    if (static_cast<std::uint32_t>(code) == kAllOnes) CPO_RETURN_IF_ERROR(check_identity(u));
    Status s = completion_status(u, op, what, code, reply);
    if (s.ok()) after();
    return s;
  }
}

Status ReferenceDriver::Impl::command(Unit& u, const rd::ArgWords& args, std::string_view what, Reply* reply_out) {
  Reply reply;
  Status s;
  {
    cpo::Lock lock(u.mailbox_mutex);
    s = command_locked(
        u, args, what, reply, [] {}, [] {});
  }
  if (reply_out != nullptr) *reply_out = reply;
  return s;
}

}  // namespace cpo::reference
