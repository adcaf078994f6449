// Apply: run a plan through the facade, read back, roll back to the exact previous state on
// any failure, persist the running state.
#include <chrono>
#include <map>
#include <string>

#include <fmt/format.h>

#include "config/internal.h"
#include "cpo/hal/mutex.h"
#include "cpo/sdk/switch.h"

namespace cpo::sdk {
namespace {

// One apply at a time per switch: a plan read against the running state is only right while
// nobody else changes it. A sim:// switch is its own device (each open builds a simulator);
// every other URI names a device two Switch objects of this process may share. The lease is
// held for the whole apply, progress callbacks included; the registry's mutex only while
// taking or returning it.
class ApplyGate {
 public:
  static ApplyGate& instance() {
    static ApplyGate gate;
    return gate;
  }
  static std::string key_of(const Switch& sw) {
    const std::string& uri = sw.uri();
    if (uri.rfind("sim://", 0) == 0) return fmt::format("{}#{}", uri, static_cast<const void*>(&sw));
    return uri;
  }

  class Lease {
   public:
    Lease() = default;
    Lease(ApplyGate* gate, std::string key) : gate_(gate), key_(std::move(key)) {}
    Lease(Lease&& o) noexcept : gate_(std::exchange(o.gate_, nullptr)), key_(std::move(o.key_)) {}
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (gate_ != nullptr) gate_->leave(key_);
    }

   private:
    ApplyGate* gate_ = nullptr;
    std::string key_;
  };

  // Waits up to `wait` (host time) for the switch to be free. Errors: failed_precondition
  // naming the switch and how long the other apply has held it.
  Result<Lease> enter(const Switch& sw, std::chrono::milliseconds wait) {
    const std::string key = key_of(sw);
    const auto start = std::chrono::steady_clock::now();
    Lock lock(mu_);
    const bool free = cv_.wait_for(lock, wait, [&]() CPO_REQUIRES(mu_) { return !held_.contains(key); });
    if (!free) {
      const auto since = std::chrono::duration_cast<std::chrono::milliseconds>(start - held_.at(key));
      return error(Code::failed_precondition,
                   fmt::format("config apply: another config apply holds {} (for {} ms when this one asked); waited "
                               "{} ms (ApplyOptions::wait_for_other_apply): one configuration agent "
                               "per switch, or retry when it is done",
                               sw.uri(), since.count(), wait.count()));
    }
    held_.emplace(key, std::chrono::steady_clock::now());
    return Lease(this, key);
  }

 private:
  void leave(const std::string& key) {
    {
      Lock lock(mu_);
      held_.erase(key);
    }
    cv_.notify_all();
  }
  Mutex mu_;
  CondVar cv_;
  std::map<std::string, std::chrono::steady_clock::time_point> held_ CPO_GUARDED_BY(mu_);
};

std::optional<std::uint64_t> writes_of(Switch& sw) {
  SimulatorControl* sim = sw.simulator();
  if (sim == nullptr) return std::nullopt;
  auto w = sim->device_writes();
  return w ? std::optional<std::uint64_t>(*w) : std::nullopt;
}

Status run_one(Switch& sw, const ConfigOp& op) {
  switch (op.kind) {
    case ConfigOpKind::admin_down:
    case ConfigOpKind::admin_up:
      if (const auto* lp = std::get_if<LogicalPort>(&op.object)) return sw.set_admin(*lp, op.admin);
      return sw.set_admin(std::get<PortId>(op.object), op.admin);
    case ConfigOpKind::laser_disable:
      // Ordered after the admin-down operations: the laser policy sees its ports down.
      return sw.disable_laser(std::get<LaserRef>(op.object), false);
    case ConfigOpKind::laser_control: return sw.set_laser_control_mode(std::get<LaserRef>(op.object), op.control);
    case ConfigOpKind::laser_bias: {
      RampOptions ramp;
      ramp.ramp_rate = op.ramp;
      return sw.set_laser_bias(std::get<LaserRef>(op.object), op.bias, ramp);
    }
    case ConfigOpKind::fec: return sw.set_fec(std::get<PortId>(op.object), op.fec);
    case ConfigOpKind::tx_fir: return sw.set_tx_fir(std::get<LaneId>(op.object), op.tx_fir);
    case ConfigOpKind::laser_enable: {
      EnableOptions e;
      e.power = op.power;
      e.ramp.ramp_rate = op.ramp;
      auto r = sw.enable_laser(std::get<LaserRef>(op.object), e);
      return r ? ok_status() : r.status();
    }
    case ConfigOpKind::laser_power: {
      RampOptions ramp;
      ramp.ramp_rate = op.ramp;
      return sw.set_laser_power(std::get<LaserRef>(op.object), op.power, ramp);
    }
    case ConfigOpKind::class_limit: return sw.set_laser_class_limit(op.class_limit);
    case ConfigOpKind::thresholds: return sw.set_threshold_rules(op.rules);
    case ConfigOpKind::breakout: return ok_status();  // batched by run_ops
  }
  return ok_status();
}

struct RunOutcome {
  std::size_t done = 0;    // operations that completed
  std::size_t failed = 0;  // index of the failing operation (valid when !status.ok())
  Status status;           // the first failure
};

// Runs `ops` in order; consecutive breakouts go to the facade as one bulk request (validated
// whole and rolled back by the breakout policy itself). `keep_going` continues after a failure
// (rollback: restore as much as possible) and reports the first one.
RunOutcome run_ops(Switch& sw, const std::vector<ConfigOp>& ops, ApplyPhase phase,
                   const std::function<void(const ApplyProgress&)>& progress, bool keep_going) {
  RunOutcome out;
  auto report = [&](std::size_t i) {
    if (progress) progress(ApplyProgress{phase, i, ops.size(), &ops[i]});
  };
  auto fail = [&](std::size_t i, Status s) {
    if (out.status.ok()) {
      out.status = std::move(s);
      out.failed = i;
    }
  };
  for (std::size_t i = 0; i < ops.size();) {
    if (ops[i].kind == ConfigOpKind::breakout) {
      std::size_t j = i;
      std::vector<BreakoutGroupRequest> groups;
      while (j < ops.size() && ops[j].kind == ConfigOpKind::breakout) {
        report(j);
        groups.push_back(BreakoutGroupRequest{std::get<PortId>(ops[j].object), ops[j].breakout});
        ++j;
      }
      auto r = sw.breakout(groups);
      if (!r) {
        // Name the group the policy names, when it does; the batch is rolled back whole.
        std::size_t at = i;
        for (std::size_t k = i; k < j; ++k) {
          if (r.status().message().find(to_string(std::get<PortId>(ops[k].object)) + " ") != std::string::npos) {
            at = k;
            break;
          }
        }
        fail(at, r.status());
        if (!keep_going) return out;
      } else {
        out.done += j - i;
      }
      i = j;
      continue;
    }
    report(i);
    Status s = run_one(sw, ops[i]);
    if (!s.ok()) {
      fail(i, s);
      if (!keep_going) return out;
    } else {
      ++out.done;
    }
    ++i;
  }
  return out;
}

std::string mismatch(const ConfigState& want, const ConfigState& got) {
  for (std::size_t i = 0; i < want.ports.size() && i < got.ports.size(); ++i) {
    const PortState& w = want.ports[i];
    const PortState& g = got.ports[i];
    if (!(w.breakout == g.breakout))
      return fmt::format("{} runs breakout {}, expected {}", to_string(w.port), g.breakout.to_string(),
                         w.breakout.to_string());
    if (w.admin != g.admin)
      return fmt::format("{} is admin {}, expected {}", to_string(w.port), admin_text(g.admin), admin_text(w.admin));
    if (w.fec != g.fec)
      return fmt::format("{} runs FEC {}, expected {}", to_string(w.port), to_string(g.fec), to_string(w.fec));
    for (std::size_t k = 0; k < w.tx_fir.size() && k < g.tx_fir.size(); ++k) {
      if (!(w.tx_fir[k] == g.tx_fir[k]))
        return fmt::format("{} lane {} has tx_fir {}, expected {}", to_string(w.port), k, fir_text(g.tx_fir[k]),
                           fir_text(w.tx_fir[k]));
    }
  }
  for (std::size_t k = 0; k < want.lasers.size() && k < got.lasers.size(); ++k) {
    const LaserSetting& w = want.lasers[k];
    const LaserSetting& g = got.lasers[k];
    if (w.enabled != g.enabled)
      return fmt::format("{} is {}, expected {}", to_string(w.laser), g.enabled ? "enabled" : "disabled",
                         w.enabled ? "enabled" : "disabled");
    if (!(w.power == g.power))
      return fmt::format("{} has set-point {} mW, expected {} mW", to_string(w.laser), power_text(g.power),
                         power_text(w.power));
    if (w.control != g.control)
      return fmt::format("{} runs in {}, expected {}", to_string(w.laser), control_text(g.control),
                         control_text(w.control));
    if (!(w.bias == g.bias))
      return fmt::format("{} has bias set-point {} mA, expected {} mA", to_string(w.laser), bias_text(g.bias),
                         bias_text(w.bias));
  }
  if (want.laser_class_limit != got.laser_class_limit)
    return fmt::format("the laser class limit is {} mW, expected {} mW",
                       got.laser_class_limit ? power_text(*got.laser_class_limit) : "none",
                       want.laser_class_limit ? power_text(*want.laser_class_limit) : "none");
  if (!same_rules(want.thresholds, got.thresholds))
    return fmt::format("the threshold rules are {}, expected {}", rules_text(got.thresholds),
                       rules_text(want.thresholds));
  return "the state differs";
}

bool same_state(const ConfigState& a, const ConfigState& b) {
  return same_device_state(a, b) && same_open_settings(a, b);
}

}  // namespace

ApplyReport apply_config(Switch& sw, const Config& config, const ApplyOptions& options) {
  ApplyReport report;
  const auto t0 = sw.now();
  const auto w0 = writes_of(sw);
  auto finish = [&]() -> ApplyReport {
    const auto w1 = writes_of(sw);
    if (w0 && w1) report.device_writes = *w1 - *w0;
    report.device_time = sw.now() - t0;
    return std::move(report);
  };
  try {
    auto lease = ApplyGate::instance().enter(sw, options.wait_for_other_apply);
    if (!lease) {
      report.status = lease.status();
      return finish();
    }
    auto plan = plan_config(sw, config, &report.issues);
    if (!plan) {
      report.status = plan.status();
      return finish();
    }
    report.plan = std::move(plan).value();
    const ConfigPlan& p = report.plan;

    Status failure;
    if (!p.ops.empty()) {
      RunOutcome run = run_ops(sw, p.ops, ApplyPhase::apply, options.progress, false);
      report.applied = run.done;
      if (!run.status.ok()) {
        failure = run.status.with_context(fmt::format("config apply: operation {} of {} ({})", run.failed + 1,
                                                      p.ops.size(), p.ops[run.failed].to_string()));
      } else {
        auto after = read_config_state(sw);
        if (!after) {
          failure = after.status().with_context("config apply: reading back");
        } else if (!same_state(*after, p.to)) {
          failure = error(Code::device_error, fmt::format("config apply: read-back differs after {} operations: {}",
                                                          p.ops.size(), mismatch(p.to, *after)));
        }
      }
    }
    if (!failure.ok()) {
      // Back to exactly what ran before: plan from what runs now to the state read before.
      report.rolled_back = true;
      auto now = read_config_state(sw);
      if (!now) {
        report.rollback_status = now.status().with_context("reading the state to roll back from");
      } else {
        const std::vector<ConfigOp> back = diff_states(sw.platform(), *now, p.from);
        RunOutcome undo = run_ops(sw, back, ApplyPhase::rollback, options.progress, true);
        report.rollback_status = undo.status;
        if (undo.status.ok()) {
          auto check = read_config_state(sw);
          if (!check) {
            report.rollback_status = check.status();
          } else if (!same_state(*check, p.from)) {
            report.rollback_status = error(Code::device_error, "after the rollback: " + mismatch(p.from, *check));
          }
        }
      }
      if (report.rollback_status.ok()) {
        report.status =
            Status(failure.code(), failure.message() + "; rolled back: the switch runs its previous configuration");
      } else {
        report.status = Status(failure.code() == Code::safety_refused ? Code::device_error : failure.code(),
                               failure.message() + "; ROLLBACK INCOMPLETE: " + report.rollback_status.to_string() +
                                   " (compare with `config show-running`)");
      }
      return finish();
    }

    if (!options.persist_path.empty()) {
      Config running = to_config(p.to);
      Status s =
          write_file_atomically(options.persist_path, render_config(running, ConfigFormat::yaml), options.persist_hook);
      if (!s.ok()) {
        report.status = s.with_context("config applied, but persisting the running configuration failed");
        return finish();
      }
      report.persisted = true;
    }
  } catch (const std::exception& e) {
    report.status = error(Code::internal, fmt::format("config apply: {}", e.what()));
  }
  return finish();
}

}  // namespace cpo::sdk
