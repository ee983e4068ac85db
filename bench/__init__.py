"""Benchmarks: build large synthetic stores and print figures and ratios against plain SQLite."""
