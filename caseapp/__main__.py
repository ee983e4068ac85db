"""Run caseapp with `python -m caseapp`."""

from caseapp.cli.main import main

raise SystemExit(main())
