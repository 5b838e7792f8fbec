"""Benchmarks with their own runner (`python -m bench`); never part of `make test`."""
