"""Reliability batteries: hostile input, faults, crashes."""
