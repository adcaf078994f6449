// cpoctl config validate|plan|apply|rollback|show-running: desired-state configuration
// (cpo/sdk/config.h, docs/config.md).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "commands.h"
#include "cpo/sdk/config.h"

namespace cpoctl {
namespace {

using nlohmann::ordered_json;
namespace cfg = cpo::sdk;

ordered_json issues_json(const std::vector<cfg::ConfigIssue>& issues) {
  ordered_json out = ordered_json::array();
  for (const auto& i : issues)
    out.push_back({{"path", i.path}, {"code", std::string(cpo::to_string(i.code))}, {"message", i.message}});
  return out;
}

// Prints the issues to stderr and returns the exit code of the whole document.
int report_issues(const std::string& what, const std::vector<cfg::ConfigIssue>& issues) {
  return fail(cfg::issues_status(issues, what));
}

char marker(const cfg::ConfigOp& op) {
  switch (op.kind) {
    case cfg::ConfigOpKind::admin_down:
    case cfg::ConfigOpKind::laser_disable: return '-';
    case cfg::ConfigOpKind::admin_up:
    case cfg::ConfigOpKind::laser_enable: return '+';
    default: return '~';
  }
}

std::string object_name(const cpo::sdk::ObjectRef& o) {
  if (std::holds_alternative<cpo::UnitId>(o)) return "switch";
  if (std::holds_alternative<cpo::PortId>(o) || std::holds_alternative<cpo::LogicalPort>(o))
    return "port " + cpo::sdk::format_object(o);
  return cpo::sdk::format_object(o);
}

ordered_json op_json(const cfg::ConfigOp& op) {
  return {{"kind", std::string(cfg::to_string(op.kind))},
          {"object",
           std::holds_alternative<cpo::UnitId>(op.object) ? std::string("switch") : cpo::sdk::format_object(op.object)},
          {"field", op.field},
          {"from", op.from},
          {"to", op.to},
          {"source", op.source},
          // "deferred" stays for the documents' key stability: nothing waits for a reopen any more.
          {"deferred", false},
          {"device", op.touches_device()}};
}

void print_ops(const std::vector<cfg::ConfigOp>& ops) {
  Table table({"#", "", "OBJECT", "FIELD", "FROM", "TO", "SOURCE"});
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const auto& op = ops[i];
    table.add({std::to_string(i + 1), std::string(1, marker(op)), object_name(op.object), op.field, op.from, op.to,
               op.source.empty() ? "-" : op.source});
  }
  table.print();
}

struct FileArgs {
  std::string file;
  bool running = false;
  bool no_persist = false;
  std::string format = "yaml";
  double wait_s = 30.0;  // apply, rollback: how long to wait for another cpoctl's apply
};

// Applies by several cpoctl processes to one device run one at a time: an exclusive flock on
// <running configuration>.lock (the running configuration is per device), held until the
// process ends. The SDK serialises applies inside one process; this covers processes on one
// host. Errors: failed_precondition naming the lock file when another process holds it for
// longer than `wait`; io_error when the file cannot be opened.
cpo::Status lock_applies(const std::filesystem::path& running, std::chrono::milliseconds wait) {
  std::filesystem::path lock = running;
  lock += ".lock";
  // Taken once per process: later applies of a batch file already hold it (a second flock
  // through another descriptor would wait for this process itself).
  static std::set<std::filesystem::path> held;
  if (held.contains(lock)) return cpo::ok_status();
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return cpo::error(cpo::Code::io_error,
                      fmt::format("{}: cannot open the apply lock: {}", lock.string(), std::strerror(errno)));
  }
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      const int e = errno;
      ::close(fd);
      return cpo::error(cpo::Code::io_error, fmt::format("{}: flock: {}", lock.string(), std::strerror(e)));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd);
      return cpo::error(cpo::Code::failed_precondition,
                        fmt::format("another cpoctl config apply holds {} (waited {} ms; --wait SECONDS waits longer)",
                                    lock.string(), wait.count()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  held.insert(lock);
  return cpo::ok_status();  // fd stays open: the lock lasts as long as the process
}

// The document of a command: FILE, or with --running the persisted running configuration.
cfg::ParsedConfig load(const Context& ctx, const FileArgs& a, std::string& name) {
  if (a.running) {
    name = ctx.session->running_path().string();
    return cfg::load_config(ctx.session->running_path());
  }
  name = a.file == "-" ? "<stdin>" : a.file;
  return cfg::load_config(a.file);
}

int need_file(const FileArgs& a) {
  if (a.running == !a.file.empty()) return usage_error("give a configuration FILE (or - for stdin), or --running");
  return 0;
}

int validate(const Context& ctx, const FileArgs& a) {
  if (int rc = need_file(a); rc != 0) return rc;
  std::string name;
  auto doc = load(ctx, a, name);
  std::vector<cfg::ConfigIssue> issues = doc.issues;
  std::string device;
  // A document that reads well is checked against the switch and its policies too.
  if (issues.empty()) {
    auto dev = ctx.device();
    if (!dev) return fail(dev.status());
    device = (*dev)->uri();
    issues = cfg::validate_config(**dev, doc.config);
  }
  if (ctx.json) {
    print_json(ctx, {{"file", name}, {"device", device}, {"valid", issues.empty()}, {"issues", issues_json(issues)}});
  }
  if (!issues.empty()) return report_issues(name, issues);
  if (!ctx.json && !ctx.quiet) {
    std::cout << fmt::format("{}: valid for {} ({} port entr{}, {} laser entr{})\n", name, device,
                             doc.config.ports.size(), doc.config.ports.size() == 1 ? "y" : "ies",
                             doc.config.lasers.size(), doc.config.lasers.size() == 1 ? "y" : "ies");
  }
  return 0;
}

int plan(const Context& ctx, const FileArgs& a) {
  if (int rc = need_file(a); rc != 0) return rc;
  std::string name;
  auto doc = load(ctx, a, name);
  if (!doc.issues.empty()) {
    if (ctx.json) print_json(ctx, {{"file", name}, {"valid", false}, {"issues", issues_json(doc.issues)}});
    return report_issues(name, doc.issues);
  }
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  std::vector<cfg::ConfigIssue> issues;
  auto p = cfg::plan_config(**dev, doc.config, &issues);
  if (!p) {
    if (ctx.json) print_json(ctx, {{"file", name}, {"valid", false}, {"issues", issues_json(issues)}});
    return issues.empty() ? fail(p.status()) : report_issues(name, issues);
  }
  if (ctx.json) {
    ordered_json ops = ordered_json::array();
    for (const auto& op : p->ops) ops.push_back(op_json(op));
    print_json(ctx, {{"file", name},
                     {"device", (*dev)->uri()},
                     {"valid", true},
                     {"device_operations", p->device_ops()},
                     {"operations", ops}});
    return 0;
  }
  if (p->ops.empty()) {
    std::cout << fmt::format("{}: {} already runs this configuration (nothing to do)\n", name, (*dev)->uri());
    return 0;
  }
  std::cout << fmt::format("{} on {}: {} operation{} ({} on the device), in this order:\n", name, (*dev)->uri(),
                           p->ops.size(), p->ops.size() == 1 ? "" : "s", p->device_ops());
  print_ops(p->ops);
  return 0;
}

int apply(const Context& ctx, const FileArgs& a, bool rollback) {
  if (!rollback) {
    if (int rc = need_file(a); rc != 0) return rc;
  }
  std::string name;
  cfg::ParsedConfig doc;
  if (rollback) {
    name = ctx.session->previous_path().string();
    std::error_code ec;
    if (!std::filesystem::exists(ctx.session->previous_path(), ec)) {
      return fail(cpo::error(cpo::Code::not_found,
                             fmt::format("{}: no previous running configuration to roll back to (it is written by "
                                         "`config apply`)",
                                         name)));
    }
    doc = cfg::load_config(ctx.session->previous_path());
  } else {
    doc = load(ctx, a, name);
  }
  if (!doc.issues.empty()) {
    if (ctx.json) print_json(ctx, {{"file", name}, {"applied", false}, {"issues", issues_json(doc.issues)}});
    return report_issues(name, doc.issues);
  }
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  cpo::Switch& sw = **dev;

  // The running configuration before this apply becomes the one `config rollback` restores
  // (when the apply changes something).
  const auto running = ctx.session->running_path();
  {
    std::error_code ec;
    if (running.has_parent_path()) std::filesystem::create_directories(running.parent_path(), ec);
    if (!(a.wait_s >= 0 && a.wait_s <= 86400))
      return usage_error(fmt::format("--wait {}: expected 0 to 86400 seconds", a.wait_s));
    const auto wait = std::chrono::milliseconds(static_cast<std::int64_t>(a.wait_s * 1000));
    if (auto s = lock_applies(running, wait); !s.ok()) return fail(s);
  }
  const bool persist = !a.no_persist;
  std::optional<cfg::ConfigState> before;
  if (persist) {
    std::error_code ec;
    if (running.has_parent_path()) std::filesystem::create_directories(running.parent_path(), ec);
    auto state = cfg::read_config_state(sw);
    if (!state) return fail(state.status());
    before = std::move(state).value();
  }
  cfg::ApplyOptions opts;
  if (persist) opts.persist_path = running;
  Progress progress(ctx);
  opts.progress = [&](const cfg::ApplyProgress& p) {
    if (p.op == nullptr) return;
    progress.update(fmt::format("{} {}/{}: {}", p.phase == cfg::ApplyPhase::apply ? "apply" : "ROLLBACK", p.index + 1,
                                p.total, p.op->to_string()));
  };
  auto report = cfg::apply_config(sw, doc.config, opts);
  progress.finish();
  if (report.status.ok() && before && !report.plan.ops.empty()) {
    if (auto s =
            cpo::sdk::write_file_atomically(ctx.session->previous_path(), cfg::render_config(cfg::to_config(*before)));
        !s.ok()) {
      return fail(s.with_context("applied, but saving the previous configuration for `config rollback` failed"));
    }
  }
  if (ctx.json) {
    ordered_json ops = ordered_json::array();
    for (const auto& op : report.plan.ops) ops.push_back(op_json(op));
    print_json(ctx,
               {{"file", name},
                {"device", sw.uri()},
                {"ok", report.status.ok()},
                {"error", report.status.ok() ? ordered_json(nullptr) : ordered_json(report.status.to_string())},
                {"issues", issues_json(report.issues)},
                {"operations", ops},
                {"applied", report.applied},
                {"rolled_back", report.rolled_back},
                {"device_writes", report.device_writes ? ordered_json(*report.device_writes) : ordered_json(nullptr)},
                {"device_seconds", std::chrono::duration<double>(report.device_time).count()},
                {"persisted", report.persisted ? ordered_json(running.string()) : ordered_json(nullptr)}});
  }
  if (!report.issues.empty()) return report_issues(name, report.issues);
  if (!report.status.ok()) return fail(report.status);
  if (!ctx.json && !ctx.quiet) {
    std::cout << fmt::format("{}{}: {} operation{} applied and verified", rollback ? "rolled back to " : "", name,
                             report.applied, report.applied == 1 ? "" : "s");
    if (report.device_writes) std::cout << fmt::format(", {} device writes", *report.device_writes);
    std::cout << fmt::format(", {:.3f} s of device time\n", std::chrono::duration<double>(report.device_time).count());
    if (report.persisted) std::cout << fmt::format("running configuration saved to {}\n", running.string());
  }
  return 0;
}

int show_running(const Context& ctx, const FileArgs& a) {
  if (a.format != "yaml" && a.format != "json")
    return usage_error(fmt::format("--format {}: expected yaml or json", a.format));
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  auto state = cfg::read_config_state(**dev);
  if (!state) return fail(state.status());
  const cfg::Config c = cfg::to_config(*state);
  // The document carries its own schema_version: it is printed as it would be saved.
  if (ctx.json || a.format == "json") {
    std::cout << cfg::render_config(c, cfg::ConfigFormat::json, ctx.pretty);
  } else {
    std::cout << "# running configuration of " << (*dev)->uri() << "\n"
              << cfg::render_config(c, cfg::ConfigFormat::yaml);
  }
  return 0;
}

}  // namespace

void add_config_commands(CLI::App& app, Context& ctx) {
  auto* config = app.add_subcommand("config", "Desired-state configuration: validate, plan, apply, roll back");
  config->require_subcommand(1);

  auto v = std::make_shared<FileArgs>();
  auto* val = config->add_subcommand("validate", "Check a document against the schema, the platform and the policies");
  val->add_option("FILE", v->file, "YAML or JSON document (- reads stdin)");
  val->add_flag("--running", v->running, "The persisted running configuration instead of FILE");
  val->footer(examples({"cpoctl config validate switch.yaml", "cpoctl --json config validate switch.json"}));
  val->callback([&ctx, v] { ctx.exit_code = validate(ctx, *v); });

  auto p = std::make_shared<FileArgs>();
  auto* pl = config->add_subcommand("plan", "The ordered operations that would take the switch to the document");
  pl->add_option("FILE", p->file, "YAML or JSON document (- reads stdin)");
  pl->add_flag("--running", p->running, "The persisted running configuration instead of FILE");
  pl->footer(examples({"cpoctl config plan switch.yaml", "cpoctl --json config plan switch.yaml"}));
  pl->callback([&ctx, p] { ctx.exit_code = plan(ctx, *p); });

  auto ap = std::make_shared<FileArgs>();
  auto* apc = config->add_subcommand(
      "apply", "Apply a document through the policies, verify by read-back, roll back on any failure, persist");
  apc->add_option("FILE", ap->file, "YAML or JSON document (- reads stdin)");
  apc->add_flag("--running", ap->running, "Re-apply the persisted running configuration (after a restart)");
  apc->add_flag("--no-persist", ap->no_persist, "Do not save the running configuration");
  apc->add_option("--wait", ap->wait_s, "Seconds to wait for another cpoctl's apply to this device (default 30)");
  apc->footer(examples({"cpoctl config apply switch.yaml", "cpoctl config apply --running",
                        "cpoctl --running-config /var/lib/cposdk/sw1.yaml config apply switch.yaml"}));
  apc->callback([&ctx, ap] { ctx.exit_code = apply(ctx, *ap, false); });

  auto rb = std::make_shared<FileArgs>();
  auto* rbc = config->add_subcommand("rollback", "Return to the running configuration before the last `config apply`");
  rbc->add_option("--wait", rb->wait_s, "Seconds to wait for another cpoctl's apply to this device (default 30)");
  rbc->footer(examples({"cpoctl config rollback"}));
  rbc->callback([&ctx, rb] { ctx.exit_code = apply(ctx, *rb, true); });

  auto sr = std::make_shared<FileArgs>();
  auto* src =
      config->add_subcommand("show-running", "The running state as a complete document (applying it changes nothing)");
  src->add_option("--format", sr->format, "yaml or json")->capture_default_str();
  src->footer(examples({"cpoctl config show-running > running.yaml", "cpoctl config show-running --format json"}));
  src->callback([&ctx, sr] { ctx.exit_code = show_running(ctx, *sr); });
}

}  // namespace cpoctl
