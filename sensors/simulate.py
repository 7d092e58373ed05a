"""The simulator's old import path: the package `sensors.simulation` holds it (this module re-exports its API)."""
from sensors.simulation import *  # noqa: F403
from sensors.simulation import __all__  # noqa: F401
