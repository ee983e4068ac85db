"""The `caseapp` command line: bare `caseapp` opens the TUI; subcommands run headless."""
