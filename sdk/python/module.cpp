// Python bindings of the facade (module cposdk._cposdk, re-exported by the package cposdk;
// docs/python.md). Built on cpo::Switch and the cpo/sdk and cpo/hal headers only.
//
// Rules kept here:
// - a failed cpo::Status raises the cposdk.Error subclass of its code, carrying the message;
// - the GIL is released whenever the SDK may wait on a device (every Switch call but the
//   platform queries); Python callbacks (progress) take it back while they run, and an
//   exception they raise cancels the operation and is re-raised by the call;
// - objects (Port, Lane, Laser, ...) are immutable ids plus a shared reference to the switch,
//   so they may be used from several Python threads at once (cpo::Switch is thread-safe).
#include <poll.h>
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <chrono>
#include <cmath>
#include <deque>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <variant>
#include <vector>

#include "cpo/sdk/config.h"
#include "cpo/sdk/exit_codes.h"
#include "cpo/sdk/switch.h"

#ifndef CPOSDK_VERSION
#error "CPOSDK_VERSION must be defined by the build"
#endif

namespace py = pybind11;
using namespace pybind11::literals;  // NOLINT(google-build-using-namespace)

namespace cposdk {
namespace {

using SwitchPtr = std::shared_ptr<cpo::Switch>;

// ------------------------------------------------------------------------------------ errors

// The exception class of each cpo::Code (index = code), created at import; never freed (the
// interpreter owns them for the life of the process).
std::array<PyObject*, std::size(cpo::kAllCodes)> error_classes{};

// Raises the class of the status's code; `extra` attributes are set on the exception.
[[noreturn]] void raise(const cpo::Status& status, const py::dict& extra = py::dict()) {
  const auto index = static_cast<std::size_t>(status.code());
  PyObject* cls =
      index < error_classes.size() && error_classes[index] != nullptr ? error_classes[index] : error_classes[0];
  py::object type = py::reinterpret_borrow<py::object>(cls);
  py::object exc = type(status.message());
  exc.attr("message") = status.message();
  for (auto kv : extra) exc.attr(kv.first) = kv.second;
  PyErr_SetObject(cls, exc.ptr());
  throw py::error_already_set();
}

void check(const cpo::Status& status) {
  if (!status.ok()) raise(status);
}

template <typename T>
T value_of(cpo::Result<T>&& result) {
  if (!result.ok()) raise(result.status());
  return std::move(result).value();
}

[[noreturn]] void invalid(const std::string& message) { raise(cpo::Status(cpo::Code::invalid_argument, message)); }

// Runs `fn` with the GIL released (a device call).
template <typename Fn>
auto nogil(Fn&& fn) {
  py::gil_scoped_release release;
  return fn();
}

// ---------------------------------------------------------------------------------- objects

std::string name_of(const cpo::sdk::ObjectRef& ref) { return cpo::sdk::format_object(ref); }
std::string name_of(const cpo::LaserRef& l) { return name_of(cpo::sdk::ObjectRef(l)); }
std::string name_of(const cpo::LogicalPort& p) { return name_of(cpo::sdk::ObjectRef(p)); }

py::object object_or_none(const cpo::EventObject& object) {
  if (std::holds_alternative<std::monostate>(object)) return py::none();
  return std::visit(
      [](const auto& v) -> py::object {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return py::none();
        } else {
          return py::str(name_of(cpo::sdk::ObjectRef(v)));
        }
      },
      object);
}

py::list names(const std::vector<cpo::LogicalPort>& ports) {
  py::list out;
  for (const auto& p : ports) out.append(name_of(p));
  return out;
}

template <typename E>
py::list flag_names(cpo::FlagSet<E> flags) {
  py::list out;
  flags.for_each([&](E f) { out.append(std::string(cpo::to_string(f))); });
  return out;
}

py::object optional_mw(const std::optional<cpo::Milliwatts>& v) {
  return v ? py::object(py::float_(v->value())) : py::object(py::none());
}

// What users type for an object of kind T ("els7/3", "Ethernet236", 59), or the object itself.
template <typename T>
T resolve_as(cpo::Switch& sw, const py::handle& arg, const char* kind, const char* example) {
  std::string text;
  if (py::isinstance<py::int_>(arg)) {
    const long long n = arg.cast<long long>();
    if (n < 0) invalid(std::string(kind) + " " + std::to_string(n) + " is negative (ids start at 0)");
    if constexpr (std::is_same_v<T, cpo::PortId>) text = std::to_string(n);
    if constexpr (std::is_same_v<T, cpo::LaneId>) text = "lane" + std::to_string(n);
    if constexpr (std::is_same_v<T, cpo::OeId>) text = "oe" + std::to_string(n);
    if constexpr (std::is_same_v<T, cpo::ElsId>) text = "els" + std::to_string(n);
    if constexpr (std::is_same_v<T, cpo::UnitId>) text = "unit" + std::to_string(n);
    if constexpr (std::is_same_v<T, cpo::LaserRef>)
      invalid("a laser is named 'els7/3' or (7, 3), not the number " + std::to_string(n));
  } else if (py::isinstance<py::tuple>(arg) && std::is_same_v<T, cpo::LaserRef>) {
    auto t = arg.cast<py::tuple>();
    if (t.size() != 2) invalid("a laser tuple is (els, index), e.g. (7, 3)");
    text = "els" + std::to_string(t[0].cast<unsigned>()) + "/" + std::to_string(t[1].cast<unsigned>());
  } else if (py::isinstance<py::str>(arg)) {
    text = arg.cast<std::string>();
  } else if (py::hasattr(arg, "_cposdk_name")) {
    text = arg.attr("_cposdk_name").cast<std::string>();
  } else {
    invalid(std::string("expected a ") + kind + " (" + example + "), got " +
            py::str(py::type::of(arg)).cast<std::string>());
  }
  auto ref = nogil([&] { return sw.resolve(text); });
  if (!ref) raise(ref.status());
  if (const auto* v = std::get_if<T>(&*ref)) return *v;
  invalid("'" + text + "' is " + name_of(*ref) + ", not a " + kind + " (e.g. " + example + ")");
}

// ------------------------------------------------------------------------------ value dicts

py::dict port_dict(const cpo::Switch& sw, const cpo::PortTelemetry& t) {
  const auto& modes = sw.platform().breakout_modes();
  return py::dict(
      "port"_a = t.port.value(), "subports"_a = t.subports,
      "breakout"_a = t.breakout < modes.size() ? modes[t.breakout].to_string() : std::string("unknown"),
      "subport_speed_gbps"_a = t.subport_speed.value(), "speed_gbps"_a = t.subport_speed.value() * t.subports,
      "admin_state"_a = std::string(cpo::to_string(t.admin())), "oper_state"_a = std::string(cpo::to_string(t.oper())),
      "admin_mask"_a = t.admin_mask, "oper_mask"_a = t.oper_mask, "fec_mode"_a = std::string(cpo::to_string(t.fec)),
      "loopback"_a = std::string(cpo::to_string(t.loopback)), "faults"_a = flag_names(t.faults),
      "down_cause"_a = std::string(cpo::to_string(t.down_cause)), "link_downs"_a = t.link_downs,
      "link_ups"_a = t.link_ups, "fec_corrected_codewords"_a = t.fec_corrected,
      "fec_uncorrected_codewords"_a = t.fec_uncorrected);
}

py::dict lane_dict(const cpo::LaneTelemetry& t) {
  return py::dict("lane"_a = t.lane.value(), "pre_fec_ber"_a = t.pre_fec_ber, "snr_db"_a = t.snr.value(),
                  "rx_power_mw"_a = t.rx_power.value(), "tx_power_mw"_a = t.tx_power.value(),
                  "laser_input_power_mw"_a = t.laser_input_power.value(), "signal_detect"_a = t.signal_detect,
                  "cdr_lock"_a = t.cdr_lock, "tx_enabled"_a = t.tx_enabled, "tx_fir_pre"_a = t.tx_fir.pre,
                  "tx_fir_main"_a = t.tx_fir.main, "tx_fir_post"_a = t.tx_fir.post,
                  "prbs_pattern"_a = std::string(cpo::to_string(t.prbs.pattern)), "prbs_generator"_a = t.prbs.generator,
                  "prbs_checker"_a = t.prbs.checker, "prbs_lock"_a = t.prbs_lock, "prbs_errored_bits"_a = t.prbs_errors,
                  "prbs_checked_bits"_a = t.prbs_bits, "fec_corrected_codewords"_a = t.fec_corrected,
                  "fec_uncorrected_codewords"_a = t.fec_uncorrected,
                  "data_path_state"_a = std::string(cpo::cmis::to_string(t.data_path_state)));
}

py::dict fiber_check_dict(const cpo::sdk::FiberCheck& c) {
  return py::dict("laser"_a = name_of(c.laser), "verdict"_a = std::string(cpo::sdk::to_string(c.verdict)),
                  "launched_mw"_a = c.launched.value(), "worst_arrival_mw"_a = c.worst_arrival.value(),
                  "worst_lane"_a = c.worst_lane.value(), "loss_db"_a = c.loss.value(),
                  "allowed_db"_a = c.allowed.value());
}

std::string_view phase_name(cpo::sdk::LaserPhase phase) {
  switch (phase) {
    case cpo::sdk::LaserPhase::fiber_check: return "fiber_check";
    case cpo::sdk::LaserPhase::ramp: return "ramp";
    case cpo::sdk::LaserPhase::done: return "done";
  }
  return "unknown";
}

py::dict event_data(const cpo::Event& e) {
  return std::visit(
      [](const auto& p) -> py::dict {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, cpo::LinkChange>) {
          return py::dict("port"_a = name_of(p.port), "state"_a = std::string(cpo::to_string(p.state)),
                          "cause"_a = std::string(cpo::to_string(p.cause)));
        } else if constexpr (std::is_same_v<T, cpo::ElsPresence>) {
          return py::dict("els"_a = p.els.value(), "present"_a = p.present);
        } else if constexpr (std::is_same_v<T, cpo::ThresholdCrossing>) {
          return py::dict("object"_a = object_or_none(p.object), "quantity"_a = std::string(cpo::to_string(p.quantity)),
                          "level"_a = std::string(cpo::to_string(p.level)),
                          "bound"_a = std::string(cpo::to_string(p.bound)), "asserted"_a = p.asserted,
                          "value"_a = p.value, "threshold"_a = p.threshold,
                          "unit"_a = std::string(cpo::unit_of(p.quantity)));
        } else if constexpr (std::is_same_v<T, cpo::LaserFault>) {
          return py::dict("laser"_a = name_of(p.laser), "code"_a = std::string(cpo::to_string(p.code)));
        } else if constexpr (std::is_same_v<T, cpo::ModuleStateChange>) {
          return py::dict("module"_a = cpo::to_string(p.module),
                          "state"_a = std::string(cpo::cmis::to_string(p.state)));
        } else if constexpr (std::is_same_v<T, cpo::DataPathStateChange>) {
          return py::dict("bank"_a = name_of(cpo::sdk::ObjectRef(p.bank)), "lane_in_bank"_a = p.lane_in_bank,
                          "state"_a = std::string(cpo::cmis::to_string(p.state)));
        } else if constexpr (std::is_same_v<T, cpo::CmisFlag>) {
          return py::dict("module"_a = cpo::to_string(p.module), "bank"_a = p.bank.value(), "page"_a = p.page,
                          "byte"_a = p.byte, "bits"_a = p.bits);
        } else if constexpr (std::is_same_v<T, cpo::OeFaultEvent>) {
          return py::dict("oe"_a = p.oe.value());
        } else if constexpr (std::is_same_v<T, cpo::ThermalShutdown>) {
          return py::dict("object"_a = object_or_none(p.object));
        } else if constexpr (std::is_same_v<T, cpo::UnitReset>) {
          return py::dict();
        } else if constexpr (std::is_same_v<T, cpo::Resync>) {
          return py::dict("lost"_a = p.lost);
        } else {
          static_assert(std::is_same_v<T, cpo::ElsSwap>);
          return py::dict("els"_a = p.els.value(), "step"_a = std::string(cpo::to_string(p.step)), "done"_a = p.done,
                          "failed"_a = p.failed);
        }
      },
      e.payload);
}

// ------------------------------------------------------------------------- Python callbacks

// A Python progress callable bridged into the SDK's callbacks: runs with the GIL, and an
// exception it raises cancels the operation (stop token) and is re-raised after the call.
class Callback {
 public:
  explicit Callback(py::object fn) : fn_(std::move(fn)) {}
  std::stop_token token() const { return stop_.get_token(); }
  [[nodiscard]] bool empty() const { return fn_.is_none(); }

  template <typename MakeArg>
  void call(MakeArg&& make_arg) {
    py::gil_scoped_acquire gil;
    if (error_) return;
    try {
      fn_(make_arg());
    } catch (py::error_already_set& e) {
      error_ = std::move(e);
      stop_.request_stop();
    }
  }
  // With the GIL held, after the SDK call returned.
  void rethrow() {
    if (error_) {
      py::error_already_set e = std::move(*error_);
      error_.reset();
      throw e;
    }
  }

 private:
  py::object fn_;
  std::stop_source stop_;
  std::optional<py::error_already_set> error_;
};

cpo::sdk::RampOptions ramp_options(std::optional<double> ramp_db_per_s, Callback& cb, const cpo::LaserRef& laser) {
  cpo::sdk::RampOptions ramp;
  if (ramp_db_per_s) {
    if (!std::isfinite(*ramp_db_per_s) || *ramp_db_per_s <= 0)
      invalid(name_of(laser) + ": ramp_db_per_s " + std::to_string(*ramp_db_per_s) +
              " must be a positive number of dB per second");
    ramp.ramp_rate = cpo::Decibels(*ramp_db_per_s);
  }
  ramp.stop = cb.token();
  if (!cb.empty()) {
    ramp.progress = [&cb](const cpo::sdk::LaserProgress& p) {
      cb.call([&p] {
        return py::dict("laser"_a = name_of(p.laser), "phase"_a = std::string(phase_name(p.phase)), "step"_a = p.step,
                        "steps"_a = p.steps, "setpoint_mw"_a = p.setpoint.value(),
                        "setpoint_dbm"_a = cpo::to_dbm(p.setpoint).value(),
                        "bias_setpoint_ma"_a = p.bias_setpoint.value());
      });
    };
  }
  return ramp;
}

// Power given as milliwatts or dBm (exactly one of them).
std::optional<cpo::Milliwatts> power_arg(const std::string& who, std::optional<double> mw, std::optional<double> dbm,
                                         bool required) {
  if (mw && dbm) invalid(who + ": give the power as mw or as dbm, not both");
  if (mw) {
    if (!std::isfinite(*mw) || *mw < 0)
      invalid(who + ": mw " + std::to_string(*mw) + " is not a finite, non-negative number of milliwatts");
    return cpo::Milliwatts(*mw);
  }
  if (dbm) {
    if (!std::isfinite(*dbm)) invalid(who + ": dbm " + std::to_string(*dbm) + " is not a finite number of dBm");
    return cpo::to_milliwatts(cpo::Dbm(*dbm));
  }
  if (required) invalid(who + ": a power is required (mw=... or dbm=...)");
  return std::nullopt;
}

// ---------------------------------------------------------------------------- object classes

struct Object {
  SwitchPtr sw;
};

struct Laser : Object {
  cpo::LaserRef ref;
};
struct Lane : Object {
  cpo::LaneId id;
};
struct Port : Object {
  cpo::PortId id;
};
struct OpticalEngine : Object {
  cpo::OeId id;
};
struct Els : Object {
  cpo::ElsId id;
};
struct Simulator : Object {};

cpo::sdk::SimulatorControl& sim_of(const Simulator& s) {
  auto* sim = s.sw->simulator();
  if (sim == nullptr) raise(cpo::Status(cpo::Code::unsupported, s.sw->uri() + " is not simulated"));
  return *sim;
}

// The JSON rendering of a fresh snapshot, as Python objects (json.loads).
py::object snapshot_dict(cpo::Switch& sw) {
  std::string json = value_of(nogil([&]() -> cpo::Result<std::string> {
    auto snap = sw.snapshot();
    if (!snap) return snap.status();
    return sw.render_json(*snap);
  }));
  return py::module_::import("json").attr("loads")(json);
}

// The entry of `list` in the snapshot whose `key` is `id`.
py::object entry_of(cpo::Switch& sw, const char* list, const char* key, std::uint32_t id) {
  py::object items = snapshot_dict(sw)[list];
  for (auto item : items)
    if (item[key].cast<std::uint32_t>() == id) return py::reinterpret_borrow<py::object>(item);
  raise(cpo::Status(cpo::Code::device_error,
                    std::string(key) + " " + std::to_string(id) + " is missing from the snapshot"));
}

py::list impacted(const SwitchPtr& sw, const cpo::FailureDomain& domain) {
  auto ports = nogil([&]() -> cpo::Result<std::vector<cpo::LogicalPort>> {
    auto map = sw->breakout_map();
    if (!map) return map.status();
    return sw->platform().impacted_ports(domain, *map);
  });
  return names(value_of(std::move(ports)));
}

// --------------------------------------------------------------------------------- events

struct PyEvent {
  cpo::Event event;
};

class PySubscription {
 public:
  PySubscription(SwitchPtr sw, cpo::sdk::Subscription sub) : sw_(std::move(sw)), sub_(std::move(sub)) {}

  int fileno() const {
    const int fd = sub_.fd();
    if (fd < 0) raise(cpo::Status(cpo::Code::failed_precondition, "the subscription is cancelled"));
    return fd;
  }

  py::list read(std::optional<std::size_t> max) {
    std::vector<cpo::Event> events;
    nogil([&] { return sub_.read(events, max.value_or(SIZE_MAX)); });
    return to_list(events);
  }

  // Blocks until events arrive or `timeout` seconds pass (None: forever); [] on timeout.
  py::list wait(std::optional<double> timeout) {
    if (timeout && (!std::isfinite(*timeout) || *timeout < 0))
      invalid("timeout " + std::to_string(*timeout) + " must be a non-negative number of seconds or None");
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                               std::chrono::duration<double>(timeout.value_or(0.0)));
    for (;;) {
      std::vector<cpo::Event> events;
      bool expired = false;
      {
        py::gil_scoped_release release;
        if (sub_.active()) {
          sub_.read(events);
          if (events.empty()) {
            int wait_ms = 100;  // in slices, so Ctrl-C is seen
            if (timeout) {
              const auto left =
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
              expired = left.count() <= 0;
              wait_ms = static_cast<int>(std::min<long long>(left.count(), 100));
            }
            if (!expired) {
              pollfd p{sub_.fd(), POLLIN, 0};
              (void)::poll(&p, 1, wait_ms < 0 ? 0 : wait_ms);
              sub_.read(events);
            }
          }
        } else {
          expired = true;
        }
      }
      if (!events.empty() || expired) return to_list(events);
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    }
  }

  // Iterator protocol: blocks for the next event; StopIteration once cancelled.
  PyEvent next() {
    while (pending_.empty()) {
      if (!sub_.active()) throw py::stop_iteration();
      py::list batch = wait(std::nullopt);
      for (auto e : batch) pending_.push_back(e.cast<PyEvent>());
    }
    PyEvent e = pending_.front();
    pending_.pop_front();
    return e;
  }

  std::uint64_t dropped() const { return sub_.dropped(); }
  bool active() const { return sub_.active(); }
  void cancel() {
    nogil([&] {
      sub_.cancel();
      return 0;
    });
  }

 private:
  static py::list to_list(const std::vector<cpo::Event>& events) {
    py::list out;
    for (const auto& e : events) out.append(PyEvent{e});
    return out;
  }

  SwitchPtr sw_;  // first: outlives the subscription
  cpo::sdk::Subscription sub_;
  std::deque<PyEvent> pending_;
};

// ---------------------------------------------------------------------------------- config

py::list issue_list(const std::vector<cpo::sdk::ConfigIssue>& issues) {
  py::list out;
  for (const auto& i : issues)
    out.append(py::dict("path"_a = i.path, "code"_a = std::string(cpo::to_string(i.code)), "message"_a = i.message));
  return out;
}

// A document given as a dict (or list), as YAML or JSON text, or as a path (os.PathLike).
cpo::sdk::ParsedConfig parse_document(const py::object& document) {
  py::module_ os = py::module_::import("os");
  if (py::isinstance(document, os.attr("PathLike"))) {
    const std::string path = py::str(os.attr("fspath")(document)).cast<std::string>();
    return nogil([&] { return cpo::sdk::load_config(path); });
  }
  if (py::isinstance<py::str>(document)) return cpo::sdk::parse_config(document.cast<std::string>());
  if (py::isinstance<py::dict>(document)) {
    const std::string text = py::module_::import("json").attr("dumps")(document).cast<std::string>();
    return cpo::sdk::parse_config(text, cpo::sdk::ConfigFormat::json);
  }
  invalid("a configuration document is a dict, YAML or JSON text, or a path (os.PathLike), not " +
          py::str(py::type::of(document)).cast<std::string>());
}

// The document, or raises with every issue (attribute `issues`).
cpo::sdk::Config document_or_raise(const py::object& document) {
  auto parsed = parse_document(document);
  if (!parsed.issues.empty())
    raise(cpo::sdk::issues_status(parsed.issues, "document"), py::dict("issues"_a = issue_list(parsed.issues)));
  return std::move(parsed.config);
}

py::dict op_dict(const cpo::sdk::ConfigOp& op) {
  return py::dict("kind"_a = std::string(cpo::sdk::to_string(op.kind)), "object"_a = name_of(op.object),
                  "field"_a = op.field, "from"_a = op.from, "to"_a = op.to, "source"_a = op.source,
                  "deferred"_a = false, "device"_a = op.touches_device(), "text"_a = op.to_string());
}

// ------------------------------------------------------------------------------- switch API

py::dict breakout_dict(const cpo::sdk::BreakoutResult& r) {
  py::list changes;
  for (const auto& c : r.changes)
    changes.append(py::dict("port"_a = c.port.value(), "from"_a = c.from.to_string(), "to"_a = c.to.to_string()));
  return py::dict("changes"_a = changes, "created"_a = names(r.created), "removed"_a = names(r.removed),
                  "applied"_a = r.applied);
}

py::dict do_breakout(const SwitchPtr& sw, const py::object& ports, const py::object& mode, bool dry_run) {
  cpo::sdk::BreakoutOptions options;
  options.dry_run = dry_run;
  if (py::isinstance<py::str>(ports) || py::isinstance<py::int_>(ports)) {
    if (mode.is_none()) invalid("breakout: a mode is required with a port list (e.g. breakout('0-15', '4x200G'))");
    const std::string list = py::str(ports).cast<std::string>();
    const std::string m = mode.cast<std::string>();
    return breakout_dict(value_of(nogil([&] { return sw->breakout(list, m, options); })));
  }
  if (!mode.is_none()) invalid("breakout: give the modes inside the groups, or one list and one mode");
  // Many groups: {port: mode} or [(port, mode), ...].
  std::vector<std::pair<py::object, py::object>> items;
  if (py::isinstance<py::dict>(ports)) {
    for (auto kv : ports.cast<py::dict>())
      items.emplace_back(py::reinterpret_borrow<py::object>(kv.first), py::reinterpret_borrow<py::object>(kv.second));
  } else {
    for (auto item : ports) {
      auto t = item.cast<py::tuple>();
      if (t.size() != 2) invalid("breakout: each group is (port, mode), e.g. (12, '4x200G')");
      items.emplace_back(t[0], t[1]);
    }
  }
  std::vector<cpo::sdk::BreakoutGroupRequest> groups;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const cpo::PortId port = resolve_as<cpo::PortId>(*sw, items[i].first, "port", "59 or 'Ethernet236'");
    auto parsed = cpo::BreakoutMode::parse(items[i].second.cast<std::string>());
    if (!parsed) raise(parsed.status().with_context("breakout: group " + std::to_string(i)));
    groups.push_back({port, *parsed});
  }
  return breakout_dict(value_of(nogil([&] { return sw->breakout(groups, options); })));
}

void do_set_power(const Laser& l, std::optional<double> mw, std::optional<double> dbm,
                  std::optional<double> ramp_db_per_s, py::object progress) {
  const auto power = power_arg(name_of(l.ref), mw, dbm, true);
  Callback cb(std::move(progress));
  const auto ramp = ramp_options(ramp_db_per_s, cb, l.ref);
  const cpo::Status s = nogil([&] { return l.sw->set_laser_power(l.ref, *power, ramp); });
  cb.rethrow();
  check(s);
}

// ------------------------------------------------------------------------------------ module

void define_errors(py::module_& m) {
  struct Def {
    const char* name;
    const char* doc;
    cpo::Code code;
    bool value_error;
  };
  static const Def defs[] = {
      {"InvalidArgument", "Malformed input: an unknown name, a bad value or spelling.", cpo::Code::invalid_argument,
       true},
      {"OutOfRange", "A number or id outside the allowed range.", cpo::Code::out_of_range, true},
      {"NotFound", "A named thing does not exist (profile, device, SONiC name).", cpo::Code::not_found, false},
      {"AlreadyExists", "Creating something that is there already.", cpo::Code::already_exists, false},
      {"FailedPrecondition", "The object is in the wrong state (laser busy, ELS absent, cancelled).",
       cpo::Code::failed_precondition, false},
      {"Unsupported", "The backend or profile lacks the capability.", cpo::Code::unsupported, false},
      {"SafetyRefused", "A laser-safety or breakout policy refused the request; nothing was changed.",
       cpo::Code::safety_refused, false},
      {"DeviceError", "The device answered with an error.", cpo::Code::device_error, false},
      {"Timeout", "The device did not answer in time.", cpo::Code::timeout, false},
      {"DeviceGone", "The device disappeared.", cpo::Code::device_gone, false},
      {"IoError", "The operating system refused.", cpo::Code::io_error, false},
      {"Internal", "A cposdk bug; please report it.", cpo::Code::internal, false},
  };
  PyObject* base = PyErr_NewExceptionWithDoc(
      "cposdk.Error",
      "Base of every cposdk error. `code` is the cpo::Code name ('safety_refused'), `exit_code` the "
      "process exit code cpoctl uses for it, `message` (also str(e)) names the object and what is allowed.",
      PyExc_Exception, nullptr);
  if (base == nullptr) throw py::error_already_set();
  m.add_object("Error", py::handle(base));  // steals a reference; the module keeps it
  Py_INCREF(base);
  error_classes[0] = base;
  py::setattr(base, "code", py::str("error"));
  py::setattr(base, "exit_code", py::int_(4));
  for (const Def& d : defs) {
    py::tuple bases = d.value_error ? py::make_tuple(py::handle(base), py::handle(PyExc_ValueError))
                                    : py::make_tuple(py::handle(base));
    const std::string qualified = std::string("cposdk.") + d.name;
    PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), d.doc, bases.ptr(), nullptr);
    if (cls == nullptr) throw py::error_already_set();
    m.add_object(d.name, py::handle(cls));
    Py_INCREF(cls);
    error_classes[static_cast<std::size_t>(d.code)] = cls;
    py::setattr(cls, "code", py::str(std::string(cpo::to_string(d.code))));
    py::setattr(cls, "exit_code", py::int_(static_cast<int>(cpo::sdk::exit_code_for(d.code))));
  }
}

}  // namespace
}  // namespace cposdk

PYBIND11_MODULE(_cposdk, m) {
  using namespace cposdk;  // NOLINT(google-build-using-namespace)
  m.doc() = "Python bindings of cposdk, the SDK for co-packaged-optics switches (docs/python.md).";
  m.attr("__version__") = CPOSDK_VERSION;
  define_errors(m);

  // --------------------------------------------------------------------------------- Switch
  py::class_<cpo::Switch, SwitchPtr> sw_class(m, "Switch",
                                              "One CPO switch, opened with cposdk.open(uri). Thread-safe.");

  m.def(
      "open",
      [](const std::string& uri) -> SwitchPtr {
        auto opened = nogil([&] { return cpo::Switch::open(uri); });
        if (!opened) raise(opened.status());
        return SwitchPtr(std::move(opened).value());
      },
      "uri"_a,
      "Opens the switch `uri` names: 'sim://cpo144[?seed=N&clock=virtual|real]', 'sim:///path/profile.json', "
      "'pci://BDF[,BDF...][?profile=NAME]'. Raises InvalidArgument for a malformed URI (listing the accepted "
      "forms), NotFound for a profile or device.");
  m.def("uri_forms", &cpo::sdk::uri_forms, "The URI forms this build opens.");
  m.def(
      "exit_code",
      [](const std::string& code) {
        for (cpo::Code c : cpo::kAllCodes)
          if (cpo::to_string(c) == code) return static_cast<int>(cpo::sdk::exit_code_for(c));
        invalid("exit_code: '" + code + "' is not a code name (allowed: ok, invalid_argument, ..., internal)");
      },
      "code"_a, "The process exit code cpoctl uses for a code name ('safety_refused' -> 5).");

  sw_class.def_property_readonly("uri", [](const cpo::Switch& s) { return s.uri(); })
      .def_property_readonly(
          "platform",
          [](const cpo::Switch& s) {
            const cpo::Platform& p = s.platform();
            py::list modes;
            for (const auto& mode : p.breakout_modes()) modes.append(mode.to_string());
            return py::dict("name"_a = p.name(), "description"_a = p.description(), "units"_a = p.units().size(),
                            "ports"_a = p.ports().size(), "lanes"_a = p.lanes().size(),
                            "oes"_a = p.optical_engines().size(), "banks"_a = p.bank_count(),
                            "els"_a = p.els_modules().size(), "lasers"_a = p.laser_count(),
                            "port_speed_gbps"_a = p.port_speed().value(), "lane_rate_gbps"_a = p.lane_rate().value(),
                            "lanes_per_bank"_a = p.lanes_per_bank(), "breakout_modes"_a = modes,
                            "laser_class_limit_mw"_a = optional_mw(p.laser_class_limit()));
          },
          "The platform's shape: name, counts of units/ports/lanes/oes/banks/els/lasers, speeds, breakout "
          "modes (the first is the default), laser_class_limit_mw (None when the profile sets none).")
      .def_property_readonly(
          "ports",
          [](const SwitchPtr& s) {
            std::vector<Port> out;
            for (const auto& p : s->platform().ports()) out.push_back(Port{{s}, p.id});
            return out;
          },
          "Every front-panel port, in id order.")
      .def(
          "port",
          [](const SwitchPtr& s, const py::object& which) {
            return Port{{s}, resolve_as<cpo::PortId>(*s, which, "port", "59, 'Ethernet236' or 'etp60'")};
          },
          "which"_a, "A port by id (59), SONiC name ('Ethernet236') or alias ('etp60'). Raises OutOfRange, NotFound.")
      .def_property_readonly(
          "lanes",
          [](const SwitchPtr& s) {
            std::vector<Lane> out;
            for (const auto& l : s->platform().lanes()) out.push_back(Lane{{s}, l.id});
            return out;
          },
          "Every lane, in id order.")
      .def(
          "lane",
          [](const SwitchPtr& s, const py::object& which) {
            return Lane{{s}, resolve_as<cpo::LaneId>(*s, which, "lane", "148 or 'lane148'")};
          },
          "which"_a, "A lane by id (148) or name ('lane148').")
      .def_property_readonly(
          "oes",
          [](const SwitchPtr& s) {
            std::vector<OpticalEngine> out;
            for (const auto& o : s->platform().optical_engines()) out.push_back(OpticalEngine{{s}, o.id});
            return out;
          },
          "Every optical engine, in id order.")
      .def(
          "oe",
          [](const SwitchPtr& s, const py::object& which) {
            return OpticalEngine{{s}, resolve_as<cpo::OeId>(*s, which, "optical engine", "5 or 'oe5'")};
          },
          "which"_a, "An optical engine by id (5) or name ('oe5').")
      .def_property_readonly(
          "els_modules",
          [](const SwitchPtr& s) {
            std::vector<Els> out;
            for (const auto& e : s->platform().els_modules()) out.push_back(Els{{s}, e.id});
            return out;
          },
          "Every ELS module, in id order.")
      .def(
          "els",
          [](const SwitchPtr& s, const py::object& which) {
            return Els{{s}, resolve_as<cpo::ElsId>(*s, which, "ELS module", "7 or 'els7'")};
          },
          "which"_a, "An ELS module by id (7) or name ('els7').")
      .def_property_readonly(
          "lasers",
          [](const SwitchPtr& s) {
            std::vector<Laser> out;
            for (const auto& e : s->platform().els_modules())
              for (const auto& l : e.lasers) out.push_back(Laser{{s}, l.ref});
            return out;
          },
          "Every laser, ELS by ELS.")
      .def(
          "laser",
          [](const SwitchPtr& s, const py::object& which) {
            return Laser{{s}, resolve_as<cpo::LaserRef>(*s, which, "laser", "'els7/3' or (7, 3)")};
          },
          "which"_a, "A laser by name ('els7/3') or (els, index).")
      .def(
          "resolve",
          [](const SwitchPtr& s, const std::string& text) {
            return name_of(value_of(nogil([&] { return s->resolve(text); })));
          },
          "text"_a,
          "The canonical name of what `text` names under the current breakout: 'Ethernet237' -> '59/1' (4x200G).")
      .def("breakout", &do_breakout, "ports"_a, "mode"_a = py::none(), py::kw_only(), "dry_run"_a = false,
           "Applies breakout groups in one validated call: breakout('0-15', '4x200G'), breakout({12: '2x400G', 13: "
           "'4x200G'}) or breakout([(12, '2x400G')]). Returns {'changes', 'created', 'removed', 'applied'}. "
           "Raises OutOfRange, Unsupported, SafetyRefused (before any write), or the device's error after a rollback.")
      .def(
          "snapshot", [](const SwitchPtr& s) { return snapshot_dict(*s); },
          "Every value of every object as plain dicts and lists, with the keys of the JSON rendering "
          "(docs/telemetry.md).")
      .def(
          "render_json",
          [](const SwitchPtr& s, bool pretty) {
            return value_of(nogil([&]() -> cpo::Result<std::string> {
              auto snap = s->snapshot();
              if (!snap) return snap.status();
              return s->render_json(*snap, pretty);
            }));
          },
          py::kw_only(), "pretty"_a = false, "A fresh snapshot rendered as JSON (schema_version 1).")
      .def(
          "render_prometheus",
          [](const SwitchPtr& s, const std::string& name) {
            return value_of(nogil([&]() -> cpo::Result<std::string> {
              auto snap = s->snapshot();
              if (!snap) return snap.status();
              return s->render_prometheus(*snap, name);
            }));
          },
          "switch_name"_a = "cpo", "A fresh snapshot in the Prometheus text format 0.0.4.")
      .def(
          "subscribe",
          [](const SwitchPtr& s, const std::optional<std::vector<std::string>>& types,
             const std::optional<std::string>& objects, bool synthetic) {
            cpo::sdk::EventFilter filter;
            for (const auto& t : types.value_or(std::vector<std::string>{}))
              filter.types.push_back(value_of(cpo::parse_event_type(t)));
            if (objects && !objects->empty())
              filter.objects = value_of(nogil([&] { return s->resolve_all(*objects); }));
            filter.synthetic = synthetic;
            auto sub = value_of(nogil([&] { return s->subscribe(filter); }));
            return std::make_unique<PySubscription>(s, std::move(sub));
          },
          py::kw_only(), "types"_a = py::none(), "objects"_a = py::none(), "synthetic"_a = true,
          "Subscribes to events: `types` a list of names ('link_change', 'laser_fault', ...; None: all), "
          "`objects` a list such as 'els7,59' (None: all). Iterate the subscription, or register its fileno() "
          "with selectors and call read().")
      .def(
          "impacted_ports",
          [](const SwitchPtr& s, const std::string& what) {
            auto ref = value_of(nogil([&] { return s->resolve(what); }));
            if (const auto* l = std::get_if<cpo::LaserRef>(&ref)) return impacted(s, *l);
            if (const auto* e = std::get_if<cpo::ElsId>(&ref)) return impacted(s, *e);
            if (const auto* o = std::get_if<cpo::OeId>(&ref)) return impacted(s, *o);
            invalid("impacted_ports: '" + what + "' is not a laser, ELS or optical engine");
          },
          "what"_a, "The logical ports ('9/0') that lose light when a laser, ELS or OE fails.")
      .def(
          "config_validate",
          [](const SwitchPtr& s, const py::object& document) {
            auto parsed = parse_document(document);
            if (!parsed.issues.empty()) return issue_list(parsed.issues);
            return issue_list(nogil([&] { return cpo::sdk::validate_config(*s, parsed.config); }));
          },
          "document"_a,
          "Every issue of a configuration document (a dict, YAML/JSON text or a path) against this switch, as "
          "[{'path': 'ports[3].breakout', 'code': 'unsupported', 'message': ...}]; [] when it would apply. No device "
          "write.")
      .def(
          "config_plan",
          [](const SwitchPtr& s, const py::object& document) {
            const cpo::sdk::Config config = document_or_raise(document);
            std::vector<cpo::sdk::ConfigIssue> issues;
            auto plan = nogil([&] { return cpo::sdk::plan_config(*s, config, &issues); });
            if (!plan) raise(plan.status(), py::dict("issues"_a = issue_list(issues)));
            py::list ops;
            for (const auto& op : plan->ops) ops.append(op_dict(op));
            return ops;
          },
          "document"_a,
          "The operations applying the document would run, in order: [{'kind', 'object', 'field', 'from', 'to', "
          "'source', 'deferred', 'device', 'text'}]; [] when the switch runs it already. Raises the issues' Error "
          "(with "
          "`issues`).")
      .def(
          "config_apply",
          [](const SwitchPtr& s, const py::object& document, std::optional<std::string> persist_path,
             py::object progress) {
            const cpo::sdk::Config config = document_or_raise(document);
            cpo::sdk::ApplyOptions options;
            if (persist_path) options.persist_path = *persist_path;
            Callback cb(std::move(progress));
            if (!cb.empty())
              options.progress = [&cb](const cpo::sdk::ApplyProgress& p) {
                cb.call([&p] {
                  return py::dict("phase"_a = p.phase == cpo::sdk::ApplyPhase::apply ? "apply" : "rollback",
                                  "index"_a = p.index, "total"_a = p.total,
                                  "op"_a = p.op != nullptr ? p.op->to_string() : std::string());
                });
              };
            auto report = nogil([&] { return cpo::sdk::apply_config(*s, config, options); });
            cb.rethrow();
            py::dict r("operations"_a = report.plan.ops.size(), "applied"_a = report.applied,
                       "rolled_back"_a = report.rolled_back, "persisted"_a = report.persisted,
                       "device_writes"_a =
                           report.device_writes ? py::object(py::int_(*report.device_writes)) : py::object(py::none()),
                       "device_time"_a = std::chrono::duration<double>(report.device_time).count(),
                       "rollback_error"_a = report.rollback_status.ok()
                                                ? py::object(py::none())
                                                : py::object(py::str(report.rollback_status.to_string())));
            if (!report.issues.empty())
              raise(cpo::sdk::issues_status(report.issues, "document"),
                    py::dict("issues"_a = issue_list(report.issues), "report"_a = r));
            if (!report.status.ok()) raise(report.status, py::dict("report"_a = r));
            return r;
          },
          "document"_a, py::kw_only(), "persist_path"_a = py::none(), "progress"_a = py::none(),
          "Validates, plans, applies and reads back the document; on any failure rolls back to the state before "
          "and raises (the exception's `report` says how far it went). `persist_path` receives the running state "
          "(YAML, atomically). Returns {'operations', 'applied', 'rolled_back', 'persisted', 'device_writes', "
          "'device_time', 'rollback_error'}.")
      .def(
          "config_running",
          [](const SwitchPtr& s, const std::string& format) -> py::object {
            if (format != "yaml" && format != "json" && format != "dict")
              invalid("config_running: format '" + format + "' is not 'yaml', 'json' or 'dict'");
            auto state = value_of(nogil([&] { return cpo::sdk::read_config_state(*s); }));
            const std::string text =
                cpo::sdk::render_config(cpo::sdk::to_config(state),
                                        format == "yaml" ? cpo::sdk::ConfigFormat::yaml : cpo::sdk::ConfigFormat::json);
            if (format == "dict") return py::module_::import("json").attr("loads")(text);
            return py::str(text);
          },
          "format"_a = "yaml",
          "The running state as a complete document ('yaml' or 'json' text, or a 'dict'); applying it changes "
          "nothing.")
      .def_property_readonly(
          "now", [](const SwitchPtr& s) { return std::chrono::duration<double>(s->now()).count(); },
          "The device clock in seconds (virtual on sim:// with clock=virtual).")
      .def(
          "sleep",
          [](const SwitchPtr& s, double seconds) {
            if (!std::isfinite(seconds) || seconds < 0)
              invalid("sleep: " + std::to_string(seconds) + " s is not a non-negative number of seconds");
            nogil([&] {
              s->sleep_for(
                  std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds)));
              return 0;
            });
          },
          "seconds"_a, "Lets device time pass: advances a virtual clock, sleeps otherwise.")
      .def_property_readonly(
          "simulator",
          [](const SwitchPtr& s) -> py::object {
            if (s->simulator() == nullptr) return py::none();
            return py::cast(Simulator{{s}});
          },
          "Fault injection (Simulator) on a simulated switch; None otherwise.")
      .def("__repr__", [](const cpo::Switch& s) { return "<cposdk.Switch " + s.uri() + ">"; });

  // ----------------------------------------------------------------------------------- Port
  py::class_<Port>(m, "Port", "A front-panel port. Properties read the device each time.")
      .def_property_readonly("id", [](const Port& p) { return p.id.value(); })
      .def_property_readonly("_cposdk_name", [](const Port& p) { return std::to_string(p.id.value()); })
      .def_property_readonly(
          "name",
          [](const Port& p) {
            return value_of(cpo::sdk::sonic_name(p.sw->platform(), {p.id, 0}));
          },
          "SONiC name of the port ('Ethernet236').")
      .def_property_readonly("alias", [](const Port& p) { return p.sw->platform().port(p.id).value()->alias; })
      .def_property_readonly("unit", [](const Port& p) { return p.sw->platform().port(p.id).value()->unit.value(); })
      .def_property_readonly("lanes",
                             [](const Port& p) {
                               std::vector<Lane> out;
                               for (cpo::LaneId l : p.sw->platform().port(p.id).value()->lanes)
                                 out.push_back(Lane{{p.sw}, l});
                               return out;
                             })
      .def(
          "telemetry",
          [](const Port& p) { return port_dict(*p.sw, value_of(nogil([&] { return p.sw->port(p.id); }))); },
          "State and counters in one read, with the keys of the JSON 'ports' entries.")
      .def_property(
          "admin",
          [](const Port& p) {
            return std::string(cpo::to_string(value_of(nogil([&] { return p.sw->port(p.id); })).admin()));
          },
          [](const Port& p, const std::string& state) {
            if (state != "up" && state != "down")
              invalid(cpo::to_string(p.id) + ": admin '" + state + "' is not 'up' or 'down'");
            check(nogil(
                [&] { return p.sw->set_admin(p.id, state == "up" ? cpo::AdminState::up : cpo::AdminState::down); }));
          },
          "'up' when any sub-port is admin up; setting applies to every sub-port.")
      .def_property_readonly(
          "oper",
          [](const Port& p) {
            return std::string(cpo::to_string(value_of(nogil([&] { return p.sw->port(p.id); })).oper()));
          },
          "'up' when any sub-port's link is up.")
      .def_property(
          "fec",
          [](const Port& p) {
            return std::string(cpo::to_string(value_of(nogil([&] { return p.sw->port(p.id); })).fec));
          },
          [](const Port& p, const std::string& mode) {
            const cpo::FecMode m2 = value_of(cpo::parse_fec_mode(mode));
            check(nogil([&] { return p.sw->set_fec(p.id, m2); }));
          },
          "'none', 'fc', 'rs528', 'rs544' (SONiC's 'rs' is read as rs544).")
      .def_property_readonly(
          "breakout",
          [](const Port& p) {
            auto t = value_of(nogil([&] { return p.sw->port(p.id); }));
            const auto& modes = p.sw->platform().breakout_modes();
            return t.breakout < modes.size() ? modes[t.breakout].to_string() : std::string("unknown");
          },
          "The current breakout mode ('4x200G').")
      .def(
          "set_admin",
          [](const Port& p, const std::string& state, std::optional<std::uint32_t> subport) {
            if (state != "up" && state != "down")
              invalid(cpo::to_string(p.id) + ": admin '" + state + "' is not 'up' or 'down'");
            const auto s = state == "up" ? cpo::AdminState::up : cpo::AdminState::down;
            check(nogil([&] {
              return subport ? p.sw->set_admin(cpo::LogicalPort{p.id, *subport}, s) : p.sw->set_admin(p.id, s);
            }));
          },
          "state"_a, "subport"_a = py::none(), "Admin state of the port or of one sub-port ('up' or 'down').")
      .def("__repr__", [](const Port& p) { return "<cposdk.Port " + std::to_string(p.id.value()) + ">"; })
      .def("__eq__", [](const Port& a, const Port& b) { return a.sw == b.sw && a.id == b.id; })
      .def("__hash__", [](const Port& p) { return std::hash<std::uint32_t>{}(p.id.value()); });

  // ----------------------------------------------------------------------------------- Lane
  py::class_<Lane>(m, "Lane", "A host SerDes lane and its optics.")
      .def_property_readonly("id", [](const Lane& l) { return l.id.value(); })
      .def_property_readonly("_cposdk_name", [](const Lane& l) { return "lane" + std::to_string(l.id.value()); })
      .def_property_readonly("port",
                             [](const Lane& l) {
                               return Port{{l.sw}, l.sw->platform().lane(l.id).value()->port};
                             })
      .def_property_readonly("index_in_port",
                             [](const Lane& l) { return l.sw->platform().lane(l.id).value()->index_in_port; })
      .def_property_readonly("oe",
                             [](const Lane& l) {
                               return OpticalEngine{{l.sw}, l.sw->platform().lane(l.id).value()->oe};
                             })
      .def_property_readonly("bank", [](const Lane& l) { return l.sw->platform().lane(l.id).value()->bank.value(); })
      .def_property_readonly(
          "laser",
          [](const Lane& l) {
            return Laser{{l.sw}, l.sw->platform().lane(l.id).value()->laser};
          },
          "The laser lighting this lane.")
      .def(
          "telemetry", [](const Lane& l) { return lane_dict(value_of(nogil([&] { return l.sw->lane(l.id); }))); },
          "Every value of the lane in one read, with the keys of the JSON 'lanes' entries.")
      .def_property_readonly(
          "pre_fec_ber", [](const Lane& l) { return value_of(nogil([&] { return l.sw->lane(l.id); })).pre_fec_ber; })
      .def_property_readonly(
          "rx_power_mw",
          [](const Lane& l) { return value_of(nogil([&] { return l.sw->lane(l.id); })).rx_power.value(); })
      .def_property(
          "tx_fir",
          [](const Lane& l) {
            auto t = value_of(nogil([&] { return l.sw->lane(l.id); }));
            return py::make_tuple(t.tx_fir.pre, t.tx_fir.main, t.tx_fir.post);
          },
          [](const Lane& l, std::tuple<std::int32_t, std::int32_t, std::int32_t> taps) {
            const cpo::TxFir fir{std::get<0>(taps), std::get<1>(taps), std::get<2>(taps)};
            check(nogil([&] { return l.sw->set_tx_fir(l.id, fir); }));
          },
          "Transmitter FIR taps (pre, main, post) in tap steps. Raises OutOfRange beyond the backend's limits.")
      .def(
          "set_prbs",
          [](const Lane& l, const std::string& pattern, bool generator, bool checker) {
            cpo::PrbsConfig c;
            bool known = false;
            for (auto p :
                 {cpo::PrbsPattern::prbs7, cpo::PrbsPattern::prbs9, cpo::PrbsPattern::prbs13q, cpo::PrbsPattern::prbs15,
                  cpo::PrbsPattern::prbs23, cpo::PrbsPattern::prbs31, cpo::PrbsPattern::prbs31q})
              if (cpo::to_string(p) == pattern) {
                c.pattern = p;
                known = true;
              }
            if (!known)
              invalid(cpo::to_string(l.id) + ": PRBS pattern '" + pattern +
                      "' is not one of prbs7, prbs9, prbs13q, prbs15, prbs23, prbs31, prbs31q");
            c.generator = generator;
            c.checker = checker;
            check(nogil([&] { return l.sw->set_prbs(l.id, c); }));
          },
          "pattern"_a, py::kw_only(), "generator"_a = false, "checker"_a = false,
          "PRBS generator and checker of the lane.")
      .def(
          "prbs",
          [](const Lane& l) {
            auto s = value_of(nogil([&] { return l.sw->prbs(l.id); }));
            return py::dict("pattern"_a = std::string(cpo::to_string(s.config.pattern)),
                            "generator"_a = s.config.generator, "checker"_a = s.config.checker, "locked"_a = s.locked,
                            "errors"_a = s.errors, "bits"_a = s.bits);
          },
          "The PRBS checker's state: pattern, generator, checker, locked, errors, bits.")
      .def("__repr__", [](const Lane& l) { return "<cposdk.Lane lane" + std::to_string(l.id.value()) + ">"; });

  // --------------------------------------------------------------------------- OpticalEngine
  py::class_<OpticalEngine>(m, "OpticalEngine", "A co-packaged optical engine.")
      .def_property_readonly("id", [](const OpticalEngine& o) { return o.id.value(); })
      .def_property_readonly("_cposdk_name", [](const OpticalEngine& o) { return "oe" + std::to_string(o.id.value()); })
      .def_property_readonly(
          "unit", [](const OpticalEngine& o) { return o.sw->platform().optical_engine(o.id).value()->unit.value(); })
      .def_property_readonly(
          "banks", [](const OpticalEngine& o) { return o.sw->platform().optical_engine(o.id).value()->banks.size(); })
      .def(
          "telemetry", [](const OpticalEngine& o) { return entry_of(*o.sw, "oes", "oe", o.id.value()); },
          "Its entry of the JSON 'oes' list (reads a whole snapshot).")
      .def(
          "impacted_ports", [](const OpticalEngine& o) { return impacted(o.sw, o.id); },
          "The logical ports that lose light when it fails.")
      .def("__repr__",
           [](const OpticalEngine& o) { return "<cposdk.OpticalEngine oe" + std::to_string(o.id.value()) + ">"; });

  // ------------------------------------------------------------------------------------ Els
  py::class_<Els>(m, "Els", "A field-replaceable external laser source module.")
      .def_property_readonly("id", [](const Els& e) { return e.id.value(); })
      .def_property_readonly("_cposdk_name", [](const Els& e) { return "els" + std::to_string(e.id.value()); })
      .def_property_readonly("lasers",
                             [](const Els& e) {
                               std::vector<Laser> out;
                               for (const auto& l : e.sw->platform().els(e.id).value()->lasers)
                                 out.push_back(Laser{{e.sw}, l.ref});
                               return out;
                             })
      .def(
          "telemetry", [](const Els& e) { return entry_of(*e.sw, "els", "els", e.id.value()); },
          "Its entry of the JSON 'els' list (reads a whole snapshot).")
      .def_property_readonly("present",
                             [](const Els& e) { return entry_of(*e.sw, "els", "els", e.id.value())["present"]; })
      .def("impacted_ports", [](const Els& e) { return impacted(e.sw, e.id); })
      .def(
          "hot_swap",
          [](const Els& e, py::object progress, std::optional<double> power_mw, double removal_timeout,
             double insertion_timeout, double step_timeout) {
            cpo::sdk::HotSwapOptions o;
            auto seconds = [&](double s, const char* what) {
              if (!std::isfinite(s) || s <= 0)
                invalid(std::string("hot_swap: ") + what + " must be a positive number of seconds");
              return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(s));
            };
            o.removal_timeout = seconds(removal_timeout, "removal_timeout");
            o.insertion_timeout = seconds(insertion_timeout, "insertion_timeout");
            o.step_timeout = seconds(step_timeout, "step_timeout");
            o.power = power_arg("hot_swap", power_mw, std::nullopt, false);
            Callback cb(std::move(progress));
            o.stop = cb.token();
            if (!cb.empty())
              o.progress = [&cb](const cpo::sdk::SwapProgress& p) {
                cb.call([&p] {
                  return py::dict("els"_a = p.els.value(), "step"_a = std::string(cpo::to_string(p.step)),
                                  "done"_a = p.done, "detail"_a = p.detail);
                });
              };
            auto r = nogil([&] { return e.sw->hot_swap(e.id, o); });
            cb.rethrow();
            auto report = value_of(std::move(r));
            py::list checks;
            for (const auto& c : report.fiber_checks) checks.append(fiber_check_dict(c));
            return py::dict("els"_a = report.els.value(), "lasers_lit"_a = report.lasers_lit, "fiber_checks"_a = checks,
                            "restored"_a = names(report.restored), "failure"_a = report.failure);
          },
          py::kw_only(), "progress"_a = py::none(), "power_mw"_a = py::none(), "removal_timeout"_a = 600.0,
          "insertion_timeout"_a = 600.0, "step_timeout"_a = 10.0,
          "The guided replacement of the module (docs/sdk.md, 'ELS hot-swap'). `progress(dict)` is called at the "
          "start and end of each step (els, step, done, detail); raising in it cancels. Returns the report: "
          "lasers_lit, fiber_checks, restored, failure. Timeouts in seconds of device time.")
      .def("__repr__", [](const Els& e) { return "<cposdk.Els els" + std::to_string(e.id.value()) + ">"; });

  // ---------------------------------------------------------------------------------- Laser
  py::class_<Laser>(m, "Laser", "A laser of an ELS module: 'els7/3'.")
      .def_property_readonly("els",
                             [](const Laser& l) {
                               return Els{{l.sw}, l.ref.els};
                             })
      .def_property_readonly("index", [](const Laser& l) { return l.ref.index; })
      .def_property_readonly("name", [](const Laser& l) { return name_of(l.ref); })
      .def_property_readonly("_cposdk_name", [](const Laser& l) { return name_of(l.ref); })
      .def_property_readonly("lanes",
                             [](const Laser& l) {
                               std::vector<Lane> out;
                               for (cpo::LaneId id : l.sw->platform().laser(l.ref).value()->lanes)
                                 out.push_back(Lane{{l.sw}, id});
                               return out;
                             })
      .def_property_readonly(
          "limits",
          [](const Laser& l) {
            auto x = value_of(nogil([&] { return l.sw->laser_limits(l.ref); }));
            return py::dict("min_power_mw"_a = x.min_power.value(), "max_power_mw"_a = x.max_power.value(),
                            "min_bias_ma"_a = x.min_bias.value(), "max_bias_ma"_a = x.max_bias.value(),
                            "class_limit_mw"_a = optional_mw(x.class_limit), "max_allowed_mw"_a = x.max_allowed.value(),
                            "fiber_check_power_mw"_a = x.fiber_check_power.value(),
                            "control_mode"_a = std::string(cpo::cmis::to_string(x.control_mode)),
                            "max_ramp_db_per_s"_a = x.max_ramp_rate.value(), "max_step_db"_a = x.max_step.value());
          },
          "What the laser allows (module advertisement and class limit).")
      .def_property_readonly(
          "status",
          [](const Laser& l) {
            auto s = value_of(nogil([&] { return l.sw->laser_status(l.ref); }));
            py::list lanes;
            for (cpo::LaneId id : s.lanes) lanes.append(id.value());
            return py::dict("laser"_a = name_of(l.ref), "state"_a = std::string(cpo::to_string(s.state)),
                            "fault"_a = std::string(cpo::to_string(s.fault)), "enabled"_a = s.enabled,
                            "fiber_checked"_a = s.fiber_checked,
                            "control_mode"_a = std::string(cpo::cmis::to_string(s.control_mode)),
                            "power_setpoint_mw"_a = s.power_setpoint.value(),
                            "bias_setpoint_ma"_a = s.bias_setpoint.value(), "power_mw"_a = s.power.value(),
                            "bias_ma"_a = s.bias.value(), "temperature_c"_a = s.temperature.value(), "lanes"_a = lanes);
          },
          "The laser's state, set-points and monitors in one read.")
      .def_property_readonly(
          "state",
          [](const Laser& l) {
            return std::string(cpo::to_string(value_of(nogil([&] { return l.sw->laser_status(l.ref); })).state));
          })
      .def_property_readonly(
          "enabled", [](const Laser& l) { return value_of(nogil([&] { return l.sw->laser_status(l.ref); })).enabled; })
      .def_property_readonly(
          "power_mw",
          [](const Laser& l) { return value_of(nogil([&] { return l.sw->laser_status(l.ref); })).power.value(); },
          "Output power monitor, mW.")
      .def_property_readonly("power_setpoint_mw",
                             [](const Laser& l) {
                               return value_of(nogil([&] { return l.sw->laser_status(l.ref); })).power_setpoint.value();
                             })
      .def(
          "enable",
          [](const Laser& l, std::optional<double> mw, std::optional<double> dbm, std::optional<double> ramp_db_per_s,
             py::object progress) {
            cpo::sdk::EnableOptions o;
            o.power = power_arg(name_of(l.ref), mw, dbm, false);
            Callback cb(std::move(progress));
            o.ramp = ramp_options(ramp_db_per_s, cb, l.ref);
            auto r = nogil([&] { return l.sw->enable_laser(l.ref, o); });
            cb.rethrow();
            return fiber_check_dict(value_of(std::move(r)));
          },
          py::kw_only(), "mw"_a = py::none(), "dbm"_a = py::none(), "ramp_db_per_s"_a = py::none(),
          "progress"_a = py::none(),
          "Lights the laser through its fiber check, then ramps to the target (mw or dbm; default the module's "
          "set-point). Returns the fiber check. Raises SafetyRefused (limits, ramp, failed check: the laser stays "
          "off), FailedPrecondition (ELS absent, laser busy, cancelled).")
      .def(
          "disable",
          [](const Laser& l, bool force) { check(nogil([&] { return l.sw->disable_laser(l.ref, force); })); },
          py::kw_only(), "force"_a = false,
          "Turns the laser off. Raises SafetyRefused, listing them, while it lights admin-up ports (unless force).")
      .def("set_power", &do_set_power, py::kw_only(), "mw"_a = py::none(), "dbm"_a = py::none(),
           "ramp_db_per_s"_a = py::none(), "progress"_a = py::none(),
           "Ramps the power to mw or dbm in bounded steps; `progress(dict)` after each step (laser, phase, step, "
           "steps, setpoint_mw, setpoint_dbm); raising in it cancels. Raises SafetyRefused outside the limits or "
           "faster than the ramp limit (nothing written), FailedPrecondition when busy.")
      .def(
          "set_bias",
          [](const Laser& l, double ma, std::optional<double> ramp_db_per_s, py::object progress) {
            if (!std::isfinite(ma) || ma < 0)
              invalid(name_of(l.ref) + ": bias " + std::to_string(ma) + " mA is not a finite, non-negative number");
            Callback cb(std::move(progress));
            const auto ramp = ramp_options(ramp_db_per_s, cb, l.ref);
            const cpo::Status s = nogil([&] { return l.sw->set_laser_bias(l.ref, cpo::Milliamps(ma), ramp); });
            cb.rethrow();
            check(s);
          },
          "ma"_a, py::kw_only(), "ramp_db_per_s"_a = py::none(), "progress"_a = py::none(),
          "Ramps the bias set-point (ACC) within the module's advertised range.")
      .def(
          "set_control_mode",
          [](const Laser& l, const std::string& mode) {
            cpo::cmis::ElsControlMode m2;
            if (mode == "apc" || mode == "APC") {
              m2 = cpo::cmis::ElsControlMode::apc;
            } else if (mode == "acc" || mode == "ACC") {
              m2 = cpo::cmis::ElsControlMode::acc;
            } else {
              invalid(name_of(l.ref) + ": control mode '" + mode + "' is not 'apc' or 'acc'");
            }
            check(nogil([&] { return l.sw->set_laser_control_mode(l.ref, m2); }));
          },
          "mode"_a, "APC or ACC for the laser's ELS bank (every laser of the bank must be off).")
      .def(
          "impacted_ports", [](const Laser& l) { return impacted(l.sw, l.ref); },
          "The logical ports that lose light when the laser fails.")
      .def("__repr__", [](const Laser& l) { return "<cposdk.Laser " + name_of(l.ref) + ">"; })
      .def("__eq__", [](const Laser& a, const Laser& b) { return a.sw == b.sw && a.ref == b.ref; })
      .def("__hash__",
           [](const Laser& l) { return std::hash<std::uint32_t>{}(l.ref.els.value() * 64u + l.ref.index); });

  // --------------------------------------------------------------------------------- events
  py::class_<PyEvent>(m, "Event", "One event: type, unit, timestamp, object and the payload as `data`.")
      .def_property_readonly("type", [](const PyEvent& e) { return std::string(cpo::to_string(e.event.type())); })
      .def_property_readonly("unit", [](const PyEvent& e) { return e.event.unit.value(); })
      .def_property_readonly(
          "timestamp", [](const PyEvent& e) { return std::chrono::duration<double>(e.event.timestamp).count(); },
          "Device clock, seconds.")
      .def_property_readonly("timestamp_ns", [](const PyEvent& e) { return e.event.timestamp.count(); })
      .def_property_readonly("synthetic", [](const PyEvent& e) { return e.event.synthetic; })
      .def_property_readonly(
          "object", [](const PyEvent& e) { return object_or_none(e.event.object()); },
          "What it is about ('9/0', 'els7/3', 'oe5'), None for a resync or unit reset.")
      .def_property_readonly(
          "data", [](const PyEvent& e) { return event_data(e.event); },
          "The payload's fields: link_change {port, state, cause}, laser_fault {laser, code}, ...")
      .def("__str__", [](const PyEvent& e) { return cpo::to_string(e.event); })
      .def("__repr__", [](const PyEvent& e) { return "<cposdk.Event " + cpo::to_string(e.event) + ">"; });

  py::class_<PySubscription>(m, "Subscription",
                             "Events of a subscription: iterate it (blocking), or register fileno() with selectors "
                             "and call read(). Use from one thread at a time.")
      .def("fileno", &PySubscription::fileno, "The eventfd to poll for readability.")
      .def("read", &PySubscription::read, "max"_a = py::none(), "The waiting events, without blocking.")
      .def("wait", &PySubscription::wait, "timeout"_a = py::none(),
           "Blocks until events arrive or `timeout` seconds pass; [] on timeout.")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &PySubscription::next)
      .def_property_readonly("dropped", &PySubscription::dropped, "Events dropped because the queue was full.")
      .def_property_readonly("active", &PySubscription::active)
      .def("cancel", &PySubscription::cancel, "Unsubscribes; iteration stops.")
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PySubscription& s, const py::args&) { s.cancel(); });

  // ------------------------------------------------------------------------------ Simulator
  py::class_<Simulator>(m, "Simulator", "Fault injection on a simulated switch (docs/simulator.md).")
      .def(
          "fail_laser",
          [](const Simulator& s, const py::object& laser) {
            const auto ref = resolve_as<cpo::LaserRef>(*s.sw, laser, "laser", "'els7/3'");
            check(nogil([&] { return sim_of(s).fail_laser(ref); }));
          },
          "laser"_a)
      .def(
          "repair_laser",
          [](const Simulator& s, const py::object& laser) {
            const auto ref = resolve_as<cpo::LaserRef>(*s.sw, laser, "laser", "'els7/3'");
            check(nogil([&] { return sim_of(s).repair_laser(ref); }));
          },
          "laser"_a)
      .def(
          "set_laser_fiber_loss",
          [](const Simulator& s, const py::object& laser, double db) {
            const auto ref = resolve_as<cpo::LaserRef>(*s.sw, laser, "laser", "'els7/3'");
            if (std::isnan(db) || db < 0) invalid("set_laser_fiber_loss: loss must be >= 0 dB (inf disconnects)");
            check(nogil([&] { return sim_of(s).set_laser_fiber_loss(ref, cpo::Decibels(db)); }));
          },
          "laser"_a, "db"_a,
          "Loss of the fiber from the laser to its optical engine (1.5 dB nominal; inf disconnects).")
      .def(
          "remove_els",
          [](const Simulator& s, const py::object& els) {
            const auto id = resolve_as<cpo::ElsId>(*s.sw, els, "ELS module", "'els7'");
            check(nogil([&] { return sim_of(s).remove_els(id); }));
          },
          "els"_a)
      .def(
          "insert_els",
          [](const Simulator& s, const py::object& els) {
            const auto id = resolve_as<cpo::ElsId>(*s.sw, els, "ELS module", "'els7'");
            check(nogil([&] { return sim_of(s).insert_els(id); }));
          },
          "els"_a)
      .def(
          "open_interlock",
          [](const Simulator& s, const py::object& els) {
            const auto id = resolve_as<cpo::ElsId>(*s.sw, els, "ELS module", "'els7'");
            check(nogil([&] { return sim_of(s).open_interlock(id); }));
          },
          "els"_a, "Opens the ELS's laser-safety interlock: every laser of it off at once.")
      .def(
          "close_interlock",
          [](const Simulator& s, const py::object& els) {
            const auto id = resolve_as<cpo::ElsId>(*s.sw, els, "ELS module", "'els7'");
            check(nogil([&] { return sim_of(s).close_interlock(id); }));
          },
          "els"_a, "Closes the interlock; its lasers stay off until enabled again (fiber check).")
      .def(
          "cut_port_fiber",
          [](const Simulator& s, const py::object& port, int lane) {
            const auto id = resolve_as<cpo::PortId>(*s.sw, port, "port", "59");
            check(nogil([&] { return sim_of(s).cut_port_fiber(id, lane); }));
          },
          "port"_a, "lane"_a = -1, "Cuts the front-panel fiber of one lane of the port (-1: every lane).")
      .def(
          "fail_oe",
          [](const Simulator& s, const py::object& oe) {
            const auto id = resolve_as<cpo::OeId>(*s.sw, oe, "optical engine", "'oe5'");
            check(nogil([&] { return sim_of(s).fail_oe(id); }));
          },
          "oe"_a)
      .def(
          "repair_oe",
          [](const Simulator& s, const py::object& oe) {
            const auto id = resolve_as<cpo::OeId>(*s.sw, oe, "optical engine", "'oe5'");
            check(nogil([&] { return sim_of(s).repair_oe(id); }));
          },
          "oe"_a)
      .def(
          "degrade_lane",
          [](const Simulator& s, const py::object& lane, double db) {
            const auto id = resolve_as<cpo::LaneId>(*s.sw, lane, "lane", "'lane148'");
            if (!std::isfinite(db) || db < 0) invalid("degrade_lane: the SNR penalty must be >= 0 dB");
            check(nogil([&] { return sim_of(s).degrade_lane(id, cpo::Decibels(db)); }));
          },
          "lane"_a, "db"_a, "SerDes SNR penalty of the lane (raises its pre-FEC BER).")
      .def(
          "set_coolant_temperature",
          [](const Simulator& s, double c) {
            if (!std::isfinite(c)) invalid("set_coolant_temperature: the temperature must be a finite number of degC");
            check(nogil([&] { return sim_of(s).set_coolant_temperature(cpo::Celsius(c)); }));
          },
          "celsius"_a)
      .def_property_readonly(
          "device_writes",
          [](const Simulator& s) { return value_of(nogil([&] { return sim_of(s).device_writes(); })); },
          "Register writes the driver made since the switch opened (a refused request writes none).");
}
