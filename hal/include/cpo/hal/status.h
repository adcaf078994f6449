// cpo::Status and cpo::Result<T>: how every cposdk call reports failure.
//
// Thread safety: Status and Result are values; distinct objects may be used from distinct
// threads freely, one object needs external synchronisation like any std type.
//
// No exceptions cross the public API. A failed call returns a Status whose message names the
// offending object (`port 37/2`, `els 7 laser 3`, `profile cpo144: ports[3].lanes[1]`) and
// the values that would have been allowed.
#pragma once

#include <atomic>
#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace cpo {

// Which code to use (selection rules, after absl::StatusCode):
// - invalid_argument: the input is malformed regardless of device state (bad syntax,
//   unknown field, wrong type, an unknown breakout spelling, an inconsistent profile).
// - out_of_range: well-formed, but a number or id is outside the allowed range
//   (port 200 on a 144-port switch, a laser set-point above the module maximum).
// - not_found: a named thing does not exist (profile name, file path, device BDF).
// - already_exists: creating something that is there already.
// - failed_precondition: valid input, but the object is in the wrong state for it
//   (admin up while the laser is off, data path busy). Retrying later may succeed.
// - unsupported: the backend or profile lacks the capability (no PRBS13Q on this lane).
// - safety_refused: a laser-safety or breakout policy rule forbids the request (interlock
//   open, fiber not checked, above class limit, faster than the ramp, a sub-port across an
//   optical-engine bank). Never clamped, always refused, nothing changed.
// - device_error: the device answered with an error completion code.
// - timeout: the device did not answer within its deadline; the driver stays usable.
// - device_gone: the device disappeared (surprise removal, all-ones reads); every later
//   call on that handle fails with this code.
// - io_error: the operating system refused (open, mmap, read, netlink socket).
// - internal: a cposdk bug; please report it.
enum class Code {
  ok = 0,
  invalid_argument,
  out_of_range,
  not_found,
  already_exists,
  failed_precondition,
  unsupported,
  safety_refused,
  device_error,
  timeout,
  device_gone,
  io_error,
  internal,
};

// Every code, for tests and mappings that must cover them all.
inline constexpr Code kAllCodes[] = {
    Code::ok,          Code::invalid_argument, Code::out_of_range,
    Code::not_found,   Code::already_exists,   Code::failed_precondition,
    Code::unsupported, Code::safety_refused,   Code::device_error,
    Code::timeout,     Code::device_gone,      Code::io_error,
    Code::internal,
};

// snake_case name of a code, as printed in messages and JSON ("out_of_range").
std::string_view to_string(Code code) noexcept;

namespace detail {
struct StatusRep {
  std::atomic<std::uint32_t> refs{1};
  Code code;
  std::string message;
};
}  // namespace detail

// An ok Status is a null pointer: returning one, or a Result<T> holding a value, costs no
// allocation, no string and no atomic operation, so hot paths (an attribute read through a
// driver takes a few nanoseconds) pay nothing for error reporting. A failure holds a
// shared, immutable code and message.
class [[nodiscard]] Status {
 public:
  Status() noexcept = default;
  // A Status with Code::ok is ok whatever the message.
  Status(Code code, std::string message);
  Status(const Status& other) noexcept : rep_(other.rep_) {
    if (rep_ != nullptr) rep_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  Status(Status&& other) noexcept : rep_(std::exchange(other.rep_, nullptr)) {}
  Status& operator=(const Status& other) noexcept {
    Status copy(other);
    std::swap(rep_, copy.rep_);
    return *this;
  }
  Status& operator=(Status&& other) noexcept {
    Status taken(std::move(other));
    std::swap(rep_, taken.rep_);
    return *this;
  }
  ~Status() {
    if (rep_ != nullptr) release();
  }

  [[nodiscard]] bool ok() const noexcept { return rep_ == nullptr; }
  [[nodiscard]] Code code() const noexcept { return rep_ != nullptr ? rep_->code : Code::ok; }
  [[nodiscard]] const std::string& message() const noexcept {
    return rep_ != nullptr ? rep_->message : empty_message();
  }
  // "out_of_range: port 200: allowed 0..143"
  [[nodiscard]] std::string to_string() const;

  // Prefixes the message with context, keeping the code: "profile x.json: " + message.
  [[nodiscard]] Status with_context(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) noexcept {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  static const std::string& empty_message() noexcept;
  void release() noexcept;

  detail::StatusRep* rep_ = nullptr;
};

inline Status ok_status() noexcept { return Status(); }
Status error(Code code, std::string message);

// A value or the Status explaining why there is none. Never holds an ok Status without
// a value.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!status_.ok() && "Result constructed from an ok Status without a value");
    if (status_.ok()) status_ = Status(Code::internal, "Result built from ok status");
  }

  [[nodiscard]] bool ok() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
  [[nodiscard]] const Status& status() const noexcept { return status_; }

  // Precondition: ok().
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace cpo

// Returns early from the enclosing function when `expr` (a Status) is not ok. The local's
// name is unique per use, so `expr` may itself hold a lambda that uses the macro.
#define CPO_RETURN_IF_ERROR(expr) CPO_RETURN_IF_ERROR_IMPL(expr, CPO_STATUS_CONCAT(cpo_status_, __COUNTER__))
#define CPO_STATUS_CONCAT(a, b) CPO_STATUS_CONCAT_INNER(a, b)
#define CPO_STATUS_CONCAT_INNER(a, b) a##b
#define CPO_RETURN_IF_ERROR_IMPL(expr, name) \
  do {                                       \
    ::cpo::Status name = (expr);             \
    if (!name.ok()) return name;             \
  } while (false)
