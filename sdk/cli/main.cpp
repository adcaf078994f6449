// cpoctl: the bring-up engineer's command line for cposdk.
#include <iostream>

#include "commands.h"
#include "cpo/sdk/exit_codes.h"

namespace {

constexpr const char* kFooter = R"(Exit codes:
  0  success
  2  usage error (unknown command or option, missing or conflicting arguments)
  3  invalid input (unknown object, value out of range, malformed or inconsistent file)
  4  device error (the device, the driver or the operating system failed the request)
  5  refused by a laser-safety or breakout policy (nothing was changed)
Errors are printed to stderr and name what was wrong and what is allowed.)";

int run(int argc, char** argv) {
  CLI::App app("cpoctl - drive co-packaged-optics switches through cposdk", "cpoctl");
  app.footer(kFooter);
  app.require_subcommand(1);
  cpoctl::Context ctx;
  app.add_flag("--json", ctx.json, "Print results as JSON");
  cpoctl::add_platform_commands(app, ctx);
  cpoctl::add_cmis_commands(app, ctx);
  cpoctl::add_pci_commands(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return cpoctl::usage_error(e.what());
  }
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
