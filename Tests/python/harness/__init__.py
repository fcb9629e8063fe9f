"""Shared helpers for Keyward's black-box tests: server processes, a raw RESP
client and the differential script format. Standard library only, so the
benchmark scripts can import it without the test venv."""
