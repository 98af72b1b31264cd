"""Finding, starting and talking to one messages-vcr server."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

BUNDLED = Path(__file__).parent / "bin" / "messages-vcr"
STARTUP = re.compile(r"^messages-vcr listening on (http://[^ ]+) ")


class ServerNotFound(Exception):
    """No messages-vcr binary was found."""


def find_binary(option: str | None = None) -> str:
    """The server binary: --vcr-bin, else $MESSAGES_VCR_BIN, else the one in this package's wheel,
    else `messages-vcr` on PATH."""
    for candidate, source in ((option, "--vcr-bin"), (os.environ.get("MESSAGES_VCR_BIN"), "MESSAGES_VCR_BIN")):
        if candidate:
            if os.access(candidate, os.X_OK) and not os.path.isdir(candidate):
                return candidate
            raise ServerNotFound(f"{source} names {candidate!r}, which is not an executable file")
    if BUNDLED.is_file() and os.access(BUNDLED, os.X_OK):
        return str(BUNDLED)
    on_path = shutil.which("messages-vcr")
    if on_path and not _is_this_shim(on_path):
        return on_path
    raise ServerNotFound(
        "messages-vcr not found: pass --vcr-bin PATH, set MESSAGES_VCR_BIN=PATH, or put messages-vcr on PATH "
        "(build it with `swift build -c release` in the messages-vcr repository, or install the platform wheel)")


def binary_environment(binary: str) -> dict:
    """The environment to run `binary` in: a wheel's binary finds the libsqlite3 it carries beside it."""
    env = dict(os.environ)
    folder = os.path.dirname(os.path.abspath(binary))
    if os.path.exists(os.path.join(folder, "libsqlite3.so.0")):
        env["LD_LIBRARY_PATH"] = folder + (os.pathsep + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    return env


def _is_this_shim(path: str) -> bool:
    """Whether `path` is this package's own console script (which needs the bundled binary)."""
    try:
        with open(path, "rb") as file:
            return b"pytest_messages_vcr.server" in file.read(4096)
    except OSError:
        return False


class VCRServer:
    """One `messages-vcr serve --port 0` process, its URL and its admin routes."""

    def __init__(self, binary: str, mode: str, cassette_dir: str, timing: str, upstream: str | None, log_path: str,
                 extra: list[str] | None = None):
        self.binary, self.mode, self.cassette_dir, self.timing = binary, mode, cassette_dir, timing
        self.upstream, self.log_path = upstream, log_path
        self.extra = extra or []
        self.url: str | None = None
        self.process: subprocess.Popen | None = None
        self._connection: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()

    def start(self, timeout: float = 30) -> str:
        args = [self.binary, "serve", "--port", "0", "--mode", self.mode, "--cassette-dir", self.cassette_dir,
                "--timing", self.timing, "--quiet"]
        if self.upstream:
            args += ["--upstream", self.upstream]
        args += self.extra
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._log, text=True,
                                        env=binary_environment(self.binary))
        found: list[str] = []

        def read_startup() -> None:
            for line in self.process.stdout:
                match = STARTUP.match(line)
                if match:
                    found.append(match.group(1))
                    break

        reader = threading.Thread(target=read_startup, daemon=True)
        reader.start()
        reader.join(timeout)
        if not found:
            self.stop()
            raise RuntimeError(f"messages-vcr did not start ({' '.join(args)}):\n{self.log_tail()}")
        self.url = found[0]
        return self.url

    def stop(self) -> int | None:
        if not self.process:
            return None
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode

    def log_tail(self, lines: int = 40) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as file:
                return "".join(file.readlines()[-lines:])
        except OSError:
            return ""

    def _call(self, method: str, path: str) -> dict:
        """One admin request on a kept-alive connection (a new one if the last was closed)."""
        with self._lock:
            for attempt in (1, 2):
                if self._connection is None:
                    parsed = urllib.parse.urlsplit(self.url)
                    self._connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
                try:
                    self._connection.request(method, path)
                    response = self._connection.getresponse()
                    body = response.read()
                except (OSError, http.client.HTTPException):
                    self._connection.close()
                    self._connection = None
                    if attempt == 2:
                        raise
                    continue
                if response.status >= 400:
                    raise OSError(f"{method} {path}: {response.status} {body[:300]!r}")
                return json.loads(body)

    def journal(self, session: str | None = None, limit: int = 1000) -> list[dict]:
        """The server's last requests (of one session), oldest first."""
        query = {"limit": str(limit)}
        if session:
            query["session"] = session
        return self._call("GET", "/__vcr/journal?" + urllib.parse.urlencode(query))["entries"]

    def report(self) -> dict:
        """The coverage report: recordings used, never used, and misses."""
        return self._call("GET", "/__vcr/report")

    def reset(self, session: str) -> None:
        """Starts a session's identical-request cursors over."""
        self._call("POST", "/__vcr/reset?" + urllib.parse.urlencode({"session": session}))


def main() -> None:
    """The `messages-vcr` command a wheel installs: runs the bundled server binary."""
    if not BUNDLED.is_file():
        sys.exit("messages-vcr: this installation has no bundled binary (it was installed from source); build messages-vcr with Swift")
    os.execve(str(BUNDLED), [str(BUNDLED)] + sys.argv[1:], binary_environment(str(BUNDLED)))
