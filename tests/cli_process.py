"""`pricebot ARGS` in a process of its own, as a user runs it, without paying a fresh
interpreter's half second of third-party imports on every one of the tests' CLI calls.

    result = run_pricebot(["prices", "list"], env={**os.environ, ...}, timeout=60)
    result.returncode, result.stdout, result.stderr       # a CompletedProcess[str]

Each call is a real process (forked from tests/fakes/cli_zygote.py, one per test worker,
which has imported SQLAlchemy, Typer, pydantic and Babel and nothing of pricebot's): its
own environment, working directory, argv, standard streams and exit code, pricebot's
modules imported afresh. What that cannot show, whether a command imports only what it
needs, tests/test_startup.py checks in truly fresh interpreters.
PRICEBOT_TEST_FRESH_CLI=1 runs every call in a fresh interpreter instead.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ZYGOTE = Path(__file__).parent / "fakes" / "cli_zygote.py"


class _Zygote:
    """The per-worker forking process; one call at a time (a lock), restarted if it dies."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._pending = b""

    def _started(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            self._pending = b""
            self._proc = subprocess.Popen(
                [sys.executable, str(ZYGOTE)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=dict(os.environ),
            )
            atexit.register(self._proc.kill)
        return self._proc

    def run(
        self,
        args: Sequence[str],
        env: Mapping[str, str],
        cwd: str | None,
        input: str | None,
        timeout: float,
    ) -> subprocess.CompletedProcess[str]:
        with self._lock, tempfile.TemporaryDirectory(prefix="pricebot-cli-") as tmp:
            paths = {name: os.path.join(tmp, name) for name in ("stdin", "stdout", "stderr")}
            Path(paths["stdin"]).write_text(input or "", encoding="utf-8")
            request = {
                "args": list(args),
                "env": dict(env),
                "cwd": cwd,
                **paths,
            }
            proc = self._started()
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(json.dumps(request).encode() + b"\n")
            proc.stdin.flush()
            pid = self._answer(proc, 30)["pid"]
            try:
                code = self._answer(proc, timeout)["code"]
            except subprocess.TimeoutExpired:
                os.kill(pid, signal.SIGKILL)
                self._answer(proc, 30)
                raise subprocess.TimeoutExpired(["pricebot", *args], timeout) from None
            return subprocess.CompletedProcess(
                ["pricebot", *args],
                code,
                Path(paths["stdout"]).read_text(encoding="utf-8"),
                Path(paths["stderr"]).read_text(encoding="utf-8", errors="backslashreplace"),
            )

    def _answer(self, proc: subprocess.Popen[bytes], timeout: float) -> dict[str, Any]:
        """The zygote's next answer line; read from the raw pipe (a buffered reader could
        hold a second line that select() would then wait for in vain)."""
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        while b"\n" not in self._pending:
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                raise subprocess.TimeoutExpired("pricebot", timeout)
            chunk = os.read(fd, 65536)
            if not chunk:
                raise RuntimeError("the CLI zygote died (tests/fakes/cli_zygote.py)")
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        answer: dict[str, Any] = json.loads(line)
        return answer


_zygote = _Zygote()


def run_pricebot(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    input: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` with `env` (default: this process's), captured as text."""
    environ = dict(os.environ if env is None else env)
    where = os.fspath(cwd) if cwd is not None else None
    if os.environ.get("PRICEBOT_TEST_FRESH_CLI") == "1":
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            capture_output=True,
            text=True,
            env=environ,
            cwd=where,
            input=input,
            timeout=timeout,
        )
    return _zygote.run(args, environ, where, input, timeout)
