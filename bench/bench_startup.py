"""How long a `pricebot` command takes to start, against the import floor, in one run.

The floor: a fresh Python importing SQLAlchemy's ORM, pydantic-settings and Typer,
the least any command that reads the store can import. Measured, each in fresh
processes, interleaved so a busy machine slows all alike:

- `pricebot --help`
- `pricebot ask "cheapest for 1M tokens"` on a small store (the bundled price-war
  catalog, 14 models: start-up and one answer)
- the same on a store holding the offline default sources (the bundled catalog and
  genai-prices' data, ~1,900 models): what reading the store adds

Figures are the median CPU time (user + system) of the runs and, beside it, the
median wall time. Bytecode is cached as after an install (PYTHONPYCACHEPREFIX in a
temporary folder, written by a first, unmeasured run), even where the environment
sets PYTHONDONTWRITEBYTECODE. Targets (issue 17): `--help` at most 1.0x the floor,
`ask` at most 1.4x. Run:

    .venv/bin/python bench/bench_startup.py [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUESTION = "cheapest for 1M tokens"
FLOOR = "import sqlalchemy.orm, pydantic_settings, typer"


def pricebot() -> list[str]:
    """The installed console script next to this Python, as a user runs it."""
    script = Path(sys.executable).parent / "pricebot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="fresh processes per command")
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PRICEBOT_")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "pycache")
        env["PRICEBOT_LOG_LEVEL"] = "WARNING"
        small = {**env, "PRICEBOT_DATABASE_URL": f"sqlite:///{Path(folder) / 'small.db'}"}
        full = {**env, "PRICEBOT_DATABASE_URL": f"sqlite:///{Path(folder) / 'full.db'}"}
        # (An empty store has no answer: `ask` says so and exits 69.)
        subprocess.run([*pricebot(), "catalog", "load"], env=small, check=True, capture_output=True)
        # The offline default sources: the bundled catalog and genai-prices' bundled data.
        subprocess.run(
            [*pricebot(), "sources", "refresh"], env=full, check=True, capture_output=True
        )
        cases = {
            "floor (ORM + pydantic-settings + Typer)": ([sys.executable, "-c", FLOOR], env),
            "pricebot --help": ([*pricebot(), "--help"], env),
            "pricebot ask, 14 models (catalog)": ([*pricebot(), "ask", QUESTION], small),
            "pricebot ask, ~1,900 models": ([*pricebot(), "ask", QUESTION], full),
        }
        for command, case_env in cases.values():
            timed(command, case_env)  # writes the bytecode; not measured
        cpu: dict[str, list[float]] = {name: [] for name in cases}
        wall: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(runs):
            for name, (command, case_env) in cases.items():
                used, took = timed(command, case_env)
                cpu[name].append(used)
                wall[name].append(took)
    floor = statistics.median(cpu[next(iter(cases))])
    print(f"median of {runs} fresh processes each; CPU = user + system")
    for name in cases:
        median = statistics.median(cpu[name])
        print(
            f"{name:42} CPU {median * 1000:6.0f} ms  {median / floor:4.2f}x floor  "
            f"(wall {statistics.median(wall[name]) * 1000:5.0f} ms)"
        )


if __name__ == "__main__":
    main()
