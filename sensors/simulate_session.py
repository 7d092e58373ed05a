"""Simulated workouts' old import path: `sensors.simulation.session` holds them (this module re-exports them)."""
from sensors.simulation.session import SENSOR_CLOCKS, SessionConfig, SimSession, draw_sensor_imus, simulate_session

__all__ = ["SENSOR_CLOCKS", "SessionConfig", "SimSession", "draw_sensor_imus", "simulate_session"]
