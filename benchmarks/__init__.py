"""Accord benchmarks (python -m benchmarks); not collected by pytest."""
