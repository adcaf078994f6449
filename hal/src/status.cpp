#include "cpo/hal/status.h"

namespace cpo {

std::string_view to_string(Code code) noexcept {
  switch (code) {
    case Code::ok: return "ok";
    case Code::invalid_argument: return "invalid_argument";
    case Code::out_of_range: return "out_of_range";
    case Code::not_found: return "not_found";
    case Code::already_exists: return "already_exists";
    case Code::failed_precondition: return "failed_precondition";
    case Code::unsupported: return "unsupported";
    case Code::safety_refused: return "safety_refused";
    case Code::device_error: return "device_error";
    case Code::timeout: return "timeout";
    case Code::device_gone: return "device_gone";
    case Code::io_error: return "io_error";
    case Code::internal: return "internal";
  }
  return "unknown";
}

Status::Status(Code code, std::string message) {
  if (code != Code::ok) rep_ = new detail::StatusRep{{1}, code, std::move(message)};
}

void Status::release() noexcept {
  // acq_rel: the last owner must see every other owner's reads of the message finished.
  if (rep_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete rep_;
  rep_ = nullptr;
}

const std::string& Status::empty_message() noexcept {
  static const std::string empty;
  return empty;
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  std::string out(cpo::to_string(code()));
  out += ": ";
  out += message();
  return out;
}

Status Status::with_context(std::string_view context) const {
  if (ok()) return *this;
  std::string message(context);
  message += ": ";
  message += this->message();
  return Status(code(), std::move(message));
}

Status error(Code code, std::string message) { return Status(code, std::move(message)); }

}  // namespace cpo
