"""One client holding thousands of half-sent requests open against a
listener (a slowloris), reopening each one the gateway closes."""

import select
import socket
import threading

HALF_A_REQUEST = b"GET /api/v1/collections HTTP/1.1\r\nHost: flood\r\nX-Slow: "


class HalfRequests:
    def __init__(self, port: int, count: int = 2100, source: str = "127.0.0.2"):
        self.port, self.count, self.source = port, count, source
        self.sockets: list[socket.socket] = []
        self.reopened = 0
        self._stop = threading.Event()
        self._keeper = threading.Thread(target=self._keep_open, daemon=True)

    def __enter__(self) -> "HalfRequests":
        self.sockets = [self._open() for _ in range(self.count)]
        self._keeper.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._keeper.join(timeout=10)
        for held in self.sockets:
            held.close()

    def held(self) -> int:
        """How many of them the gateway has not closed."""
        return sum(1 for held in self.sockets if not _closed(held))

    def _open(self) -> socket.socket:
        held = socket.socket()
        # Another loopback address: the flood is one client, the tests another.
        held.bind((self.source, 0))
        held.connect(("127.0.0.1", self.port))
        held.sendall(HALF_A_REQUEST)
        return held

    def _keep_open(self) -> None:
        while not self._stop.wait(0.5):
            for index, held in enumerate(self.sockets):
                if _closed(held):
                    held.close()
                    self.sockets[index] = self._open()
                    self.reopened += 1


def _closed(held: socket.socket) -> bool:
    """Readable means the gateway answered or closed it: no longer held.
    (poll, not select: these descriptors run past select's 1,024.)"""
    if held.fileno() < 0:
        return True
    poller = select.poll()
    poller.register(held, select.POLLIN)
    return bool(poller.poll(0))
