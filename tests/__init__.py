"""caseapp test suite."""
