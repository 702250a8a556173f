"""A WebSocket server on 127.0.0.1 that misbehaves on purpose: RFC 6455 spoken by hand, every byte chosen by the test.

`hostile_server(behaviour)` accepts the opening handshake of each client,
then hands the connection to `behaviour(peer)`, which writes whatever frames
it likes with `peer.send_frame` (an oversized message, thousands of empty
continuation frames ...) and then, typically, `await peer.ignore()`: it
reads and drops everything the client sends, answering neither its pings
nor its close frame, and never closes the TCP connection.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import struct
from collections.abc import AsyncGenerator, Awaitable, Callable

_ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Peer:
    """One client's connection to the hostile server, after the opening handshake."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.received: list[tuple[int, bytes]] = []
        """The frames the client sent (opcode, unmasked payload), in order."""

    async def send_frame(self, opcode: int, payload: bytes = b"", *, fin: bool = True) -> None:
        """Write one unmasked frame, as a server does."""
        self.writer.write(frame_bytes(opcode, payload, fin=fin))
        await self.writer.drain()

    async def read_frame(self) -> tuple[int, bytes]:
        """The client's next frame: its opcode and unmasked payload (`IncompleteReadError` at the end)."""
        first, second = await self.reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
        mask = await self.reader.readexactly(4) if second & 0x80 else b"\0\0\0\0"
        payload = bytes(byte ^ mask[i % 4] for i, byte in enumerate(await self.reader.readexactly(length)))
        frame = (first & 0x0F, payload)
        self.received.append(frame)
        return frame

    async def ignore(self) -> None:
        """Read and drop the client's frames until it closes the TCP connection; answer nothing."""
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                await self.read_frame()


def frame_bytes(opcode: int, payload: bytes = b"", *, fin: bool = True) -> bytes:
    """An unmasked frame (RFC 6455, section 5.2)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    if len(payload) < 126:
        head += bytes([len(payload)])
    elif len(payload) < 1 << 16:
        head += bytes([126]) + struct.pack("!H", len(payload))
    else:
        head += bytes([127]) + struct.pack("!Q", len(payload))
    return head + payload


Behaviour = Callable[[Peer], Awaitable[None]]
"""What the server does with a connection once the opening handshake is done."""


@contextlib.asynccontextmanager
async def hostile_server(behaviour: Behaviour) -> AsyncGenerator[str]:
    """Serve `behaviour` on 127.0.0.1 in the running event loop; yield its URL, `ws://127.0.0.1:PORT/`.

    Leaving the block cancels what the behaviours still run and closes their connections.
    """
    tasks: set[asyncio.Task[None]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            request = await reader.readuntil(b"\r\n\r\n")
            writer.write(_handshake_response(request))
            await behaviour(Peer(reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the client left, or the test is over (asyncio would log a cancelled connection's task)
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}/"
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


def _handshake_response(request: bytes) -> bytes:
    """The `101 Switching Protocols` answer to a client's opening handshake."""
    key = next(
        line.split(b":", 1)[1].strip()
        for line in request.split(b"\r\n")
        if line.lower().startswith(b"sec-websocket-key:")
    )
    accept = base64.b64encode(hashlib.sha1(key + _ACCEPT_GUID).digest())
    return (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )
