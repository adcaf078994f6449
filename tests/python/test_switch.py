"""Opening, errors, platform, naming, ports, breakout, lanes, snapshots and renderings."""
import json
import threading

import pytest

import cposdk

CODES = {
    "invalid_argument": (cposdk.InvalidArgument, 3),
    "out_of_range": (cposdk.OutOfRange, 3),
    "not_found": (cposdk.NotFound, 3),
    "already_exists": (cposdk.AlreadyExists, 3),
    "failed_precondition": (cposdk.FailedPrecondition, 3),
    "unsupported": (cposdk.Unsupported, 3),
    "safety_refused": (cposdk.SafetyRefused, 5),
    "device_error": (cposdk.DeviceError, 4),
    "timeout": (cposdk.Timeout, 4),
    "device_gone": (cposdk.DeviceGone, 4),
    "io_error": (cposdk.IoError, 4),
    "internal": (cposdk.Internal, 4),
}


def test_every_code_has_its_error_class_and_exit_code():
    for code, (cls, exit_code) in CODES.items():
        assert issubclass(cls, cposdk.Error)
        assert cls.code == code
        assert cls.exit_code == exit_code == cposdk.exit_code(code)
    assert cposdk.exit_code("ok") == 0
    with pytest.raises(cposdk.InvalidArgument, match="not a code name"):
        cposdk.exit_code("sideways")
    # Malformed input is also a ValueError for callers that catch builtins.
    assert issubclass(cposdk.InvalidArgument, ValueError) and issubclass(cposdk.OutOfRange, ValueError)


def test_open_errors_name_what_was_wrong():
    with pytest.raises(cposdk.InvalidArgument) as bad:
        cposdk.open("sim://cpo144?colour=red")
    assert "colour" in str(bad.value) and "seed" in bad.value.message
    assert bad.value.code == "invalid_argument" and bad.value.exit_code == 3
    with pytest.raises(cposdk.NotFound):
        cposdk.open("sim://nosuchprofile")
    with pytest.raises(TypeError):
        cposdk.open(42)
    assert any(form.startswith("sim://") for form in cposdk.uri_forms())


def test_platform_and_objects(sw):
    p = sw.platform
    assert (p["name"], p["ports"], p["lanes"], p["els"], p["lasers"], p["units"]) == ("cpo144", 144, 576, 18, 144, 4)
    assert p["breakout_modes"][0].startswith("1x800G") and "4x200G" in p["breakout_modes"]
    assert len(sw.ports) == 144 and len(sw.lanes) == 576 and len(sw.oes) == 24
    assert len(sw.els_modules) == 18 and len(sw.lasers) == 144
    assert sw.port("Ethernet236").id == 59 and sw.port(59).name == "Ethernet236"
    assert sw.port("Ethernet236") == sw.port(59)
    assert sw.laser("els7/3") == sw.laser((7, 3))
    assert sw.laser("els7/3").name == "els7/3" and sw.laser("els7/3").els.id == 7
    assert [l.id for l in sw.port(59).lanes] == [236, 237, 238, 239]
    assert sw.lane(236).laser.name == "els7/3" and sw.lane("lane236").port.id == 59
    assert sw.resolve("Ethernet236") == "59"
    assert sw.oe(5).unit == 0 and sw.oe("oe5").banks >= 1
    assert [l.name for l in sw.els(7).lasers][:2] == ["els7/0", "els7/1"]


def test_bad_names_are_refused_naming_the_range(sw):
    with pytest.raises(cposdk.OutOfRange, match="port 200"):
        sw.port(200)
    with pytest.raises(cposdk.OutOfRange, match="els 7 laser 9"):
        sw.laser("els7/9")
    with pytest.raises(cposdk.InvalidArgument, match="not a laser"):
        sw.laser("59")
    with pytest.raises(cposdk.InvalidArgument, match="negative"):
        sw.port(-1)
    with pytest.raises(cposdk.InvalidArgument, match="expected a port"):
        sw.port(1.5)


def test_port_admin_fec_and_telemetry(sw):
    port = sw.port(9)
    assert port.admin == "down" and port.oper == "down"
    port.admin = "up"
    sw.sleep(3.0)
    t = port.telemetry()
    assert t["admin_state"] == "up" and t["oper_state"] == "up" and t["admin_mask"] == 1
    with pytest.raises(cposdk.InvalidArgument, match="'sideways' is not 'up' or 'down'"):
        port.admin = "sideways"
    port.fec = "none"
    assert port.fec == "none"
    with pytest.raises(cposdk.Unsupported, match="rs528"):
        port.fec = "rs528"
    with pytest.raises(cposdk.InvalidArgument):
        port.fec = "turbo"
    assert port.fec == "none"
    # The keys of a port's telemetry are those of the JSON rendering's ports entries.
    snap_port = sw.snapshot()["ports"][9]
    assert set(t) <= set(snap_port)


def test_breakout_forms_dry_run_and_refusal(sw):
    plan = sw.breakout("0-3", "4x200G", dry_run=True)
    assert plan["applied"] is False and len(plan["created"]) == 16 and sw.port(0).breakout.startswith("1x800G")
    done = sw.breakout("0-3", "4x200G")
    assert done["applied"] and done["created"][:2] == ["0/0", "0/1"] and done["removed"][0] == "0/0"
    assert [c["to"] for c in done["changes"]] == ["4x200G"] * 4
    both = sw.breakout({4: "2x400G", "Ethernet20": "4x200G"})
    assert {c["port"]: c["to"] for c in both["changes"]} == {4: "2x400G", 5: "4x200G"}
    assert sw.breakout([(4, "2x400G")])["changes"] == []  # already so: untouched
    with pytest.raises(cposdk.Unsupported, match="allowed"):
        sw.breakout("6-7", "8x100G")
    with pytest.raises(cposdk.OutOfRange):
        sw.breakout("6,200", "4x200G")
    with pytest.raises(cposdk.InvalidArgument, match="mode is required"):
        sw.breakout("6")
    assert sw.port(6).breakout.startswith("1x800G") and sw.port(0).breakout == "4x200G"
    sw.port(0).set_admin("up", subport=3)
    assert sw.port(0).telemetry()["admin_mask"] == 8
    with pytest.raises(cposdk.OutOfRange):
        sw.port(0).set_admin("up", subport=4)


def test_lanes(sw):
    lane = sw.lane(100)
    t = lane.telemetry()
    assert set(t) <= set(sw.snapshot()["lanes"][100]) and 0.0 <= t["pre_fec_ber"] <= 0.5
    lane.tx_fir = (-2, 40, -4)
    assert lane.tx_fir == (-2, 40, -4)
    with pytest.raises(cposdk.OutOfRange):
        lane.tx_fir = (-2, 4000, -4)
    lane.set_prbs("prbs31q", generator=True, checker=True)
    prbs = lane.prbs()
    assert prbs["pattern"] == "prbs31q" and prbs["generator"] and prbs["checker"]
    with pytest.raises(cposdk.InvalidArgument, match="prbs7, prbs9"):
        lane.set_prbs("prbs99")


def test_snapshot_has_the_keys_of_the_json_rendering(sw):
    snap = sw.snapshot()
    rendered = json.loads(sw.render_json())
    assert list(snap) == list(rendered)
    for key in ("units", "ports", "logical_ports", "lanes", "oes", "els", "lasers", "energy"):
        assert len(snap[key]) == len(rendered[key]) > 0
        assert list(snap[key][0]) == list(rendered[key][0])
    assert snap["schema_version"] == 1 and snap["platform"] == "cpo144"
    assert len(snap["ports"]) == 144 and len(snap["lanes"]) == 576 and snap["total_optics_w"] > 0
    assert "cpo_switch_info{switch=\"lab\"" in sw.render_prometheus("lab")
    assert sw.render_json(pretty=True).startswith("{\n")
    assert sw.oe(5).telemetry()["oe"] == 5 and sw.els(7).telemetry()["present"] is True


def test_objects_are_safe_from_several_threads(sw):
    errors = []

    def worker(port_id):
        try:
            port = sw.port(port_id)
            for _ in range(20):
                assert port.telemetry()["port"] == port_id
            assert sw.snapshot()["ports"][port_id]["port"] == port_id
            port.admin = "up"
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(p,)) for p in range(20, 26)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(sw.port(p).admin == "up" for p in range(20, 26))
