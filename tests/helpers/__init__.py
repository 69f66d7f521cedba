"""Helpers the tests share (plain functions and data builders; fixtures live in conftest.py files)."""
