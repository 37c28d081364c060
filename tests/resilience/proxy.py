"""A TCP proxy in front of the real Dovecot that cuts the connection at a chosen moment.

It is a seam for fault injection beside the real server, not a fake of it: every
byte goes to and from Dovecot; the proxy only decides when the line goes dead.

    proxy = CuttingProxy(dovecot.port)
    proxy.arm(b"BODY.PEEK[]", mode="mid_reply", after_bytes=1500)   # mid-FETCH
    proxy.arm(b"MOVE", mode="before")       # the command never reaches the server
    proxy.arm(b"MOVE", mode="drop_reply")   # the server moves, the client never hears

It fronts PostgreSQL the same way (any TCP server): `cut_all()` and `down = True`.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass


@dataclass
class _Fault:
    pattern: bytes
    mode: str  # before | mid_reply | drop_reply
    after_bytes: int = 0
    skip: int = 0  # let this many matching commands through first


class _Link:
    """One client connection and its server connection."""

    def __init__(self, proxy: CuttingProxy, client: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.server = socket.create_connection(("127.0.0.1", proxy.target_port))
        self.reply_budget: int | None = None  # bytes of server reply still allowed through
        self.closed = False
        for pump in (self._client_to_server, self._server_to_client):
            threading.Thread(target=pump, daemon=True).start()

    def cut(self, deliberate: bool = True) -> None:
        if self.closed:
            return
        self.closed = True
        if deliberate:  # counted before closing: the client sees EOF at once and may look
            self.proxy.cuts += 1
        for sock in (self.client, self.server):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _client_to_server(self) -> None:
        try:
            while chunk := self.client.recv(65536):
                fault = self.proxy.take(chunk)
                if fault is not None and fault.mode == "before":
                    self.cut()
                    return
                self.server.sendall(chunk)
                if fault is not None:
                    self.reply_budget = fault.after_bytes
        except OSError:
            pass
        self.cut(deliberate=False)

    def _server_to_client(self) -> None:
        try:
            while chunk := self.server.recv(65536):
                if self.reply_budget is not None:
                    self.client.sendall(chunk[: self.reply_budget])
                    self.reply_budget -= min(len(chunk), self.reply_budget)
                    if self.reply_budget <= 0:
                        self.cut()
                        return
                    continue
                self.client.sendall(chunk)
        except OSError:
            pass
        self.cut(deliberate=False)


class CuttingProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.faults: list[_Fault] = []
        self.links: list[_Link] = []
        self.down = False  # while True, new connections are closed at once (the server is "gone")
        self.cuts = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, pattern: bytes, mode: str, after_bytes: int = 0, skip: int = 0) -> None:
        """Cut the connection on the next command containing `pattern` (once)."""
        with self.lock:
            self.faults.append(_Fault(pattern, mode, after_bytes, skip))

    def take(self, chunk: bytes) -> _Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.pattern in chunk:
                    if fault.skip:
                        fault.skip -= 1
                        return None
                    self.faults.remove(fault)
                    return fault
        return None

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            self.links.append(_Link(self, client))

    def cut_all(self) -> None:
        """Drop every open connection, as a server crash or a network outage would."""
        for link in list(self.links):
            link.cut()

    def close(self) -> None:
        self.listener.close()
