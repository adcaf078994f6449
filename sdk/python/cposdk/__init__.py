"""cposdk: Python bindings of the cposdk SDK for co-packaged-optics switches.

    import cposdk
    sw = cposdk.open("sim://cpo144")
    sw.breakout("0-15", "4x200G")
    sw.laser("els7/3").set_power(dbm=18.0, ramp_db_per_s=5.0, progress=print)
    snap = sw.snapshot()            # plain dicts and lists, the keys of the JSON rendering

Errors raise cposdk.Error subclasses, one per code (SafetyRefused, InvalidArgument, ...), with
the message naming the object and what is allowed. The GIL is released while the SDK waits on
a device; every object may be used from several threads. docs/python.md has the guide.
"""

from typing import Iterator as _Iterator
from typing import Optional as _Optional

from ._cposdk import (  # noqa: F401  (the public names)
    AlreadyExists,
    DeviceError,
    DeviceGone,
    Els,
    Error,
    Event,
    FailedPrecondition,
    Internal,
    InvalidArgument,
    IoError,
    Lane,
    Laser,
    NotFound,
    OpticalEngine,
    OutOfRange,
    Port,
    SafetyRefused,
    Simulator,
    Subscription,
    Switch,
    Timeout,
    Unsupported,
    __version__,
    exit_code,
    open,
    uri_forms,
)


def _events(self: Subscription, timeout: _Optional[float] = None) -> _Iterator[Event]:
    """Yields events as they arrive; stops after `timeout` seconds without one (None: never)."""
    while True:
        batch = self.wait(timeout)
        if not batch:
            return
        yield from batch


Subscription.events = _events  # type: ignore[attr-defined]

__all__ = [
    "AlreadyExists",
    "DeviceError",
    "DeviceGone",
    "Els",
    "Error",
    "Event",
    "FailedPrecondition",
    "Internal",
    "InvalidArgument",
    "IoError",
    "Lane",
    "Laser",
    "NotFound",
    "OpticalEngine",
    "OutOfRange",
    "Port",
    "SafetyRefused",
    "Simulator",
    "Subscription",
    "Switch",
    "Timeout",
    "Unsupported",
    "__version__",
    "exit_code",
    "uri_forms",
]  # not "open": a star import would hide the builtin; use cposdk.open
