#include "output.h"

#include <iostream>

#include "cpo/sdk/exit_codes.h"

namespace cpoctl {

int fail(const cpo::Status& status) {
  std::cerr << "cpoctl: " << status.to_string() << '\n';
  return static_cast<int>(cpo::sdk::exit_code_for(status.code()));
}

int usage_error(const std::string& message) {
  std::cerr << "cpoctl: usage: " << message << "\nRun with --help for more information.\n";
  return static_cast<int>(cpo::sdk::ExitCode::usage);
}

void print_json(const nlohmann::ordered_json& doc) { std::cout << doc.dump(2) << '\n'; }

}  // namespace cpoctl
