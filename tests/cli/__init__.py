"""Tests: the `caseapp` command line."""
