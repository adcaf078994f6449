"""Lasers (limits, ramps with progress, refusals, cancellation, fiber check), the hot-swap,
events (iterator and selectors), the GIL released while the SDK waits, configuration and the
simulator's back door."""
import math
import selectors
import threading
import time

import pytest

import cposdk


def test_laser_limits_status_and_ramp_with_progress(sw):
    laser = sw.laser("els7/3")
    limits = laser.limits
    assert limits["min_power_mw"] < limits["max_allowed_mw"] and limits["max_ramp_db_per_s"] == 10.0
    assert limits["control_mode"] == "APC"
    status = laser.status
    assert status["enabled"] and status["fiber_checked"] and status["lanes"] == [236, 237, 238, 239]
    steps = []
    laser.set_power(dbm=18.0, progress=steps.append)
    assert [s["step"] for s in steps] == list(range(1, len(steps) + 1)) and len(steps) >= 2
    assert steps[-1]["setpoint_dbm"] == pytest.approx(18.0) and steps[-1]["laser"] == "els7/3"
    assert laser.power_setpoint_mw == pytest.approx(10 ** 1.8, rel=1e-3)


def test_unsafe_requests_are_refused_and_write_nothing(sw):
    laser = sw.laser("els7/3")
    writes = sw.simulator.device_writes
    before = laser.status
    with pytest.raises(cposdk.SafetyRefused, match="els 7 laser 3") as refused:
        laser.set_power(mw=laser.limits["max_allowed_mw"] + 10)
    assert refused.value.exit_code == 5
    with pytest.raises(cposdk.SafetyRefused):
        laser.set_power(dbm=17.0, ramp_db_per_s=50.0)
    assert sw.simulator.device_writes == writes and laser.status == before
    with pytest.raises(cposdk.InvalidArgument, match="not both"):
        laser.set_power(mw=50.0, dbm=17.0)
    with pytest.raises(cposdk.InvalidArgument, match="required"):
        laser.set_power()
    with pytest.raises(cposdk.InvalidArgument):
        laser.set_power(mw=math.nan)
    with pytest.raises(cposdk.InvalidArgument, match="'apc' or 'acc'"):
        laser.set_control_mode("fast")
    with pytest.raises(cposdk.FailedPrecondition):
        laser.set_control_mode("acc")  # lasers of the bank are lit


def test_an_exception_in_progress_cancels_the_ramp_and_propagates(sw):
    laser = sw.laser("els7/3")
    start = laser.power_setpoint_mw

    def stop(progress):
        raise KeyboardInterrupt("operator stop")

    with pytest.raises(KeyboardInterrupt, match="operator stop"):
        laser.set_power(dbm=14.0, progress=stop)
    now = laser.power_setpoint_mw
    assert 10 ** 1.4 < now < start  # stayed at the step reached
    laser.set_power(dbm=15.0)  # not busy afterwards


def test_disable_refused_while_it_lights_admin_up_ports_then_fiber_check(sw):
    laser = sw.laser("els7/3")
    assert laser.impacted_ports() == ["59/0"]
    sw.port(59).admin = "up"
    with pytest.raises(cposdk.SafetyRefused, match="59"):
        laser.disable()
    sw.port(59).admin = "down"
    laser.disable()
    assert not laser.enabled
    check = laser.enable(mw=50.0)
    assert check["verdict"] == "ok" and 1.0 < check["loss_db"] < 2.0 and check["allowed_db"] == 3.0
    assert laser.enabled and laser.power_setpoint_mw == pytest.approx(50.0)
    # A dirty connector: the check fails and the laser stays off.
    sw.simulator.set_laser_fiber_loss("els7/3", 5.0)
    laser.disable()
    with pytest.raises(cposdk.SafetyRefused, match="loss"):
        laser.enable()
    assert not laser.enabled


def test_an_open_interlock_refuses_enable_and_closing_it_lights_nothing(sw):
    laser = sw.laser("els7/3")
    sw.simulator.open_interlock("els7")
    assert sw.els(7).telemetry()["faults"] == ["interlock_open"]
    assert laser.status["state"] == "off" and laser.status["fault"] == "interlock_open"
    writes = sw.simulator.device_writes
    with pytest.raises(cposdk.SafetyRefused, match="els 7 interlock open") as refused:
        laser.enable()
    assert refused.value.exit_code == 5 and sw.simulator.device_writes == writes
    with pytest.raises(cposdk.FailedPrecondition, match="already open"):
        sw.simulator.open_interlock("els7")
    sw.simulator.close_interlock("els7")
    sw.sleep(1.0)
    assert sw.els(7).telemetry()["faults"] == [] and laser.status["state"] == "off"
    assert laser.enable()["verdict"] == "ok"


def test_hot_swap_with_the_technician_in_the_progress_callback(sw):
    steps = []

    def technician(p):
        steps.append((p["step"], p["done"]))
        if not p["done"] and p["step"] == "wait_removal":
            sw.simulator.remove_els(p["els"])
        if not p["done"] and p["step"] == "wait_insertion":
            sw.simulator.insert_els(p["els"])

    report = sw.els(2).hot_swap(progress=technician)
    assert report["lasers_lit"] and len(report["fiber_checks"]) == 8 and report["failure"] == ""
    assert [s for s, done in steps if done] == ["deinit_data_paths", "lasers_off", "wait_removal",
                                                 "wait_insertion", "fiber_check", "ramp",
                                                 "reinit_data_paths", "restore_admin"]
    with pytest.raises(cposdk.Timeout, match="wait_removal"):
        sw.els(3).hot_swap(removal_timeout=1.0)  # nobody pulls the module


def test_events_as_an_iterator_and_through_selectors(sw):
    sw.port(9).admin = "up"
    sw.sleep(3.0)
    with pytest.raises(cposdk.InvalidArgument, match="link_change"):
        sw.subscribe(types=["sunrise"])
    with pytest.raises(cposdk.OutOfRange):
        sw.subscribe(objects="els99")
    sub = sw.subscribe(types=["laser_fault", "link_change"], objects="els1,9")
    sel = selectors.DefaultSelector()
    sel.register(sub, selectors.EVENT_READ)
    sw.simulator.fail_laser("els1/1")
    sw.sleep(0.2)
    seen = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(e.type == "link_change" and e.data["state"] == "down" for e in seen):
        if sel.select(timeout=0.2):
            seen += sub.read()
    fault = next(e for e in seen if e.type == "laser_fault")
    assert fault.data == {"laser": "els1/1", "code": "apc_loop"} and fault.object == "els1/1"
    down = next(e for e in seen if e.type == "link_change" and e.data["state"] == "down")
    assert down.data == {"port": "9/0", "state": "down", "cause": "laser_fault"} and down.unit == 0
    assert "port 9/0 down cause=laser_fault" in str(down) and down.timestamp > 3.0
    assert sub.dropped == 0
    # The iterator: blocks for the next event (a watchdog cancels the subscription, which ends
    # the iteration, should it never come).
    sw.simulator.fail_laser("els1/2")
    sw.sleep(0.2)
    watchdog = threading.Timer(5.0, sub.cancel)
    watchdog.start()
    for event in sub:
        if event.type == "laser_fault" and event.data["laser"] == "els1/2":
            break
    watchdog.cancel()
    assert sub.active, "the laser_fault of els1/2 never came"
    # events(timeout): what is left, then it stops after a quiet 50 ms.
    rest = list(sub.events(timeout=0.05))
    assert all(e.type in ("laser_fault", "link_change") for e in rest)
    sub.cancel()
    assert not sub.active
    with pytest.raises(StopIteration):
        next(sub)


def test_the_gil_is_released_while_the_sdk_waits_on_the_device():
    real = cposdk.open("sim://cpo144?clock=real")
    laser = real.laser("els7/3")
    ticks = 0
    done = threading.Event()

    def ticker():
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    time.sleep(0.01)
    start, ticks_before = time.monotonic(), ticks
    laser.set_power(dbm=19.0, ramp_db_per_s=10.0)  # from 20 dBm: 1 dB, 0.1 s of real time
    elapsed, ticks_during = time.monotonic() - start, ticks - ticks_before
    done.set()
    t.join()
    # Another Python thread ran all along the ramp: the SDK waited without the GIL.
    assert elapsed >= 0.05 and ticks_during >= 10


def test_config_from_a_dict_text_or_file(sw, tmp_path):
    doc = {"schema_version": 1, "ports": [{"port": "20-21", "fec": "none"}]}
    assert sw.config_validate(doc) == []
    issues = sw.config_validate({"schema_version": 1, "ports": [{"port": 200}]})
    assert issues[0]["path"] == "ports[0].port" and issues[0]["code"] == "out_of_range"
    assert sw.config_validate("ports: [unclosed")[0]["code"] == "invalid_argument"
    with pytest.raises(cposdk.InvalidArgument, match="dict, YAML or JSON text, or a path"):
        sw.config_validate(42)
    plan = sw.config_plan(doc)
    assert [op["text"] for op in plan] == ["port 20: fec rs544 -> none (ports[0].fec)",
                                           "port 21: fec rs544 -> none (ports[0].fec)"]
    assert sw.port(20).fec == "rs544"
    seen = []
    report = sw.config_apply(doc, progress=seen.append)
    assert report["applied"] == 2 and not report["rolled_back"] and report["device_writes"] > 0
    assert len(seen) == 2 and seen[0]["phase"] == "apply" and sw.port(21).fec == "none"
    assert sw.config_apply(doc)["device_writes"] == 0  # runs it already
    with pytest.raises(cposdk.OutOfRange) as bad:
        sw.config_apply({"schema_version": 1, "ports": [{"port": 200}]})
    assert bad.value.issues[0]["path"] == "ports[0].port"
    path = tmp_path / "switch.yaml"
    path.write_text("schema_version: 1\nports:\n  - port: 22\n    admin: up\n")
    report = sw.config_apply(path, persist_path=str(tmp_path / "running.yaml"))
    assert report["persisted"] and (tmp_path / "running.yaml").read_text().startswith("schema_version: 1")
    assert sw.port(22).admin == "up"
    running = sw.config_running("dict")
    assert running["schema_version"] == 1 and sw.config_plan(running) == []


def test_simulator_back_door(sw):
    sim = sw.simulator
    sim.cut_port_fiber(30)
    sim.degrade_lane(100, 3.0)
    sim.fail_oe("oe5")
    assert "module_fault" in sw.oe(5).telemetry()["faults"]
    sim.repair_oe(5)
    sim.set_coolant_temperature(30.0)
    with pytest.raises(cposdk.FailedPrecondition):
        sim.insert_els(4)  # already present
    with pytest.raises(cposdk.InvalidArgument):
        sim.set_laser_fiber_loss("els7/3", -1.0)
