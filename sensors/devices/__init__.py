"""Supported BLE IMU models (one module each); see base.py for the interface and docs/devices.md for protocols."""
