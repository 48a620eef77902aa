"""Benchmarks: throughput (python -m bench.throughput) and the 8.5 quality run (bench.quality)."""
