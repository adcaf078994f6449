// cpo/cpo.h: desired-state configuration (cpo/sdk/config.h) from a document's text.
#include <cstdlib>
#include <string>

#include "capi_internal.h"
#include "cpo/sdk/config.h"

namespace cpo::capi {
namespace {

// The document parsed, or the status listing its syntax and schema issues.
Result<sdk::Config> parse(const char* document, const char* function) {
  if (document == nullptr) return null_argument(function, "document", "the document's text (YAML or JSON)");
  sdk::ParsedConfig parsed = sdk::parse_config(document);
  if (!parsed.issues.empty()) return sdk::issues_status(parsed.issues, "document");
  return std::move(parsed.config);
}

Status give_text(const std::string& text, char** out, const char* function) {
  auto* copy = static_cast<char*>(std::malloc(text.size() + 1));  // NOLINT(cppcoreguidelines-no-malloc)
  if (copy == nullptr) return Status(Code::internal, std::string(function) + ": out of memory");
  std::memcpy(copy, text.c_str(), text.size() + 1);
  *out = copy;
  return ok_status();
}

}  // namespace
}  // namespace cpo::capi

using namespace cpo::capi;  // NOLINT(google-build-using-namespace): the C entry points below

extern "C" {

cpo_status cpo_config_validate(cpo_switch* sw, const char* document) {
  return guarded("cpo_config_validate", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_config_validate", "an open switch");
    auto config = parse(document, "cpo_config_validate");
    if (!config) return config.status();
    return cpo::sdk::issues_status(cpo::sdk::validate_config(*sw->sw, *config), "document");
  });
}

cpo_status cpo_config_plan(cpo_switch* sw, const char* document, char** plan, size_t* operations) {
  return guarded("cpo_config_plan", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_config_plan", "an open switch");
    auto config = parse(document, "cpo_config_plan");
    if (!config) return config.status();
    auto p = cpo::sdk::plan_config(*sw->sw, *config);
    if (!p) return p.status();
    std::string text;
    for (const auto& op : p->ops) text += op.to_string() + "\n";
    if (operations != nullptr) *operations = p->ops.size();
    if (plan != nullptr) return give_text(text, plan, "cpo_config_plan");
    return cpo::ok_status();
  });
}

cpo_status cpo_config_apply(cpo_switch* sw, const char* document, const char* persist_path, cpo_config_result* out) {
  return guarded("cpo_config_apply", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_config_apply", "an open switch");
    auto config = parse(document, "cpo_config_apply");
    if (!config) return config.status();
    cpo::sdk::ApplyOptions options;
    if (persist_path != nullptr) options.persist_path = persist_path;
    const cpo::sdk::ApplyReport report = cpo::sdk::apply_config(*sw->sw, *config, options);
    if (out != nullptr) {
      *out = cpo_config_result{};
      out->operations = report.plan.ops.size();
      out->applied = report.applied;
      out->rolled_back = report.rolled_back ? 1 : 0;
      out->persisted = report.persisted ? 1 : 0;
      out->device_writes = report.device_writes.value_or(0);
      out->device_time_ns = static_cast<int64_t>(report.device_time.count());
    }
    if (!report.issues.empty()) return cpo::sdk::issues_status(report.issues, "document");
    if (!report.status.ok() && report.rolled_back && !report.rollback_status.ok())
      return report.status.with_context("rollback incomplete (" + report.rollback_status.to_string() + ")");
    return report.status;
  });
}

cpo_status cpo_config_running(cpo_switch* sw, int json, char** out) {
  return guarded("cpo_config_running", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_config_running", "an open switch");
    CPO_CAPI_REQUIRE(out, "cpo_config_running", "a char* to fill");
    auto state = cpo::sdk::read_config_state(*sw->sw);
    if (!state) return state.status();
    const auto format = json != 0 ? cpo::sdk::ConfigFormat::json : cpo::sdk::ConfigFormat::yaml;
    return give_text(cpo::sdk::render_config(cpo::sdk::to_config(*state), format), out, "cpo_config_running");
  });
}

}  // extern "C"
