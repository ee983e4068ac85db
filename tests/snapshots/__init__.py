"""Tests: snapshots."""
