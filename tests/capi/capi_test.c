/* The C API from a C11 program, the way a NOS agent in C uses it: every call family against
 * the simulator (sim://cpo144 by default, or the URI in argv[1]), with refusals, the fiber
 * check, a hot-swap, typed snapshots and events through poll(). Built with
 * -std=c11 -Wall -Wextra -Werror -pedantic; run by ctest (CApi.ProgramOnSimulator) and, from an
 * installed prefix, by tests/install/run.sh. Prints one line per failed check and exits 1. */
#define _POSIX_C_SOURCE 200809L

#include <cpo/cpo.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int checks = 0;
static int failures = 0;

#define CHECK(cond)                                                                                              \
  do {                                                                                                           \
    ++checks;                                                                                                    \
    if (!(cond)) {                                                                                               \
      ++failures;                                                                                                \
      fprintf(stderr, "%s:%d: CHECK(%s) failed; last error: %s\n", __FILE__, __LINE__, #cond, cpo_last_error()); \
    }                                                                                                            \
  } while (0)

/* A call expected to return `code`. */
#define EXPECT_CODE(call, code)                                                                          \
  do {                                                                                                   \
    cpo_status got_ = (call);                                                                            \
    ++checks;                                                                                            \
    if (got_ != (code)) {                                                                                \
      ++failures;                                                                                        \
      fprintf(stderr, "%s:%d: %s returned %s, expected %s; last error: %s\n", __FILE__, __LINE__, #call, \
              cpo_status_name(got_), cpo_status_name(code), cpo_last_error());                           \
    }                                                                                                    \
  } while (0)
#define EXPECT_OK(call) EXPECT_CODE(call, CPO_OK)

static int contains(const char* text, const char* part) { return text != NULL && strstr(text, part) != NULL; }

/* ------------------------------------------------------------------------------ codes */

static void test_versions_and_codes(void) {
  static const char* const names[] = {
      "ok",          "invalid_argument", "out_of_range", "not_found", "already_exists", "failed_precondition",
      "unsupported", "safety_refused",   "device_error", "timeout",   "device_gone",    "io_error",
      "internal"};
  static const int exits[] = {0, 3, 3, 3, 3, 3, 3, 5, 4, 4, 4, 4, 4};
  int code;
  CHECK(cpo_abi_version() == CPO_ABI_VERSION);
  CHECK(strlen(cpo_version()) >= 5);
  for (code = CPO_OK; code <= CPO_ERR_INTERNAL; ++code) {
    CHECK(strcmp(cpo_status_name(code), names[code]) == 0);
    CHECK(cpo_exit_code(code) == exits[code]);
  }
  CHECK(strcmp(cpo_status_name(13), "unknown") == 0);
  CHECK(strcmp(cpo_status_name(-1), "unknown") == 0);
  CHECK(cpo_exit_code(99) == 4);
}

/* ------------------------------------------------------------------------------- open */

static cpo_switch* test_open(const char* uri) {
  cpo_switch* sw = (cpo_switch*)1;
  cpo_platform_info info;
  EXPECT_CODE(cpo_open("sim://cpo144?colour=red", &sw), CPO_ERR_INVALID_ARGUMENT);
  CHECK(sw == NULL);
  CHECK(contains(cpo_last_error(), "colour"));
  CHECK(cpo_last_error_code() == CPO_ERR_INVALID_ARGUMENT);
  EXPECT_CODE(cpo_open(NULL, &sw), CPO_ERR_INVALID_ARGUMENT);
  CHECK(contains(cpo_last_error(), "uri is NULL"));
  EXPECT_CODE(cpo_open("sim://nosuchprofile", &sw), CPO_ERR_NOT_FOUND);

  EXPECT_OK(cpo_open(uri, &sw));
  if (sw == NULL) return NULL;
  EXPECT_OK(cpo_platform(sw, &info));
  CHECK(strcmp(info.name, "cpo144") == 0);
  CHECK(strcmp(info.uri, uri) == 0);
  CHECK(info.ports == 144 && info.lanes == 576 && info.units == 4);
  CHECK(info.els == 18 && info.lasers == 144 && info.oes == 24);
  CHECK(info.port_speed_gbps == 800 && info.lanes_per_bank == 8);
  CHECK(info.simulated == 1);
  CHECK(info.breakout_modes >= 3);
  CHECK(strcmp(cpo_breakout_mode_name(sw, 0), "1x800G") == 0 || contains(cpo_breakout_mode_name(sw, 0), "1x800G"));
  CHECK(cpo_breakout_mode_name(sw, info.breakout_modes) == NULL);
  CHECK(cpo_last_error_code() == CPO_ERR_OUT_OF_RANGE);
  EXPECT_CODE(cpo_platform(sw, NULL), CPO_ERR_INVALID_ARGUMENT);
  return sw;
}

/* ---------------------------------------------------------------------------- objects */

static void test_objects(cpo_switch* sw) {
  cpo_object o;
  cpo_object list[4];
  size_t count = 0;
  char name[16];
  cpo_object sub = {CPO_OBJECT_SUBPORT, 59, 2};
  cpo_object bad = {(cpo_object_kind)42, 0, 0};
  cpo_lane_info lane;
  uint32_t lanes[8];

  EXPECT_OK(cpo_resolve(sw, "Ethernet236", &o));
  CHECK(o.kind == CPO_OBJECT_PORT && o.id == 59);
  EXPECT_OK(cpo_resolve(sw, "els7/3", &o));
  CHECK(o.kind == CPO_OBJECT_LASER && o.id == 7 && o.sub == 3);
  EXPECT_OK(cpo_resolve(sw, "oe5/bank1", &o));
  CHECK(o.kind == CPO_OBJECT_BANK && o.id == 5 && o.sub == 1);
  EXPECT_CODE(cpo_resolve(sw, "els7/9", &o), CPO_ERR_OUT_OF_RANGE);
  CHECK(contains(cpo_last_error(), "els 7 laser 9"));
  EXPECT_CODE(cpo_resolve(sw, "bogus!", &o), CPO_ERR_INVALID_ARGUMENT);

  EXPECT_OK(cpo_resolve_list(sw, "0-15,20", list, 4, &count));
  CHECK(count == 17);
  CHECK(list[3].kind == CPO_OBJECT_PORT && list[3].id == 3);
  EXPECT_OK(cpo_resolve_list(sw, "els7/0-3", NULL, 0, &count));
  CHECK(count == 4);
  EXPECT_CODE(cpo_resolve_list(sw, "1,1", list, 4, &count), CPO_ERR_INVALID_ARGUMENT);

  EXPECT_OK(cpo_object_format(&sub, name, sizeof name));
  CHECK(strcmp(name, "59/2") == 0);
  strcpy(name, "untouched");
  EXPECT_CODE(cpo_object_format(&sub, name, 4), CPO_ERR_OUT_OF_RANGE);
  CHECK(strcmp(name, "untouched") == 0);
  EXPECT_CODE(cpo_object_format(&bad, name, sizeof name), CPO_ERR_INVALID_ARGUMENT);

  EXPECT_OK(cpo_lane_info_get(sw, 236, &lane));
  CHECK(lane.port == 59 && lane.index_in_port == 0 && lane.laser.els == 7 && lane.laser.index == 3);
  EXPECT_CODE(cpo_lane_info_get(sw, 576, &lane), CPO_ERR_OUT_OF_RANGE);
  EXPECT_OK(cpo_port_lanes(sw, 59, lanes, 8, &count));
  CHECK(count == 4 && lanes[0] == 236 && lanes[3] == 239);
}

/* ------------------------------------------------------------------- ports, breakout, lanes */

static void test_ports(cpo_switch* sw) {
  cpo_port_values p;
  cpo_breakout_result r;
  cpo_breakout_group groups[2];
  cpo_lane_values lane;
  cpo_prbs_status prbs;

  EXPECT_OK(cpo_port_show(sw, 9, &p));
  CHECK(p.port == 9 && p.unit == 0 && p.subports == 1 && p.subport_speed_gbps == 800);
  EXPECT_OK(cpo_port_set_admin(sw, 9, CPO_ADMIN_UP));
  EXPECT_OK(cpo_port_show(sw, 9, &p));
  CHECK(p.admin_mask == 1);
  EXPECT_CODE(cpo_port_set_admin(sw, 9, (cpo_admin_state)7), CPO_ERR_INVALID_ARGUMENT);
  CHECK(contains(cpo_last_error(), "allowed: 0 down, 1 up"));
  EXPECT_CODE(cpo_port_show(sw, 200, &p), CPO_ERR_OUT_OF_RANGE);
  CHECK(contains(cpo_last_error(), "port 200"));
  EXPECT_CODE(cpo_port_show(sw, 9, NULL), CPO_ERR_INVALID_ARGUMENT);
  EXPECT_OK(cpo_port_set_fec(sw, 10, CPO_FEC_RS544));
  EXPECT_OK(cpo_port_show(sw, 10, &p));
  CHECK(p.fec == CPO_FEC_RS544);
  EXPECT_CODE(cpo_port_set_fec(sw, 10, (cpo_fec_mode)9), CPO_ERR_INVALID_ARGUMENT);

  /* The bulk call: two groups, one validated request. */
  groups[0].port = 0;
  groups[0].mode = "4x200G";
  groups[1].port = 1;
  groups[1].mode = "2x400G";
  EXPECT_OK(cpo_breakout(sw, groups, 2, 1, &r));
  CHECK(r.applied == 0 && r.created == 6 && r.removed == 2);
  EXPECT_OK(cpo_port_show(sw, 0, &p));
  CHECK(p.subports == 1); /* the dry run changed nothing */
  EXPECT_OK(cpo_breakout(sw, groups, 2, 0, &r));
  CHECK(r.applied == 1 && r.changed == 2 && r.created == 6 && r.removed == 2);
  EXPECT_OK(cpo_port_show(sw, 0, &p));
  CHECK(p.subports == 4 && strcmp(cpo_breakout_mode_name(sw, p.breakout), "4x200G") == 0);
  EXPECT_OK(cpo_subport_set_admin(sw, (cpo_logical_port){0, 3}, CPO_ADMIN_UP));
  EXPECT_OK(cpo_port_show(sw, 0, &p));
  CHECK(p.admin_mask == 8);
  EXPECT_CODE(cpo_subport_set_admin(sw, (cpo_logical_port){0, 4}, CPO_ADMIN_UP), CPO_ERR_OUT_OF_RANGE);
  groups[1].mode = "banana";
  EXPECT_CODE(cpo_breakout(sw, groups, 2, 0, &r), CPO_ERR_INVALID_ARGUMENT);
  CHECK(contains(cpo_last_error(), "groups[1].mode"));
  groups[1].mode = "3x100G";
  EXPECT_CODE(cpo_breakout(sw, groups, 2, 0, &r), CPO_ERR_UNSUPPORTED);
  CHECK(contains(cpo_last_error(), "allowed: 1x800G"));
  groups[1].mode = NULL;
  EXPECT_CODE(cpo_breakout(sw, groups, 2, 0, &r), CPO_ERR_INVALID_ARGUMENT);
  EXPECT_CODE(cpo_breakout_ports(sw, "0-1,200", "1x800G", 0, &r), CPO_ERR_OUT_OF_RANGE);
  EXPECT_OK(cpo_port_show(sw, 0, &p));
  CHECK(p.subports == 4); /* refused whole: nothing changed */
  EXPECT_OK(cpo_breakout_ports(sw, "0-1", "1x800G", 0, NULL));
  EXPECT_OK(cpo_port_show(sw, 1, &p));
  CHECK(p.subports == 1);

  EXPECT_OK(cpo_lane_show(sw, 100, &lane));
  CHECK(lane.lane == 100 && lane.pre_fec_ber >= 0.0 && lane.pre_fec_ber <= 0.5);
  EXPECT_OK(cpo_lane_set_prbs(sw, 100, CPO_PRBS31Q, 1, 1));
  EXPECT_OK(cpo_lane_prbs(sw, 100, &prbs));
  CHECK(prbs.pattern == CPO_PRBS31Q && prbs.generator == 1 && prbs.checker == 1);
  EXPECT_OK(cpo_lane_set_prbs(sw, 100, CPO_PRBS31Q, 0, 0));
  EXPECT_CODE(cpo_lane_set_prbs(sw, 100, (cpo_prbs_pattern)99, 1, 1), CPO_ERR_INVALID_ARGUMENT);
  CHECK(contains(cpo_last_error(), "6 prbs31q"));
  EXPECT_OK(cpo_lane_set_tx_fir(sw, 100, -2, 40, -4));
  EXPECT_OK(cpo_lane_show(sw, 100, &lane));
  CHECK(lane.tx_fir_pre == -2 && lane.tx_fir_main == 40 && lane.tx_fir_post == -4);
  EXPECT_CODE(cpo_lane_set_tx_fir(sw, 100, -2, 4000, -4), CPO_ERR_OUT_OF_RANGE);
}

/* ----------------------------------------------------------------------------- lasers */

typedef struct {
  int steps;
  int cancel_at;
  double last_mw;
} progress_log;

static int on_progress(const cpo_laser_progress* p, void* user) {
  progress_log* log = (progress_log*)user;
  ++log->steps;
  log->last_mw = p->setpoint_mw;
  return log->cancel_at != 0 && log->steps >= log->cancel_at;
}

static void test_lasers(cpo_switch* sw) {
  const cpo_laser laser = {7, 3}; /* lights port 59 */
  cpo_laser_limits limits;
  cpo_laser_status st;
  cpo_ramp_options ramp;
  cpo_enable_options on;
  cpo_fiber_check check;
  progress_log log = {0, 0, 0.0};
  uint64_t writes_before = 0, writes_after = 0;
  cpo_object els7 = {CPO_OBJECT_LASER, 7, 3};
  cpo_logical_port impacted[8];
  size_t count = 0;

  EXPECT_OK(cpo_laser_get_limits(sw, laser, &limits));
  CHECK(limits.max_allowed_mw > limits.min_power_mw && limits.min_power_mw > 0.0);
  CHECK(limits.max_ramp_db_per_s == 10.0 && limits.max_step_db == 1.0);
  EXPECT_OK(cpo_laser_get_status(sw, laser, &st));
  CHECK(st.state == CPO_LASER_ON && st.enabled == 1 && st.fiber_checked == 1 && st.lanes == 4);
  EXPECT_CODE(cpo_laser_get_status(sw, (cpo_laser){7, 9}, &st), CPO_ERR_OUT_OF_RANGE);

  /* A ramp with progress: 2 dB at most 1 dB a step. */
  memset(&ramp, 0, sizeof ramp);
  ramp.progress = on_progress;
  ramp.user = &log;
  EXPECT_OK(cpo_laser_set_power_dbm(sw, laser, 18.0, &ramp));
  CHECK(log.steps >= 2);
  CHECK(fabs(10.0 * log10(log.last_mw) - 18.0) < 0.01);

  /* Refused, never clamped, and nothing written. */
  EXPECT_OK(cpo_sim_device_writes(sw, &writes_before));
  EXPECT_CODE(cpo_laser_set_power(sw, laser, limits.max_allowed_mw + 10.0, NULL), CPO_ERR_SAFETY_REFUSED);
  CHECK(contains(cpo_last_error(), "els 7 laser 3"));
  CHECK(cpo_exit_code(cpo_last_error_code()) == 5);
  ramp.ramp_db_per_s = 50.0;
  EXPECT_CODE(cpo_laser_set_power_dbm(sw, laser, 17.0, &ramp), CPO_ERR_SAFETY_REFUSED);
  EXPECT_OK(cpo_sim_device_writes(sw, &writes_after));
  CHECK(writes_after == writes_before);
  EXPECT_CODE(cpo_laser_set_power(sw, laser, NAN, NULL), CPO_ERR_INVALID_ARGUMENT);
  EXPECT_CODE(cpo_laser_set_power(sw, laser, -1.0, NULL), CPO_ERR_INVALID_ARGUMENT);
  ramp.ramp_db_per_s = -1.0;
  EXPECT_CODE(cpo_laser_set_power_dbm(sw, laser, 17.0, &ramp), CPO_ERR_INVALID_ARGUMENT);
  EXPECT_CODE(cpo_laser_set_control_mode(sw, laser, (cpo_control_mode)5), CPO_ERR_INVALID_ARGUMENT);

  /* Cancelled from the progress callback: stays at the step reached. */
  ramp.ramp_db_per_s = 0.0;
  log.steps = 0;
  log.cancel_at = 1;
  EXPECT_CODE(cpo_laser_set_power_dbm(sw, laser, 15.0, &ramp), CPO_ERR_FAILED_PRECONDITION);
  CHECK(contains(cpo_last_error(), "cancelled"));
  CHECK(log.steps == 1);
  EXPECT_OK(cpo_laser_get_status(sw, laser, &st));
  CHECK(10.0 * log10(st.power_setpoint_mw) > 15.5 && 10.0 * log10(st.power_setpoint_mw) < 17.99);

  /* Disabling a laser that lights admin-up ports is refused, listing them. */
  EXPECT_OK(cpo_impacted_ports(sw, &els7, impacted, 8, &count));
  CHECK(count == 1 && impacted[0].port == 59);
  EXPECT_OK(cpo_port_set_admin(sw, 59, CPO_ADMIN_UP));
  EXPECT_CODE(cpo_laser_disable(sw, laser, 0), CPO_ERR_SAFETY_REFUSED);
  CHECK(contains(cpo_last_error(), "59"));
  EXPECT_OK(cpo_port_set_admin(sw, 59, CPO_ADMIN_DOWN));
  EXPECT_OK(cpo_laser_disable(sw, laser, 0));
  EXPECT_OK(cpo_laser_get_status(sw, laser, &st));
  CHECK(st.enabled == 0);

  /* On again through the fiber check. */
  memset(&on, 0, sizeof on);
  on.power_mw = 50.0;
  EXPECT_OK(cpo_laser_enable(sw, laser, &on, &check));
  CHECK(check.verdict == CPO_FIBER_OK && check.loss_db > 1.0 && check.loss_db < 2.0);
  CHECK(check.laser.els == 7 && check.laser.index == 3 && check.allowed_db == 3.0);
  EXPECT_OK(cpo_laser_get_status(sw, laser, &st));
  CHECK(st.enabled == 1 && fabs(st.power_setpoint_mw - 50.0) < 0.01);

  /* A dirty connector: the check fails and the laser stays off. */
  EXPECT_OK(cpo_sim_set_laser_fiber_loss(sw, laser, 5.0));
  EXPECT_OK(cpo_laser_disable(sw, laser, 0));
  EXPECT_CODE(cpo_laser_enable(sw, laser, NULL, &check), CPO_ERR_SAFETY_REFUSED);
  EXPECT_OK(cpo_laser_get_status(sw, laser, &st));
  CHECK(st.enabled == 0);
  EXPECT_OK(cpo_sim_set_laser_fiber_loss(sw, laser, 1.5));
  EXPECT_OK(cpo_laser_enable(sw, laser, &on, NULL));

  /* An open interlock: the ELS says so, the laser is off, enabling is refused. */
  cpo_els_values els;
  EXPECT_OK(cpo_sim_open_interlock(sw, 7));
  EXPECT_CODE(cpo_sim_open_interlock(sw, 7), CPO_ERR_FAILED_PRECONDITION);
  EXPECT_OK(cpo_els_show(sw, 7, &els));
  CHECK(els.faults == CPO_ELS_FAULT_INTERLOCK_OPEN);
  EXPECT_OK(cpo_laser_get_status(sw, laser, &st));
  CHECK(st.state == CPO_LASER_OFF && st.fault == CPO_LASER_FAULT_INTERLOCK_OPEN);
  EXPECT_CODE(cpo_laser_enable(sw, laser, NULL, NULL), CPO_ERR_SAFETY_REFUSED);
  CHECK(contains(cpo_last_error(), "els 7 interlock open"));
  EXPECT_OK(cpo_sim_close_interlock(sw, 7));
  EXPECT_OK(cpo_els_show(sw, 7, &els));
  CHECK(els.faults == 0);
  EXPECT_OK(cpo_laser_enable(sw, laser, &on, &check));
  CHECK(check.verdict == CPO_FIBER_OK);
}

/* --------------------------------------------------------------------------- hot-swap */

typedef struct {
  cpo_switch* sw;
  int steps_done;
  int removed, inserted;
} technician;

static int on_swap(const cpo_swap_progress* p, void* user) {
  technician* t = (technician*)user;
  if (p->done) ++t->steps_done;
  if (!p->done && p->step == CPO_SWAP_WAIT_REMOVAL) t->removed = cpo_sim_remove_els(t->sw, p->els) == CPO_OK;
  if (!p->done && p->step == CPO_SWAP_WAIT_INSERTION) t->inserted = cpo_sim_insert_els(t->sw, p->els) == CPO_OK;
  return 0;
}

static void test_hot_swap(cpo_switch* sw) {
  cpo_hot_swap_options options;
  cpo_hot_swap_report report;
  technician t = {NULL, 0, 0, 0};
  t.sw = sw;
  memset(&options, 0, sizeof options);
  options.progress = on_swap;
  options.user = &t;
  EXPECT_OK(cpo_els_hot_swap(sw, 2, &options, &report));
  CHECK(t.removed && t.inserted && t.steps_done == 8);
  CHECK(report.els == 2 && report.lasers_lit == 1 && report.fiber_check_count == 8);
  CHECK(report.fiber_checks[0].verdict == CPO_FIBER_OK && report.failure[0] == '\0');
  EXPECT_CODE(cpo_els_hot_swap(sw, 99, NULL, NULL), CPO_ERR_OUT_OF_RANGE);
}

/* --------------------------------------------------------------------------- telemetry */

static void test_snapshot(cpo_switch* sw) {
  cpo_snapshot* snap = NULL;
  cpo_snapshot_summary s;
  size_t n = 0;
  const cpo_port_values* ports;
  const cpo_lane_values* lanes;
  const cpo_laser_values* lasers;
  const cpo_logical_port_values* lps;
  const cpo_energy_values* energy;
  const cpo_els_values* els;
  cpo_oe_values oe;
  cpo_els_values one_els;
  const char* json = NULL;
  const char* metrics = NULL;
  int pass;

  EXPECT_OK(cpo_snapshot_new(&snap));
  for (pass = 0; pass < 2; ++pass) { /* the second take reuses the storage */
    EXPECT_OK(cpo_snapshot_take(sw, snap));
    EXPECT_OK(cpo_snapshot_summary_get(snap, &s));
    CHECK(s.schema_version == 1 && strcmp(s.platform, "cpo144") == 0);
    CHECK(s.units == 4 && s.ports == 144 && s.lanes == 576 && s.oes == 24 && s.els == 18 && s.lasers == 144);
    CHECK(s.logical_ports == 144 && s.energy == 144 && s.total_optics_w > 0.0);
  }
  ports = cpo_snapshot_ports(snap, &n);
  CHECK(n == 144 && ports[59].port == 59 && ports[59].unit == 1 && ports[9].admin_mask == 1);
  CHECK(ports[10].fec == CPO_FEC_RS544);
  lanes = cpo_snapshot_lanes(snap, &n);
  CHECK(n == 576 && lanes[100].lane == 100 && lanes[100].tx_fir_main == 40);
  lasers = cpo_snapshot_lasers(snap, &n);
  CHECK(n == 144 && lasers[59].laser.els == 7 && lasers[59].laser.index == 3);
  CHECK((lasers[59].flags & CPO_LASER_FLAG_ENABLED) != 0 && fabs(lasers[59].power_setpoint_mw - 50.0) < 0.01);
  lps = cpo_snapshot_logical_ports(snap, &n);
  CHECK(n == 144 && strcmp(lps[59].name, "Ethernet236") == 0 && lps[59].lane_count == 4);
  energy = cpo_snapshot_energy(snap, &n);
  CHECK(n == 144 && energy[0].power_w > 0.0 &&
        fabs(energy[0].power_w - energy[0].laser_power_w - energy[0].oe_power_w) < 1e-6);
  els = cpo_snapshot_els(snap, &n);
  CHECK(n == 18 && els[7].els == 7 && els[7].present == 1);
  CHECK(cpo_snapshot_units(snap, &n) != NULL && n == 4);
  CHECK(cpo_snapshot_oes(snap, &n) != NULL && n == 24);
  CHECK(cpo_snapshot_ports(NULL, &n) == NULL && n == 0);

  EXPECT_OK(cpo_snapshot_json(sw, snap, 0, &json));
  CHECK(strncmp(json, "{\"schema_version\":1,\"platform\":\"cpo144\"", 39) == 0);
  CHECK(contains(json, "\"name\":\"Ethernet236\""));
  EXPECT_OK(cpo_snapshot_prometheus(sw, snap, "sw1", &metrics));
  CHECK(contains(metrics, "cpo_switch_info{switch=\"sw1\""));
  cpo_snapshot_free(snap);

  EXPECT_OK(cpo_oe_show(sw, 5, &oe));
  CHECK(oe.oe == 5 && oe.unit == 0 && oe.module_state == CPO_MODULE_READY && oe.power_mw > 0.0);
  EXPECT_OK(cpo_els_show(sw, 7, &one_els));
  CHECK(one_els.els == 7 && one_els.present == 1 && one_els.supply_current_ma > 0.0);
  EXPECT_CODE(cpo_oe_show(sw, 24, &oe), CPO_ERR_OUT_OF_RANGE);
}

/* ------------------------------------------------------------------------------ events */

static void test_events(cpo_switch* sw) {
  cpo_subscription* sub = NULL;
  cpo_event_filter filter;
  cpo_event events[64];
  char text[256];
  size_t n = 0, i;
  int saw_fault = 0, saw_down = 0, rounds;
  struct pollfd pfd;

  memset(&filter, 0, sizeof filter);
  filter.types = 1u << 20;
  EXPECT_CODE(cpo_subscribe(sw, &filter, &sub), CPO_ERR_INVALID_ARGUMENT);
  filter.types = CPO_EVENT_MASK(CPO_EVENT_LINK_CHANGE) | CPO_EVENT_MASK(CPO_EVENT_LASER_FAULT);
  filter.objects = "els99";
  EXPECT_CODE(cpo_subscribe(sw, &filter, &sub), CPO_ERR_OUT_OF_RANGE);
  CHECK(sub == NULL);
  filter.objects = "els1,9";
  EXPECT_OK(cpo_subscribe(sw, &filter, &sub));
  CHECK(cpo_subscription_fd(sub) >= 0);

  /* Port 9 (lit by els1/1) came up earlier; its laser dies. */
  EXPECT_OK(cpo_sleep_ns(sw, 3000000000LL));
  {
    cpo_port_values p;
    EXPECT_OK(cpo_port_show(sw, 9, &p));
    CHECK(p.oper_mask == 1);
  }
  EXPECT_OK(cpo_sim_fail_laser(sw, (cpo_laser){1, 1}));
  EXPECT_OK(cpo_sleep_ns(sw, 200000000LL));
  pfd.fd = cpo_subscription_fd(sub);
  pfd.events = POLLIN;
  for (rounds = 0; rounds < 40 && !(saw_fault && saw_down); ++rounds) {
    if (poll(&pfd, 1, 100) <= 0) continue;
    EXPECT_OK(cpo_subscription_read(sub, events, 64, &n));
    for (i = 0; i < n; ++i) {
      EXPECT_OK(cpo_event_format(&events[i], text, sizeof text));
      if (events[i].type == CPO_EVENT_LASER_FAULT) {
        saw_fault = events[i].laser_fault.laser.els == 1 && events[i].laser_fault.laser.index == 1;
        CHECK(contains(text, "laser_fault"));
      }
      if (events[i].type == CPO_EVENT_LINK_CHANGE && events[i].link_change.port.port == 9 &&
          events[i].link_change.state == CPO_OPER_DOWN) {
        saw_down = 1;
        CHECK(events[i].link_change.cause == CPO_CAUSE_LASER_FAULT);
        CHECK(events[i].object.kind == CPO_OBJECT_SUBPORT && events[i].object.id == 9);
        CHECK(strcmp(cpo_link_cause_name(events[i].link_change.cause), "laser_fault") == 0);
        CHECK(contains(text, "port 9/0 down"));
      }
    }
  }
  CHECK(saw_fault);
  CHECK(saw_down);
  CHECK(cpo_subscription_dropped(sub) == 0);
  EXPECT_OK(cpo_subscription_read(sub, events, 64, &n));
  EXPECT_CODE(cpo_event_format(&events[0], text, 4), CPO_ERR_OUT_OF_RANGE);
  events[0].type = (cpo_event_type)77;
  EXPECT_CODE(cpo_event_format(&events[0], text, sizeof text), CPO_ERR_INVALID_ARGUMENT);
  CHECK(strcmp(cpo_event_type_name(CPO_EVENT_ELS_SWAP), "els_swap") == 0);
  CHECK(strcmp(cpo_event_type_name(77), "unknown") == 0);
  CHECK(strcmp(cpo_laser_state_name(CPO_LASER_FAULT), "fault") == 0);
  CHECK(strcmp(cpo_swap_step_name(CPO_SWAP_FIBER_CHECK), "fiber_check") == 0);
  cpo_subscription_free(sub);
  EXPECT_OK(cpo_sim_repair_laser(sw, (cpo_laser){1, 1}));
}

/* ------------------------------------------------------------------------------ config */

static void test_config(cpo_switch* sw) {
  const char* doc = "schema_version: 1\nports:\n  - port: 20-21\n    fec: none\n";
  const char* bad = "schema_version: 1\nports:\n  - port: 200\n    fec: rs528\n";
  char* plan = NULL;
  char* running = NULL;
  size_t ops = 0;
  cpo_config_result result;
  cpo_port_values p;

  EXPECT_OK(cpo_config_validate(sw, doc));
  EXPECT_CODE(cpo_config_validate(sw, bad), CPO_ERR_OUT_OF_RANGE);
  CHECK(contains(cpo_last_error(), "ports[0]"));
  EXPECT_CODE(cpo_config_validate(sw, NULL), CPO_ERR_INVALID_ARGUMENT);
  EXPECT_CODE(cpo_config_validate(sw, "ports: [unclosed"), CPO_ERR_INVALID_ARGUMENT);

  EXPECT_OK(cpo_config_plan(sw, doc, &plan, &ops));
  CHECK(ops == 2 && contains(plan, "port 20: fec rs544 -> none"));
  cpo_free(plan);
  EXPECT_OK(cpo_port_show(sw, 20, &p));
  CHECK(p.fec == CPO_FEC_RS544); /* planning changed nothing */

  EXPECT_OK(cpo_config_apply(sw, doc, NULL, &result));
  CHECK(result.operations == 2 && result.applied == 2 && result.rolled_back == 0 && result.device_writes > 0);
  EXPECT_OK(cpo_port_show(sw, 21, &p));
  CHECK(p.fec == CPO_FEC_NONE);
  EXPECT_OK(cpo_config_apply(sw, doc, NULL, &result)); /* already running it: no write */
  CHECK(result.operations == 0 && result.device_writes == 0);
  EXPECT_CODE(cpo_config_apply(sw, bad, NULL, &result), CPO_ERR_OUT_OF_RANGE);
  CHECK(result.applied == 0);

  EXPECT_OK(cpo_config_running(sw, 1, &running));
  CHECK(running != NULL && running[0] == '{' && contains(running, "\"none\""));
  cpo_free(running);
}

/* ------------------------------------------------------------------------- last error */

static void* other_thread(void* arg) {
  cpo_switch* sw = (cpo_switch*)arg;
  cpo_port_values p;
  int* ok = (int*)malloc(sizeof(int));
  *ok = cpo_last_error_code() == CPO_OK && cpo_last_error()[0] == '\0' &&
        cpo_port_show(sw, 300, &p) == CPO_ERR_OUT_OF_RANGE && contains(cpo_last_error(), "port 300");
  return ok;
}

static void test_last_error_per_thread(cpo_switch* sw) {
  pthread_t t;
  void* result = NULL;
  cpo_lane_values lane;
  EXPECT_CODE(cpo_lane_show(sw, 9999, &lane), CPO_ERR_OUT_OF_RANGE);
  CHECK(pthread_create(&t, NULL, other_thread, sw) == 0);
  CHECK(pthread_join(t, &result) == 0);
  CHECK(result != NULL && *(int*)result == 1);
  free(result);
  CHECK(contains(cpo_last_error(), "lane 9999")); /* this thread's own */
  EXPECT_OK(cpo_port_set_admin(sw, 9, CPO_ADMIN_UP));
  CHECK(contains(cpo_last_error(), "lane 9999")); /* success leaves it */
}

int main(int argc, char** argv) {
  const char* uri = argc > 1 ? argv[1] : "sim://cpo144";
  cpo_switch* sw;
  test_versions_and_codes();
  sw = test_open(uri);
  if (sw == NULL) {
    fprintf(stderr, "cannot open %s: %s\n", uri, cpo_last_error());
    return 1;
  }
  test_objects(sw);
  test_ports(sw);
  test_lasers(sw);
  test_hot_swap(sw);
  test_snapshot(sw);
  test_events(sw);
  test_config(sw);
  test_last_error_per_thread(sw);
  EXPECT_CODE(cpo_sim_fail_laser(NULL, (cpo_laser){0, 0}), CPO_ERR_INVALID_ARGUMENT);
  cpo_close(sw);
  cpo_close(NULL);
  cpo_snapshot_free(NULL);
  cpo_subscription_free(NULL);
  cpo_free(NULL);
  printf("capi_test: %d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
