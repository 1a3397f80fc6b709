"""A TCP proxy between a service and its dependency, for faults the real
network will not show on demand (toxiproxy and tc netem are not here).

It forwards bytes both ways while `passing`. `stall()` keeps accepting and
holding connections, new and open alike, but moves no byte: a dependency
that hangs. `refuse()` closes its listening socket and resets every open
connection: a dependency that is down. `pass_through()` heals either.
"""

import contextlib
import socket
import struct
import threading

PASSING, STALLED, REFUSING = "passing", "stalled", "refusing"
_WAIT = 0.05


class FaultProxy:
    def __init__(self, target_port: int, host: str = "127.0.0.1"):
        self.target = (host, target_port)
        self.mode = PASSING
        self.changed = threading.Condition()
        self.open: set[socket.socket] = set()
        self.listener = self._listen(0)
        self.port = self.listener.getsockname()[1]
        self._start_accepting()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stall(self) -> None:
        self._set(STALLED)

    def refuse(self) -> None:
        self._set(REFUSING)
        self.listener.close()
        for connection in list(self.open):
            _reset(connection)

    def pass_through(self) -> None:
        if self.mode == REFUSING:
            self.listener = self._listen(self.port)
            self._start_accepting()
        self._set(PASSING)

    def close(self) -> None:
        self.refuse()

    def _set(self, mode: str) -> None:
        with self.changed:
            self.mode = mode
            self.changed.notify_all()

    def _listen(self, port: int) -> socket.socket:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(256)
        return listener

    def _start_accepting(self) -> None:
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # closed by refuse()
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        self.open.add(client)
        try:
            upstream = socket.create_connection(self.target, timeout=2)
        except OSError:
            _reset(client)
            self.open.discard(client)
            return
        self.open.add(upstream)
        pumps = [
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True),
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True),
        ]
        for pump in pumps:
            pump.start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        """Move bytes from source to sink while passing; while stalled, read
        nothing (bytes wait in the kernel, as on a hung peer)."""
        source.settimeout(_WAIT)
        while True:
            with self.changed:
                while self.mode == STALLED:
                    self.changed.wait()
                if self.mode == REFUSING:
                    return
            try:
                data = source.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                data = b""
            if not data:
                for end in (source, sink):
                    _close(end)
                    self.open.discard(end)
                return
            try:
                sink.sendall(data)
            except OSError:
                continue


def _reset(connection: socket.socket) -> None:
    """Close with a TCP reset, as a host that went down answers."""
    with contextlib.suppress(OSError):
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    _close(connection)


def _close(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.close()
