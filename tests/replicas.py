"""`pricebot run` processes for tests and benchmarks: start, probe over HTTP, kill.

Each replica is a real `python -m bot run` with its own HTTP port; tests talk to it
only the way an operator or a load balancer would: /healthz, /readyz, /metrics,
signals.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll `condition` until true; return the seconds it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(0.05)
    return time.monotonic() - start


class Replica:
    """One `pricebot run` process on a port of its own; stderr (its log) goes to a file.

    `{port}` in an environment value becomes the replica's port (its webhook URL).
    """

    def __init__(self, database_url: str, log_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"pricebot-{self.port}.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.log_path.open("w"),
            env={
                **os.environ,
                "PRICEBOT_DATABASE_URL": database_url,
                "PRICEBOT_HTTP_HOST": "127.0.0.1",
                "PRICEBOT_HTTP_PORT": str(self.port),
                "PRICEBOT_CONSOLE": "off",
                "PRICEBOT_POLL_SOURCES": "false",
                "PRICEBOT_LEADER_INTERVAL": "0.5",
                **{key: value.format(port=self.port) for key, value in env.items()},
            },
        )

    def get(self, path: str, timeout: float = 5.0) -> tuple[int, str]:
        """(status, body) of GET `path`; status 0 when nothing answers."""
        try:
            with urllib.request.urlopen(self.base + path, timeout=timeout) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except OSError:
            return 0, ""

    def ready(self) -> bool:
        self.require_alive()
        return self.get("/readyz")[0] == 200

    def wait_ready(self, timeout: float = 30.0) -> None:
        wait_for(self.ready, timeout, f"pricebot on port {self.port} ready")

    def metric(self, name: str, **labels: str) -> float | None:
        """One sample from /metrics, or None when absent (or nothing answers)."""
        status, text = self.get("/metrics")
        if status != 200:
            return None
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and all(
                    sample.labels.get(k) == v for k, v in labels.items()
                ):
                    return float(sample.value)
        return None

    def is_leader(self) -> bool:
        return self.metric("pricebot_leader") == 1

    def alive(self) -> bool:
        return self.proc.poll() is None

    def require_alive(self) -> None:
        if not self.alive():
            raise AssertionError(f"pricebot exited with {self.proc.returncode}:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text()

    def log_records(self) -> list[dict[str, object]]:
        """The log as JSON objects (PRICEBOT_LOG_FORMAT=json)."""
        return [json.loads(line) for line in self.log().splitlines() if line.strip()]

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as when a machine or a container dies."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, as `docker stop` and Kubernetes send; returns the exit status."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode
