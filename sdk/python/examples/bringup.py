#!/usr/bin/env python3
"""Bring-up of a CPO switch from Python: the script of docs/python.md.

    bringup.py [URI]        default sim://cpo144

Checks the lasers feeding the first ports, ramps one to its working power, splits ports 0-15
into 4x200G in one call, brings them up, waits for the links and reports the logical ports up
with their worst pre-FEC BER and the optics energy. On the simulator it also fails a laser and
shows the events and the ports it took down. Exit codes follow cpoctl: 3 invalid input,
4 device error, 5 refused by policy.
"""
import selectors
import sys

import cposdk


def main(uri: str) -> int:
    sw = cposdk.open(uri)
    platform = sw.platform
    print(f"{sw.uri}: {platform['name']}, {platform['ports']} ports, {platform['lasers']} lasers")

    # 1. The lasers lighting ports 0-15 (ELS 0 and 1 on cpo144): lit and fiber-checked.
    lasers = {sw.port(p).lanes[0].laser for p in range(16)}
    for laser in sorted(lasers, key=lambda l: l.name):
        status = laser.status
        if not (status["enabled"] and status["fiber_checked"]):
            laser.enable(mw=100.0)
    print(f"{len(lasers)} lasers lit and fiber-checked")

    # 2. One laser to 19 dBm, at most 5 dB/s, with progress; an unsafe set-point is refused.
    laser = sw.laser("els0/0")
    laser.set_power(dbm=19.0, ramp_db_per_s=5.0,
                    progress=lambda p: print(f"  {p['laser']} step {p['step']}/{p['steps']}: "
                                             f"{p['setpoint_dbm']:.2f} dBm"))
    try:
        laser.set_power(mw=laser.limits["max_allowed_mw"] * 2)
    except cposdk.SafetyRefused as refusal:
        print(f"refused as expected: {refusal}")

    # 3. Ports 0-15 into 4x200G in one validated call, then admin up.
    result = sw.breakout("0-15", "4x200G")
    print(f"breakout: {len(result['created'])} logical ports created")
    for p in range(16):
        sw.port(p).admin = "up"
    sw.sleep(3.0)  # device time: the links train

    # 4. What runs now, from one snapshot (the keys of the JSON rendering).
    snap = sw.snapshot()
    mine = [lp for lp in snap["logical_ports"] if lp["port"] < 16]
    up = [lp for lp in mine if lp["oper_state"] == "up"]
    worst = max(mine, key=lambda lp: lp["pre_fec_ber_max"])
    print(f"worst pre-FEC BER {worst['pre_fec_ber_max']:.2e} on {worst['name']}; "
          f"optics {snap['total_optics_w']:.0f} W")

    # 5. On the simulator: a laser dies; the events arrive through a selector.
    if sw.simulator is not None:
        with sw.subscribe(types=["laser_fault", "link_change"], objects="0-15,els1") as sub:
            sel = selectors.DefaultSelector()
            sel.register(sub, selectors.EVENT_READ)
            sw.simulator.fail_laser("els1/1")  # lights port 9
            sw.sleep(0.2)
            downs = set()
            while sel.select(timeout=0.5):
                for event in sub.read():
                    if event.type == "laser_fault":
                        print(f"  event: {event}")
                    elif event.data["state"] == "down":
                        print(f"  event: {event}")
                        downs.add(event.data["port"])
            print(f"the failure took down {sorted(downs)}; "
                  f"els1/1 lights {sw.laser('els1/1').impacted_ports()}")
            sw.simulator.repair_laser("els1/1")

    print(f"bring-up done: 16 ports up as 4x200G, {len(up)} logical ports")
    return 0 if len(up) == len(mine) else 4


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "sim://cpo144"))
    except cposdk.Error as error:
        print(f"{error.code}: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
