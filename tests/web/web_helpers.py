"""Talking to a running `mln web`: the process, urllib for ordinary requests, a bare socket for the rest."""

from __future__ import annotations

import re
import selectors
import socket
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

# "Still answers": generous, so a slow machine never fails a test that holds.
ANSWER_TIMEOUT = 30.0
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # straight to loopback, whatever proxy is set


@dataclass
class RunningWeb:
    process: subprocess.Popen
    url: str
    stderr_path: Path

    @property
    def port(self) -> int:
        return int(urlsplit(self.url).port or 0)

    def rss_kib(self) -> int:
        """The server's resident memory now (Linux)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE).group(1))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=ANSWER_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def serving_url(running: RunningWeb) -> str:
    """The URL from the first line `mln web` prints; fails with its stderr if it stops instead."""
    stream = running.process.stdout
    assert stream is not None
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if selector.select(timeout=ANSWER_TIMEOUT):
            line = stream.readline().decode()
            found = re.search(r" at (http://\S+/)", line)
            if found:
                return found.group(1)
    running.stop()
    raise AssertionError(f"mln web did not start: {running.stderr_path.read_text()}")


def fetch(url: str, data: bytes | None = None, method: str | None = None) -> tuple[int, dict, str]:
    """(status, headers, body) of one request; HTTP errors are answers too."""
    request = urllib.request.Request(url, data=data, method=method or ("POST" if data is not None else "GET"))
    try:
        with DIRECT.open(request, timeout=ANSWER_TIMEOUT) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode("utf-8", "replace")


def raw_request(port: int, data: bytes) -> bytes:
    """Send `data` as it is on a new connection; everything the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=ANSWER_TIMEOUT) as conn:
        try:
            conn.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # it answered and closed before reading it all: what it answered is still there to read
        return read_until_closed(conn)


def read_until_closed(conn: socket.socket) -> bytes:
    answer = b""
    try:
        while chunk := conn.recv(65536):
            answer += chunk
    except ConnectionResetError:
        pass
    return answer


def status_of(answer: bytes) -> int:
    """The status code of a raw HTTP answer (0 when there is none)."""
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
