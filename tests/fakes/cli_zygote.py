"""A process that starts `pricebot` commands quickly, for tests (tests/cli_process.py).

It imports the third-party libraries every command needs (SQLAlchemy, Typer, pydantic,
Babel: about half a second of a fresh interpreter's start) and nothing of pricebot's,
then forks a child per request. The child takes the request's environment, working
directory, argv and standard streams and runs `python -m bot` the way a fresh process
would: pricebot's own modules are imported in the child, and the child ends through the
interpreter's normal exit (atexit hooks, thread joins, flushed streams).

Protocol, one JSON object per line: a request on stdin
    {"args": [...], "env": {...}, "cwd": "...", "stdin": path|null, "stdout": path,
     "stderr": path}
is answered on stdout by {"pid": N} once forked and {"pid": N, "code": C} once done
(C as subprocess reports it: negative for a signal).
"""

from __future__ import annotations

import io
import json
import os
import runpy
import sys
from typing import Any, NoReturn

# Third-party only: a command must still import what it uses of pricebot when it runs.
import babel.dates
import babel.numbers
import click
import platformdirs
import psycopg
import pydantic
import pydantic_settings
import rich.console
import sqlalchemy
import sqlalchemy.orm
import typer

PRELOADED = (babel, click, platformdirs, psycopg, pydantic, pydantic_settings, rich)
PRELOADED += (sqlalchemy, typer)


def child(request: dict[str, Any]) -> NoReturn:
    """Become the command: its streams, environment, directory and argv; then run it."""
    stdin = os.open(request["stdin"] or os.devnull, os.O_RDONLY)
    os.dup2(stdin, 0)
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(opened, fd)
        os.close(opened)
    os.close(stdin)
    # Streams as a fresh interpreter makes them for pipes: UTF-8, block-buffered stdout,
    # line-buffered stderr that never fails on an odd character.
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8")
    sys.stderr = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False),
        encoding="utf-8",
        errors="backslashreplace",
        line_buffering=True,
    )
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr
    os.environ.clear()
    os.environ.update(request["env"])
    if request.get("cwd"):
        os.chdir(request["cwd"])
    sys.argv = [os.path.join(os.path.dirname(sys.executable), "pricebot"), *request["args"]]
    runpy.run_module("bot", run_name="__main__", alter_sys=True)
    sys.exit(0)


def serve() -> None:
    requests = sys.stdin.buffer
    answers = sys.stdout
    for line in requests:
        request = json.loads(line)
        answers.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            child(request)
        answers.write(json.dumps({"pid": pid}) + "\n")
        answers.flush()
        _, status = os.waitpid(pid, 0)
        answers.write(json.dumps({"pid": pid, "code": os.waitstatus_to_exitcode(status)}) + "\n")
        answers.flush()


if __name__ == "__main__":
    serve()
