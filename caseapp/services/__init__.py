"""Use-cases: the only API the UI and the CLI call. Returns plain, detached data."""
