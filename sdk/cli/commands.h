// cpoctl's command families. Each family adds its subcommands to the app; a subcommand's
// callback stores the process exit code in `Context::exit_code`.
#pragma once

#include <CLI/CLI.hpp>

#include "output.h"

namespace cpoctl {

void add_platform_commands(CLI::App& app, Context& ctx);
void add_cmis_commands(CLI::App& app, Context& ctx);
void add_pci_commands(CLI::App& app, Context& ctx);

}  // namespace cpoctl
