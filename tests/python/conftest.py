"""Fixtures of the Python bindings' suite: a fresh simulated cpo144 per test (virtual clock:
seconds of device time cost microseconds)."""
import pytest

import cposdk


@pytest.fixture
def sw() -> cposdk.Switch:
    return cposdk.open("sim://cpo144")
