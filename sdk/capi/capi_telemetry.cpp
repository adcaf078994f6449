// cpo/cpo.h: snapshots (typed arrays of the hot values, JSON and Prometheus renderings) and
// the OE and ELS show calls built on them.
#include <algorithm>
#include <cstdlib>
#include <string>

#include "capi_internal.h"

namespace cpo::capi {

void to_c(const OeTelemetry& in, std::uint32_t unit, cpo_oe_values& out) noexcept {
  out.oe = in.oe.value();
  out.unit = unit;
  out.module_state = static_cast<cpo_module_state>(in.module_state);
  out.faults = flag_bits(in.faults);
  out.temperature_c = in.temperature.value();
  out.vcc_v = in.vcc.value();
  out.power_mw = in.power.value();
  out.threshold_flags = flag_bits(in.flags);
}

void to_c(const ElsTelemetry& in, std::uint32_t unit, cpo_els_values& out) noexcept {
  out.els = in.els.value();
  out.unit = unit;
  out.present = in.present ? 1 : 0;
  out.module_state = static_cast<cpo_module_state>(in.module_state);
  out.temperature_c = in.temperature.value();
  out.vcc_v = in.vcc.value();
  out.supply_current_ma = in.supply_current.value();
  out.threshold_flags = flag_bits(in.flags);
  out.insertions = in.insert_count;
  out.faults = flag_bits(in.faults);
}

void to_c(const LaserTelemetry& in, std::uint32_t unit, cpo_laser_values& out) noexcept {
  out.laser = to_c(in.laser);
  out.unit = unit;
  out.state = static_cast<cpo_laser_state>(in.state);
  out.fault = static_cast<cpo_laser_fault>(in.fault);
  out.power_setpoint_mw = in.power_setpoint.value();
  out.power_mw = in.power.value();
  out.bias_ma = in.bias.value();
  out.temperature_c = in.temperature.value();
  out.wavelength_nm = in.wavelength_nm;
  out.age_hours = in.age_hours;
  out.flags = flag_bits(in.flags);
}

namespace {

// Fills the typed arrays of `s` from its snapshot (storage reused).
void flatten(const Platform& platform, cpo_snapshot& s) {
  s.units.clear();
  s.ports.clear();
  s.logical_ports.clear();
  s.lanes.clear();
  s.oes.clear();
  s.els.clear();
  s.lasers.clear();
  s.energy.clear();
  for (const UnitTelemetry& u : s.snap.units.units) {
    const std::uint32_t unit = u.unit.value();
    cpo_unit_values& uv = s.units.emplace_back();
    uv.unit = unit;
    uv.timestamp_ns = static_cast<int64_t>(u.timestamp.count());
    uv.generation = u.generation;
    uv.flags = flag_bits(u.flags);
    uv.coolant_temperature_c = u.coolant_temperature.value();
    uv.asic_temperature_c = u.asic_temperature.value();
    uv.optics_power_mw = u.optics_power.value();
    for (const auto& p : u.ports) to_c(p, unit, s.ports.emplace_back());
    for (const auto& l : u.lanes) to_c(l, s.lanes.emplace_back());
    for (const auto& o : u.oes) to_c(o, unit, s.oes.emplace_back());
    for (const auto& e : u.els) to_c(e, unit, s.els.emplace_back());
    for (const auto& l : u.lasers) to_c(l, unit, s.lasers.emplace_back());
  }
  for (const sdk::LogicalPortTelemetry& lp : s.snap.logical_ports) {
    cpo_logical_port_values& v = s.logical_ports.emplace_back();
    v.port = to_c(lp.port);
    auto info = platform.port(lp.port.port);
    v.unit = info ? (*info)->unit.value() : 0;
    const std::size_t n = std::min(lp.name.size(), sizeof(v.name) - 1);
    std::memcpy(v.name, lp.name.data(), n);
    v.name[n] = '\0';
    v.speed_gbps = lp.speed.value();
    v.admin = static_cast<cpo_admin_state>(lp.admin);
    v.oper = static_cast<cpo_oper_state>(lp.oper);
    v.first_lane = lp.lanes.empty() ? 0 : lp.lanes.front().value();
    v.lane_count = static_cast<std::uint32_t>(lp.lanes.size());
    v.fec_corrected = lp.fec_corrected;
    v.fec_uncorrected = lp.fec_uncorrected;
    v.pre_fec_ber_max = lp.pre_fec_ber_max;
    v.rx_power_min_mw = lp.rx_power_min.value();
  }
  for (const sdk::PortEnergy& e : s.snap.energy) {
    cpo_energy_values& v = s.energy.emplace_back();
    v.port = e.port.value();
    auto info = platform.port(e.port);
    v.unit = info ? (*info)->unit.value() : 0;
    v.laser_power_w = e.laser_watts;
    v.oe_power_w = e.oe_watts;
    v.power_w = e.watts;
    v.pj_per_bit = e.pj_per_bit;
  }
}

template <typename T>
const T* array_of(const cpo_snapshot* s, const std::vector<T> cpo_snapshot::*member, std::size_t* count,
                  const char* function) noexcept {
  if (count == nullptr) {
    (void)finish(null_argument(function, "count", "a size_t for the count"));
    return nullptr;
  }
  if (s == nullptr) {
    *count = 0;
    (void)finish(null_argument(function, "snapshot", "a snapshot"));
    return nullptr;
  }
  const std::vector<T>& v = s->*member;
  *count = v.size();
  return v.data();
}

Status take(cpo_switch& sw, cpo_snapshot& s) {
  Status status = sw.sw->snapshot(s.snap);
  if (!status.ok()) {
    s.snap = sdk::Snapshot{};
    flatten(sw.sw->platform(), s);
    return status;
  }
  flatten(sw.sw->platform(), s);
  return ok_status();
}

}  // namespace
}  // namespace cpo::capi

using namespace cpo::capi;  // NOLINT(google-build-using-namespace): the C entry points below

extern "C" {

cpo_status cpo_snapshot_new(cpo_snapshot** out) {
  return guarded("cpo_snapshot_new", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(out, "cpo_snapshot_new", "a cpo_snapshot* to fill");
    *out = new cpo_snapshot();  // NOLINT(cppcoreguidelines-owning-memory): freed by cpo_snapshot_free
    return cpo::ok_status();
  });
}

void cpo_snapshot_free(cpo_snapshot* snapshot) {
  delete snapshot;  // NOLINT(cppcoreguidelines-owning-memory)
}

cpo_status cpo_snapshot_take(cpo_switch* sw, cpo_snapshot* snapshot) {
  return guarded("cpo_snapshot_take", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_snapshot_take", "an open switch");
    CPO_CAPI_REQUIRE(snapshot, "cpo_snapshot_take", "a snapshot from cpo_snapshot_new");
    return take(*sw, *snapshot);
  });
}

cpo_status cpo_snapshot_summary_get(const cpo_snapshot* snapshot, cpo_snapshot_summary* out) {
  return guarded("cpo_snapshot_summary_get", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(snapshot, "cpo_snapshot_summary_get", "a snapshot");
    CPO_CAPI_REQUIRE(out, "cpo_snapshot_summary_get", "a cpo_snapshot_summary to fill");
    const cpo_snapshot& s = *snapshot;
    *out = cpo_snapshot_summary{s.snap.schema_version,
                                s.snap.platform.c_str(),
                                s.snap.total_optics_watts,
                                s.units.size(),
                                s.ports.size(),
                                s.logical_ports.size(),
                                s.lanes.size(),
                                s.oes.size(),
                                s.els.size(),
                                s.lasers.size(),
                                s.energy.size()};
    return cpo::ok_status();
  });
}

const cpo_unit_values* cpo_snapshot_units(const cpo_snapshot* s, size_t* count) {
  return array_of(s, &cpo_snapshot::units, count, "cpo_snapshot_units");
}
const cpo_port_values* cpo_snapshot_ports(const cpo_snapshot* s, size_t* count) {
  return array_of(s, &cpo_snapshot::ports, count, "cpo_snapshot_ports");
}
const cpo_logical_port_values* cpo_snapshot_logical_ports(const cpo_snapshot* s, size_t* count) {
  return array_of(s, &cpo_snapshot::logical_ports, count, "cpo_snapshot_logical_ports");
}
const cpo_lane_values* cpo_snapshot_lanes(const cpo_snapshot* s, size_t* count) {
  return array_of(s, &cpo_snapshot::lanes, count, "cpo_snapshot_lanes");
}
const cpo_oe_values* cpo_snapshot_oes(const cpo_snapshot* s, size_t* count) {
  return array_of(s, &cpo_snapshot::oes, count, "cpo_snapshot_oes");
}
const cpo_els_values* cpo_snapshot_els(const cpo_snapshot* s, size_t* count) {
  return array_of(s, &cpo_snapshot::els, count, "cpo_snapshot_els");
}
const cpo_laser_values* cpo_snapshot_lasers(const cpo_snapshot* s, size_t* count) {
  return array_of(s, &cpo_snapshot::lasers, count, "cpo_snapshot_lasers");
}
const cpo_energy_values* cpo_snapshot_energy(const cpo_snapshot* s, size_t* count) {
  return array_of(s, &cpo_snapshot::energy, count, "cpo_snapshot_energy");
}

cpo_status cpo_snapshot_json(const cpo_switch* sw, cpo_snapshot* snapshot, int pretty, const char** out) {
  return guarded("cpo_snapshot_json", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_snapshot_json", "an open switch");
    CPO_CAPI_REQUIRE(snapshot, "cpo_snapshot_json", "a snapshot");
    CPO_CAPI_REQUIRE(out, "cpo_snapshot_json", "a const char* to fill");
    snapshot->text = sw->sw->render_json(snapshot->snap, pretty != 0);
    *out = snapshot->text.c_str();
    return cpo::ok_status();
  });
}

cpo_status cpo_snapshot_prometheus(const cpo_switch* sw, cpo_snapshot* snapshot, const char* switch_name,
                                   const char** out) {
  return guarded("cpo_snapshot_prometheus", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_snapshot_prometheus", "an open switch");
    CPO_CAPI_REQUIRE(snapshot, "cpo_snapshot_prometheus", "a snapshot");
    CPO_CAPI_REQUIRE(out, "cpo_snapshot_prometheus", "a const char* to fill");
    const std::string_view name = switch_name != nullptr ? std::string_view(switch_name) : std::string_view("cpo");
    snapshot->text = sw->sw->render_prometheus(snapshot->snap, name);
    *out = snapshot->text.c_str();
    return cpo::ok_status();
  });
}

cpo_status cpo_oe_show(cpo_switch* sw, uint32_t oe, cpo_oe_values* out) {
  return guarded("cpo_oe_show", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_oe_show", "an open switch");
    CPO_CAPI_REQUIRE(out, "cpo_oe_show", "a cpo_oe_values to fill");
    auto info = sw->sw->platform().optical_engine(cpo::OeId(oe));
    if (!info) return info.status();
    cpo::sdk::Snapshot snap;
    CPO_RETURN_IF_ERROR(sw->sw->snapshot(snap));
    for (const auto& u : snap.units.units)
      for (const auto& o : u.oes)
        if (o.oe == cpo::OeId(oe)) {
          to_c(o, u.unit.value(), *out);
          return cpo::ok_status();
        }
    return cpo::Status(cpo::Code::device_error,
                       "cpo_oe_show: " + cpo::to_string(cpo::OeId(oe)) + " is missing from its unit's telemetry");
  });
}

cpo_status cpo_els_show(cpo_switch* sw, uint32_t els, cpo_els_values* out) {
  return guarded("cpo_els_show", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_els_show", "an open switch");
    CPO_CAPI_REQUIRE(out, "cpo_els_show", "a cpo_els_values to fill");
    auto info = sw->sw->platform().els(cpo::ElsId(els));
    if (!info) return info.status();
    cpo::sdk::Snapshot snap;
    CPO_RETURN_IF_ERROR(sw->sw->snapshot(snap));
    for (const auto& u : snap.units.units)
      for (const auto& e : u.els)
        if (e.els == cpo::ElsId(els)) {
          to_c(e, u.unit.value(), *out);
          return cpo::ok_status();
        }
    return cpo::Status(cpo::Code::device_error,
                       "cpo_els_show: " + cpo::to_string(cpo::ElsId(els)) + " is missing from its unit's telemetry");
  });
}

}  // extern "C"
