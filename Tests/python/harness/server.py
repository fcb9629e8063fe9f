"""Start and stop a redis-server-compatible binary for black-box tests.

Both sides of every comparison (keyward-server and the real redis-server) are
started the same way, on a free loopback port, without persistence, with the
working directory and the log in a private temporary folder.
"""
from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from .resp import Conn

BASE_ARGS = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
START_TIMEOUT = 30.0
POLL_INTERVAL = 0.05
STOP_GRACE = 10.0


def free_port() -> int:
    """A port the kernel considers free right now (bind to 0 and read it).
    Another process may take it before the server binds; start() retries."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerError(Exception):
    pass


# Every process started here, so an interrupted run (Ctrl-C, a crash of the
# test runner) still stops them: they run in their own session and would not
# get the terminal's signals.
_LIVE: set["Server"] = set()


@atexit.register
def _stop_all():
    for srv in list(_LIVE):
        srv.stop()


class Server:
    def __init__(self, binary: str | os.PathLike, name: str, extra_args=(),
                 workdir: str | os.PathLike | None = None):
        self.binary = str(binary)
        self.name = name
        self.extra_args = [str(a) for a in extra_args]
        self.workdir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix=f"{name}-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.host = "127.0.0.1"
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self.log_path = self.workdir / f"{name}.log"
        self.starts = 0
        self.crashes: list[str] = []   # exit notes of unexpected deaths

    # -- lifecycle -------------------------------------------------------
    def start(self, timeout: float = START_TIMEOUT):
        if not os.path.exists(self.binary):
            raise ServerError(f"{self.name}: binary not found: {self.binary}")
        last = ""
        for _attempt in range(5):
            self.port = free_port()
            self.starts += 1
            argv = [self.binary, "--port", str(self.port), *BASE_ARGS, *self.extra_args]
            with open(self.log_path, "ab") as log:
                log.write(f"\n=== start #{self.starts}: {' '.join(map(repr, argv))}\n".encode())
                log.flush()
                self.proc = subprocess.Popen(argv, cwd=self.workdir, stdin=subprocess.DEVNULL,
                                             stdout=log, stderr=subprocess.STDOUT,
                                             start_new_session=True)
            _LIVE.add(self)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if self._answers_ping():
                    return self
                time.sleep(POLL_INTERVAL)
            if self.proc.poll() is None:
                self.stop()
                raise ServerError(f"{self.name} did not answer PING within {timeout:.0f}s "
                                  f"on port {self.port}\n{self.log_tail()}")
            last = self.log_tail()
            if "in use" not in last:   # only a lost port race is worth a retry
                break
        raise ServerError(f"{self.name} exited during start-up (code {self.proc.returncode})\n{last}")

    def _answers_ping(self) -> bool:
        try:
            with Conn(self.host, self.port, timeout=1.0) as c:
                reply = c.call("PING").raw
        except OSError:
            return False
        except Exception:
            return False
        # -NOAUTH means it is up but password-protected (tests may configure that).
        return reply == b"+PONG\r\n" or reply.startswith(b"-NOAUTH")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def ensure_running(self):
        """Restart after a crash (so one crash fails one test, not the rest),
        remembering the crash for the report."""
        if self.proc is not None and not self.alive():
            self.crashes.append(f"{self.name} exited with code {self.proc.returncode}")
            self.start()
        elif self.proc is None:
            self.start()
        return self

    def stop(self):
        _LIVE.discard(self)
        p = self.proc
        if p is None or p.poll() is not None:
            return
        try:
            p.send_signal(signal.SIGTERM)
            p.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)
        except ProcessLookupError:
            pass

    # -- helpers ---------------------------------------------------------
    def connect(self, timeout: float = 10.0) -> Conn:
        return Conn(self.host, self.port, timeout=timeout)

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_bytes().decode("utf-8", "replace")
        except OSError:
            return f"(no log at {self.log_path})"
        tail = text.splitlines()[-lines:]
        return f"--- {self.name} log ({self.log_path}) ---\n" + "\n".join(tail)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def __repr__(self):
        return f"<Server {self.name} {self.binary} port={self.port}>"
