"""The one test harness: the app as the command line builds it, quick women, waiting, reading.

- `tests.harness.app`: `make_app(ctx)` (the real app, unlocked as `ctx` by typing), `unlock`,
  `app_showing`, `settle`, `type_text`, `screen_text`, `notices`.
- `tests.harness.women`: `add_woman` (through the service, as a keyworker adds her),
  `insert_woman` (a bare row), `insert_woman_with_every_record` (one of everything attached),
  `add_hub`, `reference_of`.
- `tests.harness.audit`: what the audit log says.
- `tests.harness.store`: `fill` a store with many rows, `file_hashes` of its files.
- `tests.harness.clock`: the tests' fixed today and now.
"""
