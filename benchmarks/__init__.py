"""Benchmarks against the real servers, each with a raw baseline measured in the same run.

Run them with `make bench` or `.venv/bin/python -m benchmarks [--quick]`.
"""
