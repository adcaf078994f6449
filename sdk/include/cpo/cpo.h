/* cpo/cpo.h: the C API of cposdk (libcposdk_c, pkg-config cposdk-c, CMake cposdk::c).
 *
 *   cpo_switch* sw = NULL;
 *   if (cpo_open("sim://cpo144", &sw) != CPO_OK) {
 *     fprintf(stderr, "%s\n", cpo_last_error());
 *     return cpo_exit_code(cpo_last_error_code());
 *   }
 *   cpo_breakout_ports(sw, "0-15", "4x200G", 0, NULL);
 *   cpo_close(sw);
 *
 * The same switch as the C++ facade cpo::Switch (cpo/sdk/switch.h, docs/sdk.md) and the same
 * policies: the laser-safety and breakout rules refuse before writing anything. docs/c-api.md
 * has the guide. The header is C11 (anonymous unions in cpo_event) and C++ compatible.
 *
 * Errors: every function that can fail returns a cpo_status: CPO_OK (0) or the code of
 * cpo/hal/status.h with the same number (CPO_ERR_SAFETY_REFUSED is cpo::Code::safety_refused,
 * 7). cpo_exit_code() maps a code to the process exit code cpoctl uses (0, 3, 4, 5).
 * A failed call stores its message, naming the object and what is allowed, for
 * cpo_last_error() on the calling thread, and changes nothing: a bad argument (a NULL
 * pointer, an enum value outside its list, a NaN power) is refused with
 * CPO_ERR_INVALID_ARGUMENT before the switch is touched. No C++ exception ever leaves the
 * library (an unexpected one is CPO_ERR_INTERNAL).
 *
 * Units are in the names: _mw milliwatts, _dbm dBm, _ma milliamps, _c degrees Celsius, _v
 * volts, _w watts, _db decibels, _gbps Gb/s, _ns nanoseconds of the device clock, _ms
 * milliseconds of the device clock. Ids are zero-based, switch-wide for units, ports, lanes,
 * OEs and ELS modules; a laser is its ELS and its index in the ELS, a sub-port its port and
 * its index, a bank its OE and its index.
 *
 * Thread safety: a cpo_switch may be used from any number of threads at once (it is the
 * thread-safe cpo::Switch). A cpo_snapshot or a cpo_subscription is used by one thread at a
 * time. Callbacks (ramp and hot-swap progress) run on the calling thread, without any SDK lock
 * held. cpo_last_error() is per thread.
 *
 * Memory: handles are opaque and freed by their own function (cpo_close, cpo_snapshot_free,
 * cpo_subscription_free; each accepts NULL). Strings the library allocates (JSON, metrics) are
 * freed with cpo_free. `const char*` results owned by a handle say how long they stay valid.
 */
#ifndef CPO_CPO_H
#define CPO_CPO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque handles. */
typedef struct cpo_switch cpo_switch;             /* an open switch (cpo_open) */
typedef struct cpo_snapshot cpo_snapshot;         /* a telemetry snapshot (cpo_snapshot_new) */
typedef struct cpo_subscription cpo_subscription; /* an event subscription (cpo_subscribe) */

/* ------------------------------------------------------------------------------ versions */

/* Bumped on every incompatible change of this header; the shared library's SONAME carries it
 * (libcposdk_c.so.2) and so does the symbol version (CPOSDK_C_2); the build reads it from here.
 * Compare with cpo_abi_version() at run time. docs/c-api.md, "ABI history", says what each
 * version changed. */
#define CPO_ABI_VERSION 2

/* The library's version, "0.1.0" (the project version). Thread-safe; never NULL. */
const char* cpo_version(void);
/* The ABI version the library was built with (CPO_ABI_VERSION of its header). */
int cpo_abi_version(void);

/* ------------------------------------------------------------------------------- errors */

/* The numbers of cpo::Code (cpo/hal/status.h), whose comments say which code means what. */
typedef enum cpo_status {
  CPO_OK = 0,
  CPO_ERR_INVALID_ARGUMENT = 1,    /* malformed input: NULL pointer, unknown name, bad enum value */
  CPO_ERR_OUT_OF_RANGE = 2,        /* a number or id outside the allowed range; a buffer too small */
  CPO_ERR_NOT_FOUND = 3,           /* a named thing does not exist (profile, device, SONiC name) */
  CPO_ERR_ALREADY_EXISTS = 4,      /* creating something that is there already */
  CPO_ERR_FAILED_PRECONDITION = 5, /* the object is in the wrong state (laser busy, ELS absent) */
  CPO_ERR_UNSUPPORTED = 6,         /* the backend or profile lacks the capability */
  CPO_ERR_SAFETY_REFUSED = 7,      /* a laser-safety or breakout policy refused; nothing changed */
  CPO_ERR_DEVICE_ERROR = 8,        /* the device answered with an error */
  CPO_ERR_TIMEOUT = 9,             /* the device did not answer in time */
  CPO_ERR_DEVICE_GONE = 10,        /* the device disappeared; later calls fail the same way */
  CPO_ERR_IO_ERROR = 11,           /* the operating system refused */
  CPO_ERR_INTERNAL = 12,           /* a cposdk bug; please report it */
  CPO_STATUS_MAX_ENUM = 0x7fffffff /* keeps the enum int-sized; not a value */
} cpo_status;

/* snake_case name of a code, as cposdk prints it ("safety_refused"); "unknown" for a number
 * that is not a cpo_status. Thread-safe. */
const char* cpo_status_name(int code);
/* The process exit code cpoctl and the samples use for a code: 0 ok, 3 invalid input
 * (invalid_argument, out_of_range, not_found, already_exists, failed_precondition,
 * unsupported), 4 device error (device_error, timeout, device_gone, io_error, internal, and any
 * unknown number), 5 refused by policy (safety_refused). Thread-safe. */
int cpo_exit_code(int code);
/* "safety_refused: els 7 laser 3: power 130.00 mW ... is above ..." for the last failed call
 * of this thread; "" when none failed yet. Successful calls leave it as it was. Valid until
 * the thread's next failing call. */
const char* cpo_last_error(void);
/* The code of that call; CPO_OK when none failed yet. */
cpo_status cpo_last_error_code(void);

/* Frees a string the library allocated for the caller (cpo_config_plan, cpo_config_running).
 * NULL is ignored. */
void cpo_free(void* pointer);

/* --------------------------------------------------------------------------------- enums */

typedef enum cpo_admin_state {
  CPO_ADMIN_DOWN = 0,
  CPO_ADMIN_UP = 1,
  CPO_ADMIN_STATE_MAX_ENUM = 0x7fffffff /* keeps the enum int-sized; not a value */
} cpo_admin_state;
typedef enum cpo_oper_state {
  CPO_OPER_DOWN = 0,
  CPO_OPER_UP = 1,
  CPO_OPER_STATE_MAX_ENUM = 0x7fffffff /* keeps the enum int-sized; not a value */
} cpo_oper_state;
typedef enum cpo_fec_mode {
  CPO_FEC_NONE = 0,
  CPO_FEC_FC = 1,
  CPO_FEC_RS528 = 2,
  CPO_FEC_RS544 = 3,
  CPO_FEC_MODE_MAX_ENUM = 0x7fffffff /* keeps the enum int-sized; not a value */
} cpo_fec_mode;
typedef enum cpo_loopback {
  CPO_LOOPBACK_NONE = 0,
  CPO_LOOPBACK_PHY_NEAR_END = 1,
  CPO_LOOPBACK_PHY_FAR_END = 2,
  CPO_LOOPBACK_MAX_ENUM = 0x7fffffff /* keeps the enum int-sized; not a value */
} cpo_loopback;
typedef enum cpo_prbs_pattern {
  CPO_PRBS7 = 0,
  CPO_PRBS9 = 1,
  CPO_PRBS13Q = 2,
  CPO_PRBS15 = 3,
  CPO_PRBS23 = 4,
  CPO_PRBS31 = 5,
  CPO_PRBS31Q = 6,
  CPO_PRBS_PATTERN_MAX_ENUM = 0x7fffffff /* keeps the enum int-sized; not a value */
} cpo_prbs_pattern;
/* Why a link went down last (cpo::LinkCause). */
typedef enum cpo_link_cause {
  CPO_CAUSE_NONE = 0,
  CPO_CAUSE_ADMIN_DOWN = 1,
  CPO_CAUSE_RX_LOS = 2,
  CPO_CAUSE_HIGH_BER = 3,
  CPO_CAUSE_LASER_FAULT = 4,
  CPO_CAUSE_OE_FAULT = 5,
  CPO_CAUSE_THERMAL_SHUTDOWN = 6,
  CPO_CAUSE_RECONFIGURED = 7,
  CPO_CAUSE_PRBS = 8,
  CPO_CAUSE_UNIT_RESET = 9,
  CPO_CAUSE_DATA_PATH_INACTIVE = 10,
  CPO_CAUSE_ELS_REMOVED = 11,
  CPO_LINK_CAUSE_MAX_ENUM = 0x7fffffff /* keeps the enum int-sized; not a value */
} cpo_link_cause;
typedef enum cpo_laser_state {
  CPO_LASER_OFF = 0,
  CPO_LASER_RAMPING = 1,
  CPO_LASER_ON = 2,
  CPO_LASER_FAULT = 3,
  CPO_LASER_ABSENT = 4,
  CPO_LASER_STATE_MAX_ENUM = 0x7fffffff /* keeps the enum int-sized; not a value */
} cpo_laser_state;
/* Why a laser is not lit (cpo::LaserFaultCode). */
typedef enum cpo_laser_fault {
  CPO_LASER_FAULT_NONE = 0,
  CPO_LASER_FAULT_APC_LOOP = 1,
  CPO_LASER_FAULT_ACC_LOOP = 2,
  CPO_LASER_FAULT_THERMAL_SHUTDOWN = 3,
  CPO_LASER_FAULT_REMOVED = 4,
  CPO_LASER_FAULT_VENDOR = 5,
  CPO_LASER_FAULT_INTERLOCK_OPEN = 6,   /* its ELS's laser-safety interlock is open */
  CPO_LASER_FAULT_MAX_ENUM = 0x7fffffff /* keeps the enum int-sized; not a value */
} cpo_laser_fault;
/* ELS bank control mode, ELSFP page 1Ah byte 140 bit 0 (the same numbers). */
typedef enum cpo_control_mode {
  CPO_CONTROL_ACC = 0,
  CPO_CONTROL_APC = 1,
  CPO_CONTROL_MODE_MAX_ENUM = 0x7fffffff /* keeps the enum int-sized; not a value */
} cpo_control_mode;
/* CMIS module state, lower page byte 3 (the CMIS numbers). */
typedef enum cpo_module_state {
  CPO_MODULE_RESERVED = 0,
  CPO_MODULE_LOW_POWER = 1,
  CPO_MODULE_POWER_UP = 2,
  CPO_MODULE_READY = 3,
  CPO_MODULE_POWER_DOWN = 4,
  CPO_MODULE_FAULT = 5,
  CPO_MODULE_STATE_MAX_ENUM = 0x7fffffff /* keeps the enum int-sized; not a value */
} cpo_module_state;
/* CMIS data path state, page 11h (the CMIS numbers). */
typedef enum cpo_data_path_state {
  CPO_DATA_PATH_RESERVED = 0,
  CPO_DATA_PATH_DEACTIVATED = 1,
  CPO_DATA_PATH_INIT = 2,
  CPO_DATA_PATH_DEINIT = 3,
  CPO_DATA_PATH_ACTIVATED = 4,
  CPO_DATA_PATH_TX_TURN_ON = 5,
  CPO_DATA_PATH_TX_TURN_OFF = 6,
  CPO_DATA_PATH_INITIALIZED = 7,
  CPO_DATA_PATH_STATE_MAX_ENUM = 0x7fffffff /* keeps the enum int-sized; not a value */
} cpo_data_path_state;
typedef enum cpo_fiber_verdict {
  CPO_FIBER_OK = 0,
  CPO_FIBER_NO_LIGHT = 1,
  CPO_FIBER_EXCESS_LOSS = 2,
  CPO_FIBER_INTERLOCK_OPEN = 3,           /* the ELS's laser-safety interlock is open: nothing was lit */
  CPO_FIBER_VERDICT_MAX_ENUM = 0x7fffffff /* keeps the enum int-sized; not a value */
} cpo_fiber_verdict;
typedef enum cpo_laser_phase {
  CPO_PHASE_FIBER_CHECK = 0,
  CPO_PHASE_RAMP = 1,
  CPO_PHASE_DONE = 2,
  CPO_LASER_PHASE_MAX_ENUM = 0x7fffffff /* keeps the enum int-sized; not a value */
} cpo_laser_phase;
/* The steps of an ELS hot-swap, in order (cpo::SwapStep). */
typedef enum cpo_swap_step {
  CPO_SWAP_DEINIT_DATA_PATHS = 0,
  CPO_SWAP_LASERS_OFF = 1,
  CPO_SWAP_WAIT_REMOVAL = 2,
  CPO_SWAP_WAIT_INSERTION = 3,
  CPO_SWAP_FIBER_CHECK = 4,
  CPO_SWAP_RAMP = 5,
  CPO_SWAP_REINIT_DATA_PATHS = 6,
  CPO_SWAP_RESTORE_ADMIN = 7,
  CPO_SWAP_STEP_MAX_ENUM = 0x7fffffff /* keeps the enum int-sized; not a value */
} cpo_swap_step;
/* What a threshold watches (cpo::Measure), with the unit of the crossing's value. */
typedef enum cpo_measure {
  CPO_MEASURE_TEMPERATURE = 0,      /* degC */
  CPO_MEASURE_VCC = 1,              /* V */
  CPO_MEASURE_TX_POWER = 2,         /* mW */
  CPO_MEASURE_RX_POWER = 3,         /* mW */
  CPO_MEASURE_LASER_POWER = 4,      /* mW */
  CPO_MEASURE_LASER_BIAS = 5,       /* mA */
  CPO_MEASURE_PRE_FEC_BER = 6,      /* ratio */
  CPO_MEASURE_SNR = 7,              /* dB */
  CPO_MEASURE_MAX_ENUM = 0x7fffffff /* keeps the enum int-sized; not a value */
} cpo_measure;
typedef enum cpo_threshold_level {
  CPO_THRESHOLD_WARNING = 0,
  CPO_THRESHOLD_ALARM = 1,
  CPO_THRESHOLD_LEVEL_MAX_ENUM = 0x7fffffff /* keeps the enum int-sized; not a value */
} cpo_threshold_level;
typedef enum cpo_threshold_bound {
  CPO_THRESHOLD_HIGH = 0,
  CPO_THRESHOLD_LOW = 1,
  CPO_THRESHOLD_BOUND_MAX_ENUM = 0x7fffffff /* keeps the enum int-sized; not a value */
} cpo_threshold_bound;

/* Flag words: bit n is the n-th flag of its list (the order of cpo/hal/telemetry.h). */
#define CPO_PORT_FAULT_RX_LOS (1u << 0)
#define CPO_PORT_FAULT_HIGH_BER (1u << 1)
#define CPO_PORT_FAULT_LASER_FAULT (1u << 2)
#define CPO_PORT_FAULT_OE_FAULT (1u << 3)
#define CPO_PORT_FAULT_THERMAL_SHUTDOWN (1u << 4)
#define CPO_PORT_FAULT_TRAINING (1u << 5)
#define CPO_PORT_FAULT_DATA_PATH_INACTIVE (1u << 6)

#define CPO_MODULE_TEMP_HIGH_ALARM (1u << 0)
#define CPO_MODULE_TEMP_LOW_ALARM (1u << 1)
#define CPO_MODULE_TEMP_HIGH_WARNING (1u << 2)
#define CPO_MODULE_TEMP_LOW_WARNING (1u << 3)
#define CPO_MODULE_VCC_HIGH_ALARM (1u << 4)
#define CPO_MODULE_VCC_LOW_ALARM (1u << 5)
#define CPO_MODULE_VCC_HIGH_WARNING (1u << 6)
#define CPO_MODULE_VCC_LOW_WARNING (1u << 7)

#define CPO_OE_FAULT_MODULE_FAULT (1u << 0)
#define CPO_OE_FAULT_THERMAL_SHUTDOWN (1u << 1)
#define CPO_OE_FAULT_NO_LIGHT (1u << 2)

#define CPO_LASER_FLAG_ENABLED (1u << 0)
#define CPO_LASER_FLAG_POWER_HIGH_ALARM (1u << 1)
#define CPO_LASER_FLAG_POWER_LOW_ALARM (1u << 2)
#define CPO_LASER_FLAG_BIAS_HIGH_ALARM (1u << 3)
#define CPO_LASER_FLAG_BIAS_HIGH_WARNING (1u << 4)
#define CPO_LASER_FLAG_TEMP_HIGH_ALARM (1u << 5)

#define CPO_UNIT_FLAG_READY (1u << 0)
#define CPO_UNIT_FLAG_RESETTING (1u << 1)
#define CPO_UNIT_FLAG_THERMAL_SHUTDOWN (1u << 2)

#define CPO_ELS_FAULT_INTERLOCK_OPEN (1u << 0)

/* ------------------------------------------------------------------------------ objects */

typedef enum cpo_object_kind {
  CPO_OBJECT_NONE = 0,
  CPO_OBJECT_UNIT = 1,                  /* id: unit */
  CPO_OBJECT_PORT = 2,                  /* id: port (every sub-port) */
  CPO_OBJECT_SUBPORT = 3,               /* id: port, sub: sub-port */
  CPO_OBJECT_LANE = 4,                  /* id: lane */
  CPO_OBJECT_OE = 5,                    /* id: optical engine */
  CPO_OBJECT_BANK = 6,                  /* id: optical engine, sub: CMIS bank */
  CPO_OBJECT_ELS = 7,                   /* id: ELS module */
  CPO_OBJECT_LASER = 8,                 /* id: ELS module, sub: laser within it */
  CPO_OBJECT_KIND_MAX_ENUM = 0x7fffffff /* keeps the enum int-sized; not a value */
} cpo_object_kind;

/* Anything an event, a threshold or a name refers to. */
typedef struct cpo_object {
  cpo_object_kind kind;
  uint32_t id;
  uint32_t sub;
} cpo_object;

typedef struct cpo_laser {
  uint32_t els;
  uint32_t index; /* laser within the ELS */
} cpo_laser;

typedef struct cpo_logical_port {
  uint32_t port;
  uint32_t subport;
} cpo_logical_port;

/* Parses what users type, against the switch's platform and current breakout: ports "59",
 * "Ethernet236", "etp60"; sub-ports "59/2"; "lane148", "oe5", "oe5/bank1", "els7", "els7/3",
 * "unit2" (docs/sdk.md, "Naming objects"). Errors: CPO_ERR_INVALID_ARGUMENT naming the text and
 * the accepted forms, CPO_ERR_OUT_OF_RANGE naming the valid range, CPO_ERR_NOT_FOUND for a
 * SONiC name or alias of nothing; the device's error when reading the breakout fails.
 * Thread-safe. */
cpo_status cpo_resolve(cpo_switch* sw, const char* text, cpo_object* out);
/* A list with ranges ("0-15,20", "els7/0-3"). Writes at most `capacity` objects to `out` (NULL
 * with capacity 0 asks for the count) and the number the list holds to `*count`; the list is
 * complete when *count <= capacity. Errors as cpo_resolve, and duplicates are refused. */
cpo_status cpo_resolve_list(cpo_switch* sw, const char* text, cpo_object* out, size_t capacity, size_t* count);
/* The canonical name of an object ("59/2", "lane148", "els7/3") into `buffer` with its NUL.
 * Errors: CPO_ERR_INVALID_ARGUMENT for a kind outside the list or CPO_OBJECT_NONE,
 * CPO_ERR_OUT_OF_RANGE when `capacity` is too small (the message says how much is needed; the
 * buffer is untouched). Thread-safe (no switch needed: ids are not checked). */
cpo_status cpo_object_format(const cpo_object* object, char* buffer, size_t capacity);

/* ---------------------------------------------------------------------- open and platform */

/* Opens the switch `uri` names: "sim://cpo144[?seed=N&clock=virtual|real]",
 * "sim:///path/profile.json", "pci://BDF[,BDF...][?profile=NAME]" (docs/sdk.md, "Opening a
 * switch"). On success *out is the handle; on failure it is left NULL. Errors:
 * CPO_ERR_INVALID_ARGUMENT for a malformed URI or an unknown scheme or parameter (listing the
 * accepted forms), CPO_ERR_NOT_FOUND for a profile or device, the transport's and driver's
 * errors. Thread-safe. */
cpo_status cpo_open(const char* uri, cpo_switch** out);
/* Closes the switch. Subscriptions still open keep the switch alive until they are freed;
 * snapshots are independent of it. NULL is ignored. Not while another thread uses `sw`. */
void cpo_close(cpo_switch* sw);

typedef struct cpo_platform_info {
  const char* name; /* profile name ("cpo144"), owned by the switch */
  const char* uri;  /* the URI it was opened with, owned by the switch */
  uint32_t units, ports, lanes, oes, banks, els, lasers;
  uint32_t port_speed_gbps;
  uint32_t lane_rate_gbps;
  uint32_t lanes_per_bank;
  uint32_t breakout_modes;     /* how many; cpo_breakout_mode_name names them, 0 the default */
  double laser_class_limit_mw; /* the profile's per-laser limit; 0 when it sets none */
  uint8_t simulated;           /* 1: the cpo_sim_* calls work on this switch */
} cpo_platform_info;

/* The platform's shape. Errors: CPO_ERR_INVALID_ARGUMENT for a NULL argument. Thread-safe. */
cpo_status cpo_platform(const cpo_switch* sw, cpo_platform_info* out);
/* The SONiC spelling of breakout mode `index` ("4x200G"), owned by the switch; NULL (and the
 * last error set) for an index outside 0..breakout_modes-1. Thread-safe. */
const char* cpo_breakout_mode_name(const cpo_switch* sw, uint32_t index);

typedef struct cpo_lane_info {
  uint32_t lane, port, index_in_port, unit, oe, bank, index_in_bank;
  cpo_laser laser; /* the laser lighting it */
} cpo_lane_info;

/* Where a lane sits. Errors: CPO_ERR_OUT_OF_RANGE naming the lane and the range. Thread-safe. */
cpo_status cpo_lane_info_get(const cpo_switch* sw, uint32_t lane, cpo_lane_info* out);
/* The lanes of a port in port order (count protocol of cpo_resolve_list). Errors:
 * CPO_ERR_OUT_OF_RANGE for the port. Thread-safe. */
cpo_status cpo_port_lanes(const cpo_switch* sw, uint32_t port, uint32_t* out, size_t capacity, size_t* count);
/* The logical ports that lose light when `object` (a CPO_OBJECT_LASER, _ELS or _OE) fails,
 * under the current breakout, sorted (count protocol of cpo_resolve_list). Errors:
 * CPO_ERR_INVALID_ARGUMENT for another kind, CPO_ERR_OUT_OF_RANGE for an unknown id. */
cpo_status cpo_impacted_ports(cpo_switch* sw, const cpo_object* object, cpo_logical_port* out, size_t capacity,
                              size_t* count);

/* --------------------------------------------------------------------------------- ports */

typedef struct cpo_port_values {
  uint32_t port, unit;
  uint32_t subports;           /* equal sub-ports of the current breakout */
  uint32_t breakout;           /* the current mode: cpo_breakout_mode_name(sw, breakout) */
  uint32_t subport_speed_gbps; /* configured speed of each sub-port */
  uint32_t admin_mask;         /* bit s: sub-port s admin up */
  uint32_t oper_mask;          /* bit s: sub-port s link up */
  cpo_fec_mode fec;
  cpo_loopback loopback;
  uint32_t faults; /* CPO_PORT_FAULT_* */
  cpo_link_cause down_cause;
  uint64_t link_downs, link_ups;           /* transitions since reset */
  uint64_t fec_corrected, fec_uncorrected; /* codewords, sum over the port's lanes */
} cpo_port_values;

/* One port's state and counters, read from the device. Errors: CPO_ERR_OUT_OF_RANGE naming
 * the port; the device's errors. Thread-safe. */
cpo_status cpo_port_show(cpo_switch* sw, uint32_t port, cpo_port_values* out);
/* Admin state of a whole port (every sub-port). Errors: CPO_ERR_INVALID_ARGUMENT for a state
 * outside CPO_ADMIN_DOWN/UP, CPO_ERR_OUT_OF_RANGE for the port; the device's errors. */
cpo_status cpo_port_set_admin(cpo_switch* sw, uint32_t port, cpo_admin_state state);
/* Admin state of one sub-port under the current breakout. Errors as cpo_port_set_admin, and
 * CPO_ERR_OUT_OF_RANGE for a sub-port the breakout does not have. */
cpo_status cpo_subport_set_admin(cpo_switch* sw, cpo_logical_port port, cpo_admin_state state);
/* FEC mode of a port. Errors: CPO_ERR_INVALID_ARGUMENT for a mode outside the enum,
 * CPO_ERR_UNSUPPORTED for one the backend lacks, CPO_ERR_OUT_OF_RANGE for the port. */
cpo_status cpo_port_set_fec(cpo_switch* sw, uint32_t port, cpo_fec_mode fec);

/* ------------------------------------------------------------------------------ breakout */

typedef struct cpo_breakout_group {
  uint32_t port;
  const char* mode; /* SONiC spelling: "1x800G", "1x800G[400G]", "2x400G", "4x200G" */
} cpo_breakout_group;

typedef struct cpo_breakout_result {
  uint32_t changed; /* groups whose mode changed (groups already in their mode are skipped) */
  uint32_t created; /* logical ports that now exist */
  uint32_t removed; /* logical ports that no longer exist */
  uint8_t applied;  /* 0 for a dry run */
} cpo_breakout_result;

/* Applies many breakout groups in one call, with the policy of docs/sdk.md ("Breakout"): the
 * whole request is validated before any write, the admin states carried over, units in
 * parallel, everything rolled back when a group fails. `dry_run` nonzero: validate and plan
 * only, no device access. `out` may be NULL. Errors, before any write:
 * CPO_ERR_INVALID_ARGUMENT (a malformed mode, a port twice, NULL groups with count > 0),
 * CPO_ERR_OUT_OF_RANGE (unknown port), CPO_ERR_UNSUPPORTED (a mode the profile lacks or that
 * does not fit), CPO_ERR_SAFETY_REFUSED (a sub-port would cross an optical-engine bank); during
 * the apply the device's error, after rolling back. Thread-safe; blocks until done. */
cpo_status cpo_breakout(cpo_switch* sw, const cpo_breakout_group* groups, size_t count, int dry_run,
                        cpo_breakout_result* out);
/* The same for a port list ("0-15,20", "Ethernet0,Ethernet8") and one mode. */
cpo_status cpo_breakout_ports(cpo_switch* sw, const char* ports, const char* mode, int dry_run,
                              cpo_breakout_result* out);

/* --------------------------------------------------------------------------------- lanes */

typedef struct cpo_lane_values {
  uint32_t lane;
  double pre_fec_ber;                           /* ratio, 0..0.5 */
  double snr_db;                                /* SerDes receiver SNR */
  double rx_power_mw;                           /* received by the OE for this lane */
  double tx_power_mw;                           /* launched into the fiber */
  double laser_input_power_mw;                  /* laser light arriving from the ELS; 0 when not reported */
  int32_t tx_fir_pre, tx_fir_main, tx_fir_post; /* tap steps */
  cpo_prbs_pattern prbs_pattern;
  uint8_t prbs_generator, prbs_checker, prbs_lock;
  uint8_t signal_detect, cdr_lock, tx_enabled;
  uint64_t prbs_errors, prbs_bits;         /* checker bit errors and bits compared */
  uint64_t fec_corrected, fec_uncorrected; /* codewords */
  cpo_data_path_state data_path_state;
} cpo_lane_values;

typedef struct cpo_prbs_status {
  cpo_prbs_pattern pattern;
  uint8_t generator, checker, locked;
  uint64_t errors, bits; /* since the checker was enabled; BER = errors / bits */
} cpo_prbs_status;

/* One lane's values, read from the device. Errors: CPO_ERR_OUT_OF_RANGE naming the lane. */
cpo_status cpo_lane_show(cpo_switch* sw, uint32_t lane, cpo_lane_values* out);
/* Transmitter FIR taps in tap steps. Errors: CPO_ERR_OUT_OF_RANGE for the lane or a tap outside
 * the backend's limits (named), CPO_ERR_UNSUPPORTED without FIR control. */
cpo_status cpo_lane_set_tx_fir(cpo_switch* sw, uint32_t lane, int32_t pre, int32_t main_tap, int32_t post);
/* PRBS generator and checker. Errors: CPO_ERR_INVALID_ARGUMENT for a pattern outside the enum,
 * CPO_ERR_UNSUPPORTED for a pattern the lane lacks, CPO_ERR_OUT_OF_RANGE for the lane. */
cpo_status cpo_lane_set_prbs(cpo_switch* sw, uint32_t lane, cpo_prbs_pattern pattern, int generator, int checker);
cpo_status cpo_lane_prbs(cpo_switch* sw, uint32_t lane, cpo_prbs_status* out);

/* ------------------------------------------------------------------------- OEs and ELS */

typedef struct cpo_oe_values {
  uint32_t oe, unit;
  cpo_module_state module_state;
  uint32_t faults; /* CPO_OE_FAULT_* */
  double temperature_c, vcc_v;
  double power_mw;          /* electrical power dissipated */
  uint32_t threshold_flags; /* CPO_MODULE_* */
} cpo_oe_values;

typedef struct cpo_els_values {
  uint32_t els, unit;
  uint8_t present;
  cpo_module_state module_state;
  double temperature_c, vcc_v;
  double supply_current_ma; /* ICC */
  uint32_t threshold_flags; /* CPO_MODULE_* */
  uint32_t insertions;
  uint32_t faults; /* CPO_ELS_FAULT_* */
} cpo_els_values;

/* One optical engine's or ELS module's values. Each call reads a whole snapshot (about 60 us on
 * cpo144; the facade has no per-module read): poll many with cpo_snapshot_take instead.
 * Errors: CPO_ERR_OUT_OF_RANGE naming the module; the device's errors. Thread-safe. */
cpo_status cpo_oe_show(cpo_switch* sw, uint32_t oe, cpo_oe_values* out);
cpo_status cpo_els_show(cpo_switch* sw, uint32_t els, cpo_els_values* out);

/* -------------------------------------------------------------------------------- lasers */

typedef struct cpo_laser_limits {
  double min_power_mw, max_power_mw; /* module advertisement, page 1Ah bytes 128..131 */
  double min_bias_ma, max_bias_ma;   /* bytes 132..135 */
  double class_limit_mw;             /* the platform's limit; 0 when none */
  double max_allowed_mw;             /* min(max_power, class limit) */
  double fiber_check_power_mw;       /* byte 248 */
  cpo_control_mode control_mode;
  double max_ramp_db_per_s, max_step_db;
} cpo_laser_limits;

typedef struct cpo_laser_status {
  cpo_laser_state state;
  cpo_laser_fault fault;
  uint8_t enabled;       /* page 1Ah byte 220 */
  uint8_t fiber_checked; /* page 1Ah byte 223 */
  cpo_control_mode control_mode;
  double power_setpoint_mw, bias_setpoint_ma;
  double power_mw, bias_ma; /* monitors */
  double temperature_c;
  uint32_t lanes; /* how many lanes it lights (cpo_impacted_ports names their ports) */
} cpo_laser_status;

typedef struct cpo_laser_progress {
  cpo_laser laser;
  cpo_laser_phase phase;
  uint32_t step, steps; /* 1-based step of this phase, steps of this phase */
  double setpoint_mw;   /* power set-point now */
  double bias_setpoint_ma;
} cpo_laser_progress;

/* Called after each step on the calling thread, without SDK locks. Return 0 to go on, nonzero
 * to cancel: the laser stays at the step reached (a cancelled enable leaves it off) and the
 * call fails with CPO_ERR_FAILED_PRECONDITION "cancelled". */
typedef int (*cpo_laser_progress_fn)(const cpo_laser_progress* progress, void* user);

/* Zero-initialised means the defaults. */
typedef struct cpo_ramp_options {
  double ramp_db_per_s;           /* 0: the policy's limit (10 dB/s); above it: CPO_ERR_SAFETY_REFUSED */
  cpo_laser_progress_fn progress; /* NULL: none */
  void* user;                     /* passed to progress */
} cpo_ramp_options;

typedef struct cpo_enable_options {
  double power_mw; /* target after the fiber check; 0: the module's current set-point */
  cpo_ramp_options ramp;
} cpo_enable_options;

typedef struct cpo_fiber_check {
  cpo_laser laser;
  cpo_fiber_verdict verdict;
  double launched_mw;      /* fiber-check power */
  double worst_arrival_mw; /* least light arriving at one of its lanes */
  uint32_t worst_lane;
  double loss_db;    /* launched / worst arrival; infinity for no light */
  double allowed_db; /* the policy's maximum */
} cpo_fiber_check;

/* What a laser allows, from its module and the platform. Errors: CPO_ERR_OUT_OF_RANGE naming
 * the laser. Thread-safe. */
cpo_status cpo_laser_get_limits(cpo_switch* sw, cpo_laser laser, cpo_laser_limits* out);
cpo_status cpo_laser_get_status(cpo_switch* sw, cpo_laser laser, cpo_laser_status* out);
/* Lights a laser through its fiber check, then ramps it to the target (docs/sdk.md, "Laser
 * safety"). `options` may be NULL (defaults), `check` may be NULL. Errors:
 * CPO_ERR_SAFETY_REFUSED (target outside the limits, a ramp too fast, a failed fiber check: the
 * message says no light or the measured and allowed loss; the laser is left off),
 * CPO_ERR_FAILED_PRECONDITION (ELS absent or not ready, laser busy or faulted, cancelled),
 * CPO_ERR_INVALID_ARGUMENT (a negative or non-finite power or ramp rate). Blocks for the device
 * time of the check and the ramp; thread-safe (a second operation on a busy laser is refused). */
cpo_status cpo_laser_enable(cpo_switch* sw, cpo_laser laser, const cpo_enable_options* options, cpo_fiber_check* check);
/* Turns a laser off. Refused with CPO_ERR_SAFETY_REFUSED, listing the admin-up logical ports
 * that would lose light, unless `force` is nonzero. */
cpo_status cpo_laser_disable(cpo_switch* sw, cpo_laser laser, int force);
/* Ramps a lit laser's power (APC) in bounded steps; sets the set-point of an unlit one. `ramp`
 * may be NULL. Errors: CPO_ERR_SAFETY_REFUSED outside the limits or faster than the ramp limit
 * (nothing written), CPO_ERR_FAILED_PRECONDITION when busy or cancelled,
 * CPO_ERR_INVALID_ARGUMENT for a power that is negative or not finite. */
cpo_status cpo_laser_set_power(cpo_switch* sw, cpo_laser laser, double power_mw, const cpo_ramp_options* ramp);
/* The same in dBm (finite). */
cpo_status cpo_laser_set_power_dbm(cpo_switch* sw, cpo_laser laser, double power_dbm, const cpo_ramp_options* ramp);
/* Ramps the bias set-point (ACC) within the module's advertised bias range. Errors as
 * cpo_laser_set_power. */
cpo_status cpo_laser_set_bias(cpo_switch* sw, cpo_laser laser, double bias_ma, const cpo_ramp_options* ramp);
/* APC or ACC for the laser's ELS bank. Errors: CPO_ERR_FAILED_PRECONDITION while a laser of the
 * bank is enabled, CPO_ERR_INVALID_ARGUMENT for a mode outside the enum. */
cpo_status cpo_laser_set_control_mode(cpo_switch* sw, cpo_laser laser, cpo_control_mode mode);

/* ------------------------------------------------------------------------------ hot-swap */

typedef struct cpo_swap_progress {
  uint32_t els;
  cpo_swap_step step;
  uint8_t done;       /* 0: the step starts; 1: it finished */
  const char* detail; /* valid during the callback */
} cpo_swap_progress;

/* Called at the start and end of each step, on the calling thread, without SDK locks (it may
 * call into the switch, e.g. to play the technician with cpo_sim_remove_els). Return 0 to go
 * on, nonzero to cancel the swap. */
typedef int (*cpo_swap_progress_fn)(const cpo_swap_progress* progress, void* user);

/* Zero-initialised means the defaults. */
typedef struct cpo_hot_swap_options {
  uint64_t removal_timeout_ms;   /* device time; 0: 10 minutes */
  uint64_t insertion_timeout_ms; /* device time; 0: 10 minutes */
  uint64_t step_timeout_ms;      /* other steps; 0: 10 s */
  double power_mw;               /* laser target; 0: what the old lasers ran at */
  cpo_swap_progress_fn progress;
  void* user;
} cpo_hot_swap_options;

#define CPO_MAX_ELS_LASERS 32

typedef struct cpo_hot_swap_report {
  uint32_t els;
  uint8_t lasers_lit;
  uint32_t restored; /* logical ports returned to admin up */
  uint32_t fiber_check_count;
  cpo_fiber_check fiber_checks[CPO_MAX_ELS_LASERS]; /* one per laser of the new module */
  char failure[256]; /* why the lasers stay off, when they do; "" otherwise (truncated) */
} cpo_hot_swap_report;

/* The guided replacement of an ELS module (docs/sdk.md, "ELS hot-swap"): data paths down,
 * lasers off, wait for removal and insertion, fiber check and ramp of every new laser, data
 * paths and admin states back. Blocks until done. `options` and `report` may be NULL. A failed
 * fiber check of the new module is not an error: the report says which laser failed and why.
 * Errors: CPO_ERR_TIMEOUT naming the step, CPO_ERR_FAILED_PRECONDITION when the module is
 * already absent, a laser of it is busy, or the progress callback cancelled;
 * CPO_ERR_OUT_OF_RANGE for the ELS. */
cpo_status cpo_els_hot_swap(cpo_switch* sw, uint32_t els, const cpo_hot_swap_options* options,
                            cpo_hot_swap_report* report);

/* ---------------------------------------------------------------------------------- CMIS */

/* Raw CMIS page access (half-page transfers, as ethtool -m): `module` is a CPO_OBJECT_BANK (an
 * OE bank), CPO_OBJECT_OE (its bank 0) or CPO_OBJECT_ELS; `offset` 0..255 and `length` bytes,
 * never crossing byte 128, at most 128. Writes that would change an ELS's laser controls are
 * refused with CPO_ERR_SAFETY_REFUSED (use the laser calls). Errors: CPO_ERR_INVALID_ARGUMENT
 * for another kind, CPO_ERR_OUT_OF_RANGE for the range; the device's errors. */
cpo_status cpo_cmis_read(cpo_switch* sw, cpo_object module, uint8_t page, uint16_t offset, uint8_t* out, size_t length);
cpo_status cpo_cmis_write(cpo_switch* sw, cpo_object module, uint8_t page, uint16_t offset, const uint8_t* bytes,
                          size_t length);

/* ----------------------------------------------------------------------------- telemetry */

typedef struct cpo_unit_values {
  uint32_t unit;
  int64_t timestamp_ns; /* device clock when the unit published this copy */
  uint64_t generation;
  uint32_t flags; /* CPO_UNIT_FLAG_* */
  double coolant_temperature_c, asic_temperature_c;
  double optics_power_mw;
} cpo_unit_values;

typedef struct cpo_logical_port_values {
  cpo_logical_port port;
  uint32_t unit;
  char name[32]; /* SONiC name, "Ethernet236" */
  uint32_t speed_gbps;
  cpo_admin_state admin;
  cpo_oper_state oper;
  uint32_t first_lane, lane_count;
  uint64_t fec_corrected, fec_uncorrected; /* codewords, sum over its lanes */
  double pre_fec_ber_max;                  /* worst lane */
  double rx_power_min_mw;                  /* weakest lane */
} cpo_logical_port_values;

typedef struct cpo_laser_values {
  cpo_laser laser;
  uint32_t unit;
  cpo_laser_state state;
  cpo_laser_fault fault;
  double power_setpoint_mw, power_mw, bias_ma, temperature_c, wavelength_nm;
  uint32_t age_hours;
  uint32_t flags; /* CPO_LASER_FLAG_* */
} cpo_laser_values;

typedef struct cpo_energy_values {
  uint32_t port, unit;
  double laser_power_w; /* ELS share */
  double oe_power_w;    /* optical-engine share */
  double power_w;       /* the sum */
  double pj_per_bit;    /* power / configured speed; 0 without speed */
} cpo_energy_values;

typedef struct cpo_snapshot_summary {
  int schema_version; /* of the JSON rendering (docs/telemetry.md) */
  const char* platform;
  double total_optics_w;
  size_t units, ports, logical_ports, lanes, oes, els, lasers, energy;
} cpo_snapshot_summary;

/* A snapshot holder; take into it as often as needed (storage is reused). Errors:
 * CPO_ERR_INVALID_ARGUMENT for NULL. */
cpo_status cpo_snapshot_new(cpo_snapshot** out);
void cpo_snapshot_free(cpo_snapshot* snapshot);
/* Reads every value of every object (docs/telemetry.md), with logical ports, thresholds and
 * energy per port, into `snapshot`; each unit's part is one consistent copy. Arrays returned
 * by the accessors below before this call are invalidated. Errors: the device's errors (the
 * snapshot is then empty). `sw` is thread-safe; `snapshot` one thread at a time. */
cpo_status cpo_snapshot_take(cpo_switch* sw, cpo_snapshot* snapshot);
cpo_status cpo_snapshot_summary_get(const cpo_snapshot* snapshot, cpo_snapshot_summary* out);
/* Typed arrays of the hot values, in snapshot order (unit by unit, ids ascending), owned by the
 * snapshot until its next take or free. `*count` gets the length; NULL with *count 0 for a
 * NULL snapshot (last error set). `count` may not be NULL. */
const cpo_unit_values* cpo_snapshot_units(const cpo_snapshot* snapshot, size_t* count);
const cpo_port_values* cpo_snapshot_ports(const cpo_snapshot* snapshot, size_t* count);
const cpo_logical_port_values* cpo_snapshot_logical_ports(const cpo_snapshot* snapshot, size_t* count);
const cpo_lane_values* cpo_snapshot_lanes(const cpo_snapshot* snapshot, size_t* count);
const cpo_oe_values* cpo_snapshot_oes(const cpo_snapshot* snapshot, size_t* count);
const cpo_els_values* cpo_snapshot_els(const cpo_snapshot* snapshot, size_t* count);
const cpo_laser_values* cpo_snapshot_lasers(const cpo_snapshot* snapshot, size_t* count);
const cpo_energy_values* cpo_snapshot_energy(const cpo_snapshot* snapshot, size_t* count);
/* Everything else: the JSON rendering of docs/telemetry.md (schema_version 1; every key, the
 * thresholds), compact or `pretty`. `*out` is a NUL-terminated string owned by the snapshot,
 * valid until its next take, its next rendering or its free (no copy is made: a polling loop
 * pays for the rendering only). */
cpo_status cpo_snapshot_json(const cpo_switch* sw, cpo_snapshot* snapshot, int pretty, const char** out);
/* The Prometheus text exposition format 0.0.4, every sample labelled switch="switch_name"
 * (NULL: "cpo"); `*out` owned by the snapshot as for cpo_snapshot_json. */
cpo_status cpo_snapshot_prometheus(const cpo_switch* sw, cpo_snapshot* snapshot, const char* switch_name,
                                   const char** out);

/* -------------------------------------------------------------------------------- events */

/* The kinds, in the order of cpo::EventPayload. */
typedef enum cpo_event_type {
  CPO_EVENT_LINK_CHANGE = 0,
  CPO_EVENT_ELS_PRESENCE = 1,
  CPO_EVENT_THRESHOLD_CROSSING = 2,
  CPO_EVENT_LASER_FAULT = 3,
  CPO_EVENT_MODULE_STATE = 4,
  CPO_EVENT_DATA_PATH_STATE = 5,
  CPO_EVENT_CMIS_FLAG = 6,
  CPO_EVENT_OE_FAULT = 7,
  CPO_EVENT_THERMAL_SHUTDOWN = 8,
  CPO_EVENT_UNIT_RESET = 9,
  CPO_EVENT_RESYNC = 10,
  CPO_EVENT_ELS_SWAP = 11,
  CPO_EVENT_TYPE_MAX_ENUM = 0x7fffffff /* keeps the enum int-sized; not a value */
} cpo_event_type;
#define CPO_EVENT_TYPE_COUNT 12
/* A bit of cpo_event_filter.types. */
#define CPO_EVENT_MASK(type) (1u << (unsigned)(type))

typedef struct cpo_link_change_event {
  cpo_logical_port port;
  cpo_oper_state state;
  cpo_link_cause cause; /* why it went down; CPO_CAUSE_NONE when it came up */
} cpo_link_change_event;
typedef struct cpo_els_presence_event {
  uint32_t els;
  uint8_t present;
} cpo_els_presence_event;
typedef struct cpo_threshold_crossing_event {
  cpo_object object;
  cpo_measure quantity;
  cpo_threshold_level level;
  cpo_threshold_bound bound;
  uint8_t asserted; /* 1: went beyond; 0: came back inside by the hysteresis */
  double value;     /* in the quantity's unit (cpo_measure) */
  double threshold; /* same unit; NaN when the device did not say */
} cpo_threshold_crossing_event;
typedef struct cpo_laser_fault_event {
  cpo_laser laser;
  cpo_laser_fault code;
} cpo_laser_fault_event;
typedef struct cpo_module_state_event {
  cpo_object module; /* CPO_OBJECT_OE or CPO_OBJECT_ELS */
  cpo_module_state state;
} cpo_module_state_event;
typedef struct cpo_data_path_state_event {
  uint32_t oe, bank;
  uint32_t lane_in_bank; /* CMIS lane 0..7 within the bank */
  cpo_data_path_state state;
} cpo_data_path_state_event;
typedef struct cpo_cmis_flag_event {
  cpo_object module; /* CPO_OBJECT_OE or CPO_OBJECT_ELS */
  uint32_t bank;
  uint8_t page, byte, bits; /* the latched bits set now */
} cpo_cmis_flag_event;
typedef struct cpo_oe_fault_event {
  uint32_t oe;
} cpo_oe_fault_event;
typedef struct cpo_thermal_shutdown_event {
  cpo_object object; /* the unit, OE or ELS that overheated */
} cpo_thermal_shutdown_event;
typedef struct cpo_resync_event {
  uint64_t lost; /* events lost; 0 when unknown */
} cpo_resync_event;
typedef struct cpo_els_swap_event {
  uint32_t els;
  cpo_swap_step step;
  uint8_t done, failed;
} cpo_els_swap_event;

/* One event: `type` says which member of the union holds (CPO_EVENT_UNIT_RESET has none). */
typedef struct cpo_event {
  cpo_event_type type;
  uint32_t unit;        /* the unit that reported it */
  int64_t timestamp_ns; /* device clock */
  uint8_t synthetic;    /* made during a resync, not read from the device */
  cpo_object object;    /* what it is about; CPO_OBJECT_NONE for a resync or a unit reset */
  union {
    cpo_link_change_event link_change;
    cpo_els_presence_event els_presence;
    cpo_threshold_crossing_event threshold_crossing;
    cpo_laser_fault_event laser_fault;
    cpo_module_state_event module_state;
    cpo_data_path_state_event data_path_state;
    cpo_cmis_flag_event cmis_flag;
    cpo_oe_fault_event oe_fault;
    cpo_thermal_shutdown_event thermal_shutdown;
    cpo_resync_event resync;
    cpo_els_swap_event els_swap;
  };
} cpo_event;

/* Zero-initialised means every event. */
typedef struct cpo_event_filter {
  uint32_t types;            /* CPO_EVENT_MASK bits; 0: every type */
  const char* objects;       /* "els7,59,oe3" (cpo_resolve_list forms): events about these or inside
                                them (a port matches its sub-ports, an ELS its lasers, an OE its banks,
                                a unit everything on it); NULL or "": every object */
  uint8_t exclude_synthetic; /* 1: leave out resync replays */
} cpo_event_filter;

/* Subscribes to events delivered through a file descriptor: poll/epoll/select
 * cpo_subscription_fd() for readability, then drain with cpo_subscription_read. `filter` may be
 * NULL. Nothing is lost silently: when the subscription's queue (4096 events) fills, the next
 * event read is a CPO_EVENT_RESYNC with the count it missed. Errors: CPO_ERR_INVALID_ARGUMENT
 * for type bits outside CPO_EVENT_TYPE_COUNT, the errors of cpo_resolve_list for `objects`.
 * Thread-safe. */
cpo_status cpo_subscribe(cpo_switch* sw, const cpo_event_filter* filter, cpo_subscription** out);
/* The eventfd to poll; -1 for NULL. Owned by the subscription (do not close it). */
int cpo_subscription_fd(const cpo_subscription* subscription);
/* Moves up to `capacity` waiting events into `out` without blocking and their number into
 * `*count` (0 when none wait); clears the fd's readability when the queue empties. One thread
 * at a time per subscription. */
cpo_status cpo_subscription_read(cpo_subscription* subscription, cpo_event* out, size_t capacity, size_t* count);
/* Events dropped so far because the queue was full; 0 for NULL. */
uint64_t cpo_subscription_dropped(const cpo_subscription* subscription);
/* Unsubscribes and frees; NULL is ignored. */
void cpo_subscription_free(cpo_subscription* subscription);
/* "unit 0 link_change port 3/0 down cause=rx_los t=12.000000s" into `buffer` (with its NUL).
 * Errors: CPO_ERR_INVALID_ARGUMENT for a type or enum value outside its list,
 * CPO_ERR_OUT_OF_RANGE when `capacity` is too small (256 bytes always suffice). Thread-safe. */
cpo_status cpo_event_format(const cpo_event* event, char* buffer, size_t capacity);
/* "link_change", ..., "els_swap"; "unknown" outside the enum. */
const char* cpo_event_type_name(int type);
/* "none", "admin_down", "rx_los", ...; "unknown" outside the enum. */
const char* cpo_link_cause_name(int cause);
/* "off", "ramping", "on", "fault", "absent"; "unknown" outside the enum. */
const char* cpo_laser_state_name(int state);
/* "deinit_data_paths", ..., "restore_admin"; "unknown" outside the enum. */
const char* cpo_swap_step_name(int step);

/* ------------------------------------------------------------------- time and simulation */

/* The device clock in ns (virtual on a simulator with clock=virtual); -1 for NULL. */
int64_t cpo_now_ns(const cpo_switch* sw);
/* Lets `duration_ns` of device time pass: advances a virtual clock, sleeps otherwise. Errors:
 * CPO_ERR_INVALID_ARGUMENT for a negative duration. */
cpo_status cpo_sleep_ns(cpo_switch* sw, int64_t duration_ns);

/* Fault injection on a simulated switch (cpo_platform_info.simulated; docs/simulator.md). On
 * any other switch each fails with CPO_ERR_UNSUPPORTED. Ids out of range: CPO_ERR_OUT_OF_RANGE.
 * Thread-safe. */
cpo_status cpo_sim_fail_laser(cpo_switch* sw, cpo_laser laser);
cpo_status cpo_sim_repair_laser(cpo_switch* sw, cpo_laser laser);
/* Loss of the fiber from a laser to its optical engine (1.5 dB nominal; INFINITY disconnects). */
cpo_status cpo_sim_set_laser_fiber_loss(cpo_switch* sw, cpo_laser laser, double loss_db);
cpo_status cpo_sim_remove_els(cpo_switch* sw, uint32_t els);
cpo_status cpo_sim_insert_els(cpo_switch* sw, uint32_t els);
/* The laser-safety interlock of an ELS: open turns every laser of it off at once; close lights
 * nothing (each laser is enabled again through its fiber check). CPO_ERR_FAILED_PRECONDITION
 * when already open / closed. */
cpo_status cpo_sim_open_interlock(cpo_switch* sw, uint32_t els);
cpo_status cpo_sim_close_interlock(cpo_switch* sw, uint32_t els);
/* Front-panel fiber of a port: cut one lane (lane_in_port >= 0) or every lane (-1). */
cpo_status cpo_sim_cut_port_fiber(cpo_switch* sw, uint32_t port, int lane_in_port);
cpo_status cpo_sim_fail_oe(cpo_switch* sw, uint32_t oe);
cpo_status cpo_sim_repair_oe(cpo_switch* sw, uint32_t oe);
/* SerDes SNR penalty of one lane, dB (raises its pre-FEC BER). */
cpo_status cpo_sim_degrade_lane(cpo_switch* sw, uint32_t lane, double snr_penalty_db);
/* Register writes the driver made since the switch opened (a refused request writes none). */
cpo_status cpo_sim_device_writes(cpo_switch* sw, uint64_t* out);

/* ------------------------------------------------------------- desired-state config */

/* A configuration document (YAML or JSON, schema_version 1; the comment at the top of
 * cpo/sdk/config.h describes its keys) is validated whole, planned as an ordered diff against
 * what the switch runs, and applied through the same policies, verified by read-back and
 * rolled back to the exact previous state on any failure. `document` is the text itself
 * (JSON when its first non-blank character is '{', YAML otherwise). */

/* Checks a document against the switch (platform, capabilities, laser limits, the breakout and
 * laser policies) without a device write. CPO_OK when it would apply; otherwise the issues'
 * code (one issue: its own, e.g. CPO_ERR_OUT_OF_RANGE for a port the platform lacks,
 * CPO_ERR_UNSUPPORTED for a FEC mode the backend lacks; several: CPO_ERR_INVALID_ARGUMENT, or
 * CPO_ERR_SAFETY_REFUSED when every one is a policy refusal) and cpo_last_error() lists every
 * issue, one per line, each with its document path ("ports[3].breakout: ..."). Thread-safe. */
cpo_status cpo_config_validate(cpo_switch* sw, const char* document);

/* Validates, then plans against the running state: `*plan` (for cpo_free; NULL allowed to
 * only count) gets the operations in the order apply runs them, one per line ("port 12: fec
 * rs544 -> none (ports[2].fec)"), `*operations` (may be NULL) their number; 0 when the switch
 * already runs the document. Errors: those of cpo_config_validate; the device's. */
cpo_status cpo_config_plan(cpo_switch* sw, const char* document, char** plan, size_t* operations);

typedef struct cpo_config_result {
  size_t operations;      /* the plan's operations */
  size_t applied;         /* operations run before success or failure */
  uint8_t rolled_back;    /* a failure was rolled back */
  uint8_t persisted;      /* the running state was written to persist_path */
  uint64_t device_writes; /* register writes of this call (simulated switches; 0 otherwise) */
  int64_t device_time_ns; /* device clock time the call took */
} cpo_config_result;

/* Validates, plans, applies, reads back; on any failure rolls back to the state before and
 * fails naming the operation (`out` still says how far it went and whether the rollback
 * completed: rolled_back). `persist_path` (NULL: none) receives the running state as YAML,
 * replaced atomically, after a verified apply. Applying what the switch already runs writes
 * nothing. `out` may be NULL. Errors: those of cpo_config_validate before anything is done;
 * the failing operation's error after the rollback. Not serialised against a second apply
 * on the same switch: one configuration agent per switch. */
cpo_status cpo_config_apply(cpo_switch* sw, const char* document, const char* persist_path, cpo_config_result* out);

/* The running state as a complete document (YAML, or JSON when `json` is nonzero) for
 * cpo_free; applying it changes nothing. Errors: the device's. */
cpo_status cpo_config_running(cpo_switch* sw, int json, char** out);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CPO_CPO_H */
