"""A counting HTTP/1.1 relay in front of a backend, run as its own process.

Every measured client talks to the backend through this relay, so requests and bytes are
counted the same way for ours and for the peers, without trusting any client's own counters
and without adding work to the measured process. It forwards bytes unchanged except the
``Host`` header (rewritten to the backend's address: qBittorrent refuses a Host whose port
is not its own), and counts per request: method and path, status, bytes each way on the
wire (headers included), the response body as sent and decoded (gzip/deflate).

Run: ``python -m bench.relay --target 127.0.0.1:8080 --port-file PATH``; it writes
``<listen port> <control port>`` to PATH once it listens. The control port answers one
line per command: ``stats`` (a JSON object of the counters) or ``quit``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import subprocess
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

HEAD_END = b"\r\n\r\n"
CHUNK = 1 << 16


@dataclass(slots=True)
class Counters:
    """Cumulative counters; the harness takes differences around each poll."""

    requests: int = 0
    logins: int = 0
    connections: int = 0
    up_bytes: int = 0
    down_bytes: int = 0
    body_wire_bytes: int = 0
    body_bytes: int = 0
    by_path: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)


class _Stream:
    """Buffered reader over a socket stream that also counts what it read."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader
        self.buf = bytearray()

    async def fill(self) -> bool:
        data = await self.reader.read(CHUNK)
        if not data:
            return False
        self.buf += data
        return True

    async def head(self) -> bytes | None:
        while (end := self.buf.find(HEAD_END)) < 0:
            if not await self.fill():
                return None
        head = bytes(self.buf[: end + 4])
        del self.buf[: end + 4]
        return head

    def take(self, limit: int) -> bytes:
        part = bytes(self.buf[:limit])
        del self.buf[:limit]
        return part


def _headers(head: bytes) -> tuple[str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return lines[0], headers


def _rewrite_host(head: bytes, host: str) -> bytes:
    lines = head.split(b"\r\n")
    out = [
        b"Host: " + host.encode() if line.lower().startswith(b"host:") else line for line in lines
    ]
    return b"\r\n".join(out)


class Relay:
    """Accepts clients on ``listen`` and relays each connection to ``target``."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.counters = Counters()

    async def handle(self, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        self.counters.connections += 1
        try:
            u_reader, u_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            c_writer.close()
            return
        pending: asyncio.Queue[str] = asyncio.Queue()
        up = asyncio.create_task(self._requests(_Stream(c_reader), u_writer, pending))
        down = asyncio.create_task(self._responses(_Stream(u_reader), c_writer, pending))
        _, still = await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
        for task in still:
            task.cancel()
        for writer in (u_writer, c_writer):
            with contextlib.suppress(Exception):
                writer.close()

    async def _requests(
        self, src: _Stream, dst: asyncio.StreamWriter, pending: asyncio.Queue[str]
    ) -> None:
        host = f"{self.target_host}:{self.target_port}"
        while True:
            head = await src.head()
            if head is None:
                return
            line, headers = _headers(head)
            method, _, rest = line.partition(" ")
            path = rest.split(" ", 1)[0].split("?", 1)[0]
            c = self.counters
            c.requests += 1
            c.by_path[path] = c.by_path.get(path, 0) + 1
            if path.endswith("/auth/login"):
                c.logins += 1
            c.up_bytes += len(head)
            await pending.put(method)
            dst.write(_rewrite_host(head, host))
            length = int(headers.get("content-length", "0") or 0)
            while length > 0:
                if not src.buf and not await src.fill():
                    return
                part = src.take(length)
                length -= len(part)
                c.up_bytes += len(part)
                dst.write(part)
            await dst.drain()

    async def _responses(
        self, src: _Stream, dst: asyncio.StreamWriter, pending: asyncio.Queue[str]
    ) -> None:
        while True:
            head = await src.head()
            if head is None:
                return
            method = await pending.get()
            line, headers = _headers(head)
            status = line.split(" ", 2)[1] if line.count(" ") else "?"
            c = self.counters
            c.statuses[status] = c.statuses.get(status, 0) + 1
            c.down_bytes += len(head)
            dst.write(head)
            encoding = headers.get("content-encoding", "").lower()
            decoder = (
                zlib.decompressobj(16 + zlib.MAX_WBITS)
                if encoding == "gzip"
                else zlib.decompressobj()
                if encoding == "deflate"
                else None
            )
            no_body = method == "HEAD" or status in ("204", "304") or status.startswith("1")
            if no_body:
                await dst.drain()
                continue
            if headers.get("transfer-encoding", "").lower() == "chunked":
                ok = await self._chunked(src, dst, decoder)
            elif "content-length" in headers:
                ok = await self._fixed(src, dst, int(headers["content-length"]), decoder)
            else:
                ok = await self._until_close(src, dst, decoder)
            await dst.drain()
            if not ok:
                return

    def _body(self, data: bytes, decoder: zlib._Decompress | None) -> None:
        self.counters.down_bytes += len(data)
        self.counters.body_wire_bytes += len(data)
        if decoder is None:
            self.counters.body_bytes += len(data)
        else:
            with contextlib.suppress(zlib.error):
                self.counters.body_bytes += len(decoder.decompress(data))

    async def _fixed(
        self, src: _Stream, dst: asyncio.StreamWriter, length: int, decoder: zlib._Decompress | None
    ) -> bool:
        while length > 0:
            if not src.buf and not await src.fill():
                return False
            part = src.take(length)
            length -= len(part)
            self._body(part, decoder)
            dst.write(part)
        return True

    async def _until_close(
        self, src: _Stream, dst: asyncio.StreamWriter, decoder: zlib._Decompress | None
    ) -> bool:
        while src.buf or await src.fill():
            part = src.take(len(src.buf))
            self._body(part, decoder)
            dst.write(part)
        return False

    async def _line(self, src: _Stream) -> bytes | None:
        while (end := src.buf.find(b"\r\n")) < 0:
            if not await src.fill():
                return None
        return src.take(end + 2)

    async def _chunked(
        self, src: _Stream, dst: asyncio.StreamWriter, decoder: zlib._Decompress | None
    ) -> bool:
        while True:
            size_line = await self._line(src)
            if size_line is None:
                return False
            self.counters.down_bytes += len(size_line)
            dst.write(size_line)
            size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while (trailer := await self._line(src)) not in (None, b"\r\n"):
                    self.counters.down_bytes += len(trailer)
                    dst.write(trailer)
                if trailer is None:
                    return False
                self.counters.down_bytes += 2
                dst.write(trailer)
                return True
            if not await self._fixed(src, dst, size, decoder):
                return False
            crlf = await self._line(src)
            if crlf is None:
                return False
            self.counters.down_bytes += len(crlf)
            dst.write(crlf)

    async def control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while line := await reader.readline():
            command = line.strip().decode()
            if command == "stats":
                writer.write(json.dumps(asdict(self.counters)).encode() + b"\n")
                await writer.drain()
            elif command == "quit":
                writer.write(b"bye\n")
                await writer.drain()
                asyncio.get_running_loop().stop()
                return
        writer.close()


async def _serve(target: str, port_file: Path) -> None:
    host, _, port = target.rpartition(":")
    relay = Relay(host, int(port))
    server = await asyncio.start_server(relay.handle, "127.0.0.1", 0)
    control = await asyncio.start_server(relay.control, "127.0.0.1", 0)
    ports = [s.sockets[0].getsockname()[1] for s in (server, control)]
    tmp = port_file.with_suffix(".tmp")
    tmp.write_text(f"{ports[0]} {ports[1]}\n")
    tmp.replace(port_file)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--target", required=True, help="HOST:PORT of the backend")
    parser.add_argument("--port-file", type=Path, required=True)
    args = parser.parse_args()
    with contextlib.suppress(RuntimeError, KeyboardInterrupt):
        asyncio.run(_serve(args.target, args.port_file))


class RelayControl:
    """The harness side: reads the relay's counters over its control port (blocking, tiny)."""

    def __init__(self, port: int) -> None:
        self._sock = socket.create_connection(("127.0.0.1", port))
        self._file = self._sock.makefile("rb")

    def stats(self) -> Counters:
        self._sock.sendall(b"stats\n")
        return Counters(**json.loads(self._file.readline()))

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.sendall(b"quit\n")
        self._file.close()
        self._sock.close()


@dataclass(slots=True)
class RelayProcess:
    """A relay started by the harness: its process, listening port and control."""

    process: subprocess.Popen[bytes]
    port: int
    control: RelayControl

    @classmethod
    def start(cls, target: str, name: str) -> RelayProcess:
        """Start ``python -m bench.relay`` in front of ``target`` (``host:port``)."""
        from . import procs

        port_file = procs.WORK / f"relay-{name}.ports"
        port_file.unlink(missing_ok=True)
        process = procs.python(
            "-m", "bench.relay", "--target", target, "--port-file", str(port_file), name=name
        )
        try:
            procs.wait_for(port_file.exists, what=name, timeout=20, process=process, log=name)
            listen, control = (int(p) for p in port_file.read_text().split())
            return cls(process=process, port=listen, control=RelayControl(control))
        except BaseException:
            procs.stop(process)
            raise

    @property
    def url(self) -> str:
        """The relay's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def stats(self) -> Counters:
        """The cumulative counters."""
        return self.control.stats()

    def stop(self) -> None:
        """Stop the relay process by PID."""
        from . import procs

        self.control.close()
        procs.stop(self.process)


if __name__ == "__main__":
    main()
