"""`python -m bench [names]`: run every `bench/bench_*.py` module's `main()` (or those named).

Names may be given with or without the `bench_` prefix: `python -m bench unlock import`.
The exit status is non-zero when any benchmark reports a missed target or fails.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    """The benchmark module names, without the `bench_` prefix."""
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks in turn; return 0 only if all of them did."""
    wanted = [n.removeprefix("bench_").removesuffix(".py") for n in (argv or [])]
    names = available()
    unknown = [n for n in wanted if n not in names]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; have: {', '.join(names)}")
        return 2
    status = 0
    for name in wanted or names:
        print(f"=== bench {name} ===", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench.bench_{name}")
        # An empty argv so a benchmark's own argument parser does not read ours.
        result = module.main([])
        took = time.perf_counter() - started
        print(f"=== {name}: {'ok' if not result else 'FAILED'} in {took:.0f} s")
        status = status or int(result or 0)
    # Every run ends by rewriting docs/BENCHMARKS.md from what has been recorded.
    from bench.report import write_report

    print(f"=== wrote {write_report()}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
