// cpoctl: the bring-up engineer's command line for cposdk.
//
//   cpoctl [--device URI] [--json [--pretty]] [-q] [--log-level L] COMMAND ...
//   cpoctl [--device URI] -f FILE|- [--keep-going]      one command per line, one open device
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "commands.h"
#include "cpo/sdk/exit_codes.h"
#include "cpo/sdk/input_file.h"
#include "cpo/sdk/log.h"
#include "cpo/sdk/switch.h"

#ifndef CPOSDK_VERSION
#define CPOSDK_VERSION "unknown"
#endif

namespace {

// The URI forms come from the SDK's scheme table, so --help lists every scheme and parameter
// Switch::open accepts; the lines after them say what the parameters mean.
std::string devices_help() {
  std::string text = "Devices (--device, default $CPO_DEVICE, else sim://cpo144; docs/sdk.md \"Opening a switch\"):\n";
  for (const auto& form : cpo::sdk::uri_forms()) text += fmt::format("  {}\n", form);
  text += fmt::format(
      "  PROFILE: {} (built in), or a profile file's path\n"
      "  sim://, simd://, pci:// (the reference driver):\n"
      "    snapshot=on|off        telemetry through the device's status snapshot channel (on, the default) or\n"
      "                           always by registers (off)\n"
      "    command_timeout_ms=N   the shortest command deadline, 1..60000 ms (default 20); widen it for slow\n"
      "                           hardware or a real-time simulator on a loaded host\n",
      fmt::join(cpo::Platform::builtin_names(), ", "));
  return text;
}

constexpr const char* kFooter =
    R"(Objects: ports 59, Ethernet236, etp60; sub-ports 59/2; lanes lane148; optical engines oe5, banks
oe5/bank1; ELS els7; lasers els7/3; lists and ranges 0-15,20 and els7/0-3.

Batch: `cpoctl -f FILE` (or `-f -` for stdin) runs one command per line on one open device; `#`
starts a comment; the first failing line stops the run (--keep-going continues) and is named
with its line number and exit code.

Exit codes:
  0  success
  2  usage error (unknown command or option, missing or conflicting arguments)
  3  invalid input (unknown object, value out of range, malformed or inconsistent file)
  4  device error (the device, the driver or the operating system failed the request)
  5  refused by a laser-safety or breakout policy (nothing was changed)
Errors are printed to stderr and name what was wrong and what is allowed.)";

struct TopLevel {
  std::string batch_file;
  bool keep_going = false;
  std::string log_level;  // as given to --log-level (applied while parsing)
};

// The app for one command line. `top` is null for a line of a batch file: the options that
// choose the device or start a batch belong to the cpoctl invocation, not to a line.
void build(CLI::App& app, cpoctl::Context& ctx, cpoctl::Globals* globals, TopLevel* top) {
  app.footer(devices_help() + kFooter);
  app.require_subcommand(top != nullptr ? 0 : 1, 1);
  app.fallthrough();
  app.add_flag("--json", ctx.json, "Print results as one compact JSON document (with schema_version)");
  app.add_flag("--pretty", ctx.pretty, "Indent JSON output");
  app.add_flag("-q,--quiet", ctx.quiet, "No progress display; only errors are logged");
  if (globals != nullptr && top != nullptr) {
    app.add_option("--device", globals->device, "Device URI (default $CPO_DEVICE, else sim://cpo144)");
    app.add_option("--running-config", globals->running_config,
                   "Where the running configuration is persisted (default $CPO_RUNNING_CONFIG, else "
                   "$XDG_STATE_HOME/cposdk/running-<device>.yaml)");
    // Applied as soon as it is parsed, before any command runs; same syntax as CPO_LOG_LEVEL.
    app.add_option_function<std::string>(
           "--log-level",
           [top](const std::string& spec) {
             if (auto s = cpo::log::set_levels(spec); !s.ok()) throw CLI::ValidationError("--log-level", s.message());
             top->log_level = spec;
           },
           "SDK log levels on stderr: LEVEL or LOGGER=LEVEL,... (cpo.ref=debug,info); default $CPO_LOG_LEVEL, "
           "else warn. Levels: trace debug info warn error critical off; loggers: cpo.hal cpo.sdk cpo.pci "
           "cpo.ref cpo.simd")
        ->type_name("SPEC");
    app.add_option("-f,--file", top->batch_file, "Run the commands of FILE (one per line; - reads stdin)");
    app.add_flag("--keep-going", top->keep_going, "In a batch, continue after a failing line");
    app.set_version_flag("--version", std::string("cpoctl ") + CPOSDK_VERSION + " (cposdk)");
  }
  cpoctl::add_platform_commands(app, ctx);
  cpoctl::add_port_commands(app, ctx);
  cpoctl::add_optics_commands(app, ctx);
  cpoctl::add_cmis_commands(app, ctx);
  cpoctl::add_monitor_commands(app, ctx);
  cpoctl::add_config_commands(app, ctx);
  cpoctl::add_sim_commands(app, ctx);
  cpoctl::add_pci_commands(app, ctx);
  cpoctl::add_hostif_commands(app, ctx);
}

// CLI11 reports help and version requests as exceptions; returns the exit code, or -1 when
// parsing succeeded.
int parse(CLI::App& app, std::vector<std::string> args) {
  std::reverse(args.begin(), args.end());  // CLI11 takes the vector back to front
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const cpoctl::InvalidOptionValue& e) {
    return cpoctl::fail(e.status());
  } catch (const CLI::ParseError& e) {
    return cpoctl::usage_error(e.what());
  }
  return -1;
}

// Splits a batch line like a shell would for plain words: blanks separate, '...' and "..."
// quote, a backslash escapes the next character, '#' at the start of a word starts a comment.
cpo::Result<std::vector<std::string>> split_line(const std::string& line) {
  std::vector<std::string> out;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < line.size()) {
        word += line[++i];
      } else {
        word += c;
      }
      continue;
    }
    if (c == '#' && !in_word) break;
    if (c == ' ' || c == '\t' || c == '\r') {
      if (in_word) out.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
    } else {
      word += c;
    }
  }
  if (quote != 0) return cpo::error(cpo::Code::invalid_argument, fmt::format("unterminated {} quote", quote));
  if (in_word) out.push_back(std::move(word));
  return out;
}

int run_batch(cpoctl::Session& session, cpoctl::Globals& batch_globals, const TopLevel& top) {
  auto read = cpo::read_input_file(top.batch_file, "batch file");
  if (!read) return cpoctl::fail(read.status());
  const std::string& text = *read;
  const std::string name = top.batch_file == "-" ? "<stdin>" : top.batch_file;
  {
    // A batch that reads events keeps them from the start (see Globals::events_from_open).
    std::istringstream scan(text);
    std::string l;
    while (std::getline(scan, l)) {
      auto w = split_line(l);
      if (w && !w->empty() && ((*w)[0] == "events" || (w->size() > 1 && (*w)[0] == "cpoctl" && (*w)[1] == "events")))
        batch_globals.events_from_open = true;
    }
  }
  std::istringstream lines(text);
  std::string line;
  int first_failure = 0;
  for (std::size_t n = 1; std::getline(lines, line); ++n) {
    auto words = split_line(line);
    int rc = 0;
    if (!words) {
      rc = cpoctl::usage_error(fmt::format("{}:{}: {}", name, n, words.status().message()));
    } else if (words->empty()) {
      continue;
    } else {
      if ((*words)[0] == "cpoctl") words->erase(words->begin());  // pasted from a shell
      CLI::App app("cpoctl - one line of a batch file", "cpoctl");
      cpoctl::Context ctx;
      ctx.session = &session;
      ctx.json = session.globals().json;
      ctx.pretty = session.globals().pretty;
      ctx.quiet = session.globals().quiet;
      build(app, ctx, nullptr, nullptr);
      rc = parse(app, *words);
      if (rc < 0) rc = ctx.exit_code;
    }
    if (rc != 0) {
      std::cerr << fmt::format("cpoctl: {}:{}: `{}` failed with exit code {}\n", cpoctl::printable(name), n,
                               cpoctl::printable(line), rc);
      if (first_failure == 0) first_failure = rc;
      if (!top.keep_going) return rc;
    }
  }
  return first_failure;
}

int run(int argc, char** argv) {
  cpoctl::Globals globals;
  if (const char* env = std::getenv("CPO_DEVICE"); env != nullptr && *env != '\0') {
    globals.device = env;
  } else {
    globals.device = "sim://cpo144";
  }
  if (const char* env = std::getenv("CPO_RUNNING_CONFIG"); env != nullptr && *env != '\0') globals.running_config = env;
  TopLevel top;
  // The session reads the global options when a command first opens the device, after the
  // whole command line was parsed.
  cpoctl::Session session(&globals);
  CLI::App app("cpoctl - drive co-packaged-optics switches through cposdk", "cpoctl");
  cpoctl::Context ctx;
  ctx.session = &session;
  build(app, ctx, &globals, &top);
  // --log-level and -q take effect before any command runs (they are parsed first).
  app.parse_complete_callback([&] {
    globals.log_level = top.log_level;
    globals.json = ctx.json;
    globals.pretty = ctx.pretty;
    globals.quiet = ctx.quiet;
  });
  // Commands run as CLI11 callbacks during this parse.
  int rc = parse(app, std::vector<std::string>(argv + 1, argv + argc));
  if (rc >= 0) return rc;
  if (!top.batch_file.empty()) {
    if (!app.get_subcommands().empty()) return cpoctl::usage_error("-f runs a batch file: give no command with it");
    return run_batch(session, globals, top);
  }
  if (app.get_subcommands().empty()) return cpoctl::usage_error("a command is required (or -f FILE)");
  return ctx.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  // cposdk reports through Status; an exception here is a bug or an allocation failure.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "cpoctl: internal: " << e.what() << '\n';
    return static_cast<int>(cpo::sdk::exit_code_for(cpo::Code::internal));
  }
}
