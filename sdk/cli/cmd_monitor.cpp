// cpoctl telemetry and events: the snapshot in three renderings, and the event stream.
#include <chrono>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "commands.h"

namespace cpoctl {
namespace {

using nlohmann::ordered_json;

struct TelemetryArgs {
  std::string format = "table";
  std::optional<double> watch;
  std::optional<unsigned> count;
};

void print_table(cpo::Switch& sw, const cpo::sdk::Snapshot& snap) {
  std::cout << fmt::format("{} ({}): {} units, {} logical ports, optics {:.1f} W\n", sw.uri(), snap.platform,
                           snap.units.units.size(), snap.logical_ports.size(), snap.total_optics_watts);
  Table table(
      {"PORT", "NAME", "SPEED", "ADMIN", "OPER", "RX MIN dBm", "PRE-FEC BER", "FEC CORR", "FEC UNCORR", "W", "pJ/bit"});
  for (const auto& lp : snap.logical_ports) {
    const cpo::sdk::PortEnergy* e =
        lp.port.port.value() < snap.energy.size() ? &snap.energy[lp.port.port.value()] : nullptr;
    // Energy is per front-panel port: shown on its first sub-port.
    const bool first = lp.port.subport == 0;
    table.add({cpo::sdk::format_object(lp.port), lp.name, cpo::to_string(lp.speed),
               std::string(cpo::to_string(lp.admin)), std::string(cpo::to_string(lp.oper)), dbm_text(lp.rx_power_min),
               sci(lp.pre_fec_ber_max), std::to_string(lp.fec_corrected), std::to_string(lp.fec_uncorrected),
               first && e != nullptr ? fixed(e->watts, 2) : "", first && e != nullptr ? fixed(e->pj_per_bit, 2) : ""});
  }
  table.print();
}

int telemetry(const Context& ctx, const TelemetryArgs& a) {
  std::string format = ctx.json ? "json" : a.format;
  if (format != "table" && format != "json" && format != "prometheus")
    return usage_error(fmt::format("--format {}: expected table, json or prometheus", a.format));
  std::chrono::nanoseconds period{0};
  if (a.watch) {
    if (!(*a.watch > 0)) return fail(cpo::error(cpo::Code::invalid_argument, "--watch: the period must be above 0 s"));
    period = std::chrono::nanoseconds(static_cast<std::int64_t>(*a.watch * 1e9));
  }
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  cpo::Switch& sw = **dev;
  cpo::sdk::Snapshot snap;
  const unsigned rounds = a.count ? *a.count : (a.watch ? 0u : 1u);  // 0: until interrupted
  for (unsigned n = 0; rounds == 0 || n < rounds; ++n) {
    if (n > 0) sw.sleep_for(period);
    if (auto s = sw.snapshot(snap); !s.ok()) return fail(s);
    if (format == "json") {
      // The SDK's rendering is the document (schema_version, documented keys).
      std::string doc = sw.render_json(snap, ctx.pretty);
      std::cout << doc << (doc.ends_with('\n') ? "" : "\n");
    } else if (format == "prometheus") {
      std::cout << sw.render_prometheus(snap, sw.platform().name());
    } else {
      if (n > 0) std::cout << '\n';
      print_table(sw, snap);
    }
    std::cout.flush();
  }
  return 0;
}

// ------------------------------------------------------------------------------ events

struct EventsArgs {
  bool follow = false;
  std::optional<std::size_t> count;
  std::string timeout = "0";
  std::vector<std::string> types;
};

ordered_json event_json(const cpo::Event& e) {
  return {{"type", std::string(cpo::to_string(e.type()))}, {"unit", e.unit.value()},
          {"timestamp_ns", e.timestamp.count()},           {"synthetic", e.synthetic},
          {"object", cpo::to_string(e.object())},          {"text", cpo::to_string(e)}};
}

int events(const Context& ctx, const EventsArgs& a) {
  auto timeout = parse_duration(a.timeout);
  if (!timeout) return fail(timeout.status().with_context("--timeout"));
  std::vector<cpo::EventType> types;
  for (const auto& t : a.types) {
    auto type = cpo::parse_event_type(t);
    if (!type) return fail(type.status());
    types.push_back(*type);
  }
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  cpo::Switch& sw = **dev;
  auto subscribed = ctx.session->events();
  if (!subscribed) return fail(subscribed.status());
  cpo::sdk::Subscription* sub = *subscribed;
  // Everything since the device was opened (or since the previous `events`), then, with
  // --follow, what arrives while device time passes, until --count events or --timeout.
  const std::size_t want = a.count ? *a.count : SIZE_MAX;
  std::vector<cpo::Event> got;
  auto matches = [&](const cpo::Event& e) {
    return types.empty() || std::find(types.begin(), types.end(), e.type()) != types.end();
  };
  auto drain = [&] {
    std::vector<cpo::Event> batch;
    sub->read(batch);
    for (auto& e : batch) {
      if (got.size() >= want) break;
      if (!matches(e)) continue;
      if (a.follow) {
        // Streaming: one line (one JSON document with --json) per event as it arrives.
        if (ctx.json) {
          ordered_json doc = {{"schema_version", kJsonSchemaVersion}};
          const ordered_json fields = event_json(e);
          for (const auto& [key, value] : fields.items()) doc[key] = value;
          std::cout << doc.dump() << '\n';
        } else {
          std::cout << cpo::to_string(e) << '\n';
        }
        std::cout.flush();
      }
      got.push_back(std::move(e));
    }
  };
  // The poller runs on host time: give it a moment to collect what the device queued.
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  drain();
  const auto step = std::chrono::milliseconds(100);
  std::chrono::nanoseconds waited{0};
  while (got.size() < want && waited < *timeout) {
    sw.sleep_for(step);  // device time passes (a virtual clock moves; a real one sleeps)
    waited += step;
    std::this_thread::sleep_for(std::chrono::milliseconds(15));
    drain();
    if (!a.follow && !a.count && waited >= *timeout) break;
  }
  if (!a.follow) {
    if (ctx.json) {
      ordered_json list = ordered_json::array();
      for (const auto& e : got) list.push_back(event_json(e));
      print_json(ctx, {{"device", sw.uri()}, {"dropped", sub->dropped()}, {"events", list}});
    } else {
      for (const auto& e : got) std::cout << cpo::to_string(e) << '\n';
      if (got.empty() && !ctx.quiet) std::cerr << "cpoctl: no events\n";
    }
  }
  if (a.count && got.size() < *a.count) {
    return fail(
        cpo::error(cpo::Code::timeout, fmt::format("{} of {} events within {}", got.size(), *a.count, a.timeout)));
  }
  return 0;
}

}  // namespace

void add_monitor_commands(CLI::App& app, Context& ctx) {
  auto t = std::make_shared<TelemetryArgs>();
  auto* tel =
      app.add_subcommand("telemetry", "Snapshot of every value: a table, the JSON document or Prometheus metrics");
  tel->add_option("--format", t->format, "table, json or prometheus")->capture_default_str();
  add_decimal_option(tel, "--watch", t->watch, "Repeat every SECONDS of device time until interrupted (or --count)");
  add_unsigned_option(tel, "--count", t->count, "With --watch: stop after N snapshots");
  tel->footer(examples({"cpoctl telemetry", "cpoctl telemetry --format prometheus > cpo.prom",
                        "cpoctl telemetry --format json --watch 10 --count 6"}));
  tel->callback([&ctx, t] { ctx.exit_code = telemetry(ctx, *t); });

  auto e = std::make_shared<EventsArgs>();
  auto* ev = app.add_subcommand(
      "events",
      "Events from now on (in a batch with an `events` line: since the device was opened, or since the "
      "previous `events`), optionally following");
  ev->add_flag("--follow", e->follow, "Print events as they arrive (one line or JSON document each)");
  add_unsigned_option(ev, "--count", e->count, "Stop after N events (an error when fewer arrive in time)", 0,
                      UINT32_MAX);
  ev->add_option("--timeout", e->timeout, "How long to wait, in device time (5s, 100ms)")->capture_default_str();
  ev->add_option("--type", e->types,
                 "Only these types: link_change, laser_fault, threshold_crossing, ... (repeatable)");
  ev->footer(
      examples({"cpoctl events --follow --timeout 60s", "cpoctl events --count 1 --timeout 5s --type laser_fault",
                "cpoctl -f - <<< $'sim fault laser-fail els1/1\\nevents --count 1 --timeout 2s'"}));
  ev->callback([&ctx, e] { ctx.exit_code = events(ctx, *e); });
}

}  // namespace cpoctl
