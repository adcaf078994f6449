// cpo/cpo.h: lasers (limits, status, enable with the fiber check, disable, power and bias ramps,
// control mode) and the ELS hot-swap.
#include <algorithm>
#include <stop_token>
#include <string>

#include "capi_internal.h"

namespace cpo::capi {

void to_c(const sdk::FiberCheck& in, cpo_fiber_check& out) noexcept {
  out.laser = to_c(in.laser);
  out.verdict = static_cast<cpo_fiber_verdict>(in.verdict);
  out.launched_mw = in.launched.value();
  out.worst_arrival_mw = in.worst_arrival.value();
  out.worst_lane = in.worst_lane.value();
  out.loss_db = in.loss.value();
  out.allowed_db = in.allowed.value();
}

Result<sdk::RampOptions> ramp_from_c(const char* function, const cpo_ramp_options* ramp, std::stop_source& stop) {
  sdk::RampOptions options;
  options.stop = stop.get_token();
  if (ramp == nullptr) return options;
  CPO_RETURN_IF_ERROR(check_quantity(function, "ramp_db_per_s", ramp->ramp_db_per_s, "dB per second"));
  if (ramp->ramp_db_per_s > 0.0) options.ramp_rate = Decibels(ramp->ramp_db_per_s);
  if (ramp->progress != nullptr) {
    options.progress = [fn = ramp->progress, user = ramp->user, &stop](const sdk::LaserProgress& p) {
      cpo_laser_progress c{};
      c.laser = to_c(p.laser);
      c.phase = static_cast<cpo_laser_phase>(p.phase);
      c.step = p.step;
      c.steps = p.steps;
      c.setpoint_mw = p.setpoint.value();
      c.bias_setpoint_ma = p.bias_setpoint.value();
      if (fn(&c, user) != 0) stop.request_stop();
    };
  }
  return options;
}

}  // namespace cpo::capi

using namespace cpo::capi;  // NOLINT(google-build-using-namespace): the C entry points below

namespace {

constexpr cpo::cmis::ElsControlMode kControlModes[] = {cpo::cmis::ElsControlMode::acc, cpo::cmis::ElsControlMode::apc};

void copy_text(const std::string& text, char (&out)[256]) noexcept {
  const std::size_t n = std::min(text.size(), sizeof(out) - 1);
  std::memcpy(out, text.data(), n);
  out[n] = '\0';
}

}  // namespace

extern "C" {

cpo_status cpo_laser_get_limits(cpo_switch* sw, cpo_laser laser, cpo_laser_limits* out) {
  return guarded("cpo_laser_get_limits", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_laser_get_limits", "an open switch");
    CPO_CAPI_REQUIRE(out, "cpo_laser_get_limits", "a cpo_laser_limits to fill");
    auto l = sw->sw->laser_limits(from_c(laser));
    if (!l) return l.status();
    cpo_laser_limits c{};
    c.min_power_mw = l->min_power.value();
    c.max_power_mw = l->max_power.value();
    c.min_bias_ma = l->min_bias.value();
    c.max_bias_ma = l->max_bias.value();
    c.class_limit_mw = l->class_limit ? l->class_limit->value() : 0.0;
    c.max_allowed_mw = l->max_allowed.value();
    c.fiber_check_power_mw = l->fiber_check_power.value();
    c.control_mode = static_cast<cpo_control_mode>(l->control_mode);
    c.max_ramp_db_per_s = l->max_ramp_rate.value();
    c.max_step_db = l->max_step.value();
    *out = c;
    return cpo::ok_status();
  });
}

cpo_status cpo_laser_get_status(cpo_switch* sw, cpo_laser laser, cpo_laser_status* out) {
  return guarded("cpo_laser_get_status", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_laser_get_status", "an open switch");
    CPO_CAPI_REQUIRE(out, "cpo_laser_get_status", "a cpo_laser_status to fill");
    auto s = sw->sw->laser_status(from_c(laser));
    if (!s) return s.status();
    cpo_laser_status c{};
    c.state = static_cast<cpo_laser_state>(s->state);
    c.fault = static_cast<cpo_laser_fault>(s->fault);
    c.enabled = s->enabled ? 1 : 0;
    c.fiber_checked = s->fiber_checked ? 1 : 0;
    c.control_mode = static_cast<cpo_control_mode>(s->control_mode);
    c.power_setpoint_mw = s->power_setpoint.value();
    c.bias_setpoint_ma = s->bias_setpoint.value();
    c.power_mw = s->power.value();
    c.bias_ma = s->bias.value();
    c.temperature_c = s->temperature.value();
    c.lanes = static_cast<uint32_t>(s->lanes.size());
    *out = c;
    return cpo::ok_status();
  });
}

cpo_status cpo_laser_enable(cpo_switch* sw, cpo_laser laser, const cpo_enable_options* options,
                            cpo_fiber_check* check) {
  return guarded("cpo_laser_enable", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_laser_enable", "an open switch");
    std::stop_source stop;
    cpo::sdk::EnableOptions enable;
    if (options != nullptr) {
      CPO_RETURN_IF_ERROR(check_quantity("cpo_laser_enable", "power_mw", options->power_mw, "milliwatts"));
      if (options->power_mw > 0.0) enable.power = cpo::Milliwatts(options->power_mw);
    }
    auto ramp = ramp_from_c("cpo_laser_enable", options != nullptr ? &options->ramp : nullptr, stop);
    if (!ramp) return ramp.status();
    enable.ramp = std::move(*ramp);
    auto result = sw->sw->enable_laser(from_c(laser), enable);
    if (!result) return result.status();
    if (check != nullptr) to_c(*result, *check);
    return cpo::ok_status();
  });
}

cpo_status cpo_laser_disable(cpo_switch* sw, cpo_laser laser, int force) {
  return guarded("cpo_laser_disable", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_laser_disable", "an open switch");
    return sw->sw->disable_laser(from_c(laser), force != 0);
  });
}

cpo_status cpo_laser_set_power(cpo_switch* sw, cpo_laser laser, double power_mw, const cpo_ramp_options* ramp) {
  return guarded("cpo_laser_set_power", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_laser_set_power", "an open switch");
    CPO_RETURN_IF_ERROR(check_quantity("cpo_laser_set_power", "power_mw", power_mw, "milliwatts"));
    std::stop_source stop;
    auto options = ramp_from_c("cpo_laser_set_power", ramp, stop);
    if (!options) return options.status();
    return sw->sw->set_laser_power(from_c(laser), cpo::Milliwatts(power_mw), *options);
  });
}

cpo_status cpo_laser_set_power_dbm(cpo_switch* sw, cpo_laser laser, double power_dbm, const cpo_ramp_options* ramp) {
  return guarded("cpo_laser_set_power_dbm", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_laser_set_power_dbm", "an open switch");
    if (!std::isfinite(power_dbm))
      return cpo::Status(cpo::Code::invalid_argument, "cpo_laser_set_power_dbm: power_dbm " +
                                                          std::to_string(power_dbm) + " is not a finite number of dBm");
    std::stop_source stop;
    auto options = ramp_from_c("cpo_laser_set_power_dbm", ramp, stop);
    if (!options) return options.status();
    return sw->sw->set_laser_power(from_c(laser), cpo::Dbm(power_dbm), *options);
  });
}

cpo_status cpo_laser_set_bias(cpo_switch* sw, cpo_laser laser, double bias_ma, const cpo_ramp_options* ramp) {
  return guarded("cpo_laser_set_bias", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_laser_set_bias", "an open switch");
    CPO_RETURN_IF_ERROR(check_quantity("cpo_laser_set_bias", "bias_ma", bias_ma, "milliamps"));
    std::stop_source stop;
    auto options = ramp_from_c("cpo_laser_set_bias", ramp, stop);
    if (!options) return options.status();
    return sw->sw->set_laser_bias(from_c(laser), cpo::Milliamps(bias_ma), *options);
  });
}

cpo_status cpo_laser_set_control_mode(cpo_switch* sw, cpo_laser laser, cpo_control_mode mode) {
  return guarded("cpo_laser_set_control_mode", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_laser_set_control_mode", "an open switch");
    auto m = checked_enum("cpo_laser_set_control_mode", "mode", mode, "cpo_control_mode", kControlModes);
    if (!m) return m.status();
    return sw->sw->set_laser_control_mode(from_c(laser), *m);
  });
}

cpo_status cpo_els_hot_swap(cpo_switch* sw, uint32_t els, const cpo_hot_swap_options* options,
                            cpo_hot_swap_report* report) {
  return guarded("cpo_els_hot_swap", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_els_hot_swap", "an open switch");
    std::stop_source stop;
    cpo::sdk::HotSwapOptions swap;
    swap.stop = stop.get_token();
    if (options != nullptr) {
      using std::chrono::milliseconds;
      if (options->removal_timeout_ms != 0) swap.removal_timeout = milliseconds(options->removal_timeout_ms);
      if (options->insertion_timeout_ms != 0) swap.insertion_timeout = milliseconds(options->insertion_timeout_ms);
      if (options->step_timeout_ms != 0) swap.step_timeout = milliseconds(options->step_timeout_ms);
      CPO_RETURN_IF_ERROR(check_quantity("cpo_els_hot_swap", "power_mw", options->power_mw, "milliwatts"));
      if (options->power_mw > 0.0) swap.power = cpo::Milliwatts(options->power_mw);
      if (options->progress != nullptr) {
        swap.progress = [fn = options->progress, user = options->user, &stop](const cpo::sdk::SwapProgress& p) {
          const cpo_swap_progress c{p.els.value(), static_cast<cpo_swap_step>(p.step),
                                    static_cast<uint8_t>(p.done ? 1 : 0), p.detail.c_str()};
          if (fn(&c, user) != 0) stop.request_stop();
        };
      }
    }
    auto result = sw->sw->hot_swap(cpo::ElsId(els), swap);
    if (!result) return result.status();
    if (report != nullptr) {
      *report = cpo_hot_swap_report{};
      report->els = result->els.value();
      report->lasers_lit = result->lasers_lit ? 1 : 0;
      report->restored = static_cast<uint32_t>(result->restored.size());
      const std::size_t n = std::min<std::size_t>(result->fiber_checks.size(), CPO_MAX_ELS_LASERS);
      report->fiber_check_count = static_cast<uint32_t>(n);
      for (std::size_t i = 0; i < n; ++i) to_c(result->fiber_checks[i], report->fiber_checks[i]);
      copy_text(result->failure, report->failure);
    }
    return cpo::ok_status();
  });
}

}  // extern "C"
