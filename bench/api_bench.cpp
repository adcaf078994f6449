// The C API and the Python bindings against the C++ facade, on the cpo144 snapshot:
// - BM_CppSnapshot: Switch::snapshot(out), storage reused (the baseline);
// - BM_CTypedSnapshot: cpo_snapshot_take into a reused handle (the C++ call plus the typed C
//   arrays of the hot values);
// - BM_CppSnapshotAndJson, BM_CTypedSnapshotAndJson: each plus the JSON rendering (everything
//   else, as text);
// - BM_PythonSnapshot: cposdk.Switch.snapshot() from Python (an embedded interpreter importing
//   the module from the build tree): the C++ call, the JSON rendering and json.loads into
//   plain dicts and lists.
// docs/performance.md gives each median over BM_CppSnapshot's.
#include <benchmark/benchmark.h>
#include <pybind11/embed.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "cpo/cpo.h"
#include "cpo/sdk/switch.h"

namespace py = pybind11;

namespace {

void BM_CppSnapshot(benchmark::State& state) {
  auto sw = cpo::Switch::open("sim://cpo144").value();
  cpo::sdk::Snapshot snap;
  for (auto _ : state) {
    if (!sw->snapshot(snap).ok()) state.SkipWithError("snapshot failed");
    benchmark::DoNotOptimize(snap.total_optics_watts);
  }
}
BENCHMARK(BM_CppSnapshot)->Unit(benchmark::kMicrosecond);

// The same plus the JSON rendering, for BM_CTypedSnapshotAndJson.
void BM_CppSnapshotAndJson(benchmark::State& state) {
  auto sw = cpo::Switch::open("sim://cpo144").value();
  cpo::sdk::Snapshot snap;
  for (auto _ : state) {
    if (!sw->snapshot(snap).ok()) state.SkipWithError("snapshot failed");
    std::string json = sw->render_json(snap);
    benchmark::DoNotOptimize(json.data());
  }
}
BENCHMARK(BM_CppSnapshotAndJson)->Unit(benchmark::kMicrosecond);

void BM_CTypedSnapshot(benchmark::State& state) {
  cpo_switch* sw = nullptr;
  cpo_snapshot* snap = nullptr;
  if (cpo_open("sim://cpo144", &sw) != CPO_OK || cpo_snapshot_new(&snap) != CPO_OK) std::abort();
  for (auto _ : state) {
    if (cpo_snapshot_take(sw, snap) != CPO_OK) state.SkipWithError("snapshot failed");
    std::size_t n = 0;
    const cpo_lane_values* lanes = cpo_snapshot_lanes(snap, &n);
    benchmark::DoNotOptimize(lanes[n - 1].pre_fec_ber);
  }
  cpo_snapshot_free(snap);
  cpo_close(sw);
}
BENCHMARK(BM_CTypedSnapshot)->Unit(benchmark::kMicrosecond);

void BM_CTypedSnapshotAndJson(benchmark::State& state) {
  cpo_switch* sw = nullptr;
  cpo_snapshot* snap = nullptr;
  if (cpo_open("sim://cpo144", &sw) != CPO_OK || cpo_snapshot_new(&snap) != CPO_OK) std::abort();
  for (auto _ : state) {
    const char* json = nullptr;
    if (cpo_snapshot_take(sw, snap) != CPO_OK || cpo_snapshot_json(sw, snap, 0, &json) != CPO_OK)
      state.SkipWithError("snapshot failed");
    benchmark::DoNotOptimize(json);
  }
  cpo_snapshot_free(snap);
  cpo_close(sw);
}
BENCHMARK(BM_CTypedSnapshotAndJson)->Unit(benchmark::kMicrosecond);

void BM_PythonSnapshot(benchmark::State& state) {
  static py::scoped_interpreter interpreter;  // one for the process (CPython cannot restart it)
  py::module_::import("sys").attr("path").attr("insert")(0, CPOSDK_PYTHON_BUILD_DIR);
  py::object sw = py::module_::import("cposdk").attr("open")("sim://cpo144");
  py::object snapshot = sw.attr("snapshot");
  for (auto _ : state) {
    py::object snap = snapshot();
    benchmark::DoNotOptimize(snap.ptr());
  }
}
BENCHMARK(BM_PythonSnapshot)->Unit(benchmark::kMicrosecond);

}  // namespace
