"""Edits that exist only for tests: each is one module plus its row in the SLIDERS table,
registered by the test that uses it (tests/edits/test_protocol.py)."""
