"""Every major ASGI server, as a command that runs an app in a child process on 127.0.0.1.

`LAUNCHERS` is the table the server matrix (`tests/integration/`) and the
end-to-end benchmark run: uvicorn (both of its WebSocket implementations),
Hypercorn, Granian and Daphne. Each row also holds how that server differs
where the ASGI specification leaves it room (`Differences`); the matrix
asserts each row, and `docs/production.md` shows the same table
(`differences_table()`, checked by `tests/project/test_server_table.py`).
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tests.support.servers import ChildProcess, child_process

SERVER_MAX_SIZE = 16 * 1024 * 1024
"""The largest message each server is started to take (uvicorn's and Hypercorn's default; Granian's frame limit).

Above any app's `max_size`, so that typedws, not the server, answers a large message with 1009.
"""

Command = Callable[[str, int], list[str]]
"""The command line that serves an app (`module:attribute`) on a port of 127.0.0.1."""


@dataclass(frozen=True)
class Differences:
    """What a server does where servers differ, as a `websockets` client and the app see it.

    A close is written `(code, reason)`; `None` means the connection drops
    without a close frame.
    """

    peer_close_code: int | None
    """The code the app sees whatever code the peer closes with; `None` when it sees the peer's own."""
    abrupt_drop_code: int
    """The code the app sees when the peer's TCP connection drops without a close frame."""
    send_waits_for_a_slow_reader: bool
    """Whether a send waits while the peer reads nothing and the buffers are full; if not, the server buffers without bound."""
    send_fails_after_drop: bool
    """Whether a send to a peer that has left fails (so a handler that only sends ends), or is dropped silently."""
    server_limit_close: tuple[int, str] | None
    """What a peer sending a message over the server's own limit gets."""
    invalid_utf8_close: tuple[int, str] | None
    """What a peer sending invalid UTF-8 in a text frame gets (the server refuses it before the app sees it)."""
    shutdown_close: tuple[int, str] | None
    """What a peer whose handler is running gets when the server shuts down."""
    shutdown_endings: tuple[str, ...]
    """How a running handler may end at shutdown: "quiet" (the server reports a disconnect), "escaped CancelledError",
    or "never" (the process exits with the handler suspended: its `finally` blocks never run)."""
    shutdown_logs_traceback: bool
    """Whether the server logs a traceback of its own for each connection open at shutdown."""
    app_close_codes: str
    """Which close codes the app can send: "any", or the ones the server takes (typedws sends a refused 1xxx as 4xxx)."""
    close_reason: bool
    """Whether the close reason the app sends reaches the peer."""
    crash_before_accept_status: int
    """The HTTP status of the handshake when the app raises before accepting."""
    denial_response: bool
    """Whether the server has ASGI's WebSocket Denial Response extension (`send_denial_response`)."""
    lifespan: bool
    """Whether the server runs the ASGI lifespan (a Hub started in it)."""
    settings: str
    """The command-line options the matrix starts it with, and why."""

    def close_seen(self, code: int, reason: str) -> tuple[int, str]:
        """The close a peer gets when the app closes with `code` and `reason`."""
        if self.app_close_codes != "any" and code != 1000 and not 3000 <= code <= 4999:
            code += 3000  # typedws's stand-in for a code the server refuses to send
        return code, reason if self.close_reason else ""


@dataclass(frozen=True)
class Launcher:
    """How to run an ASGI app in one server, and how that server differs."""

    name: str
    """The row's name: the server, and its WebSocket implementation when it has several."""
    command: Command
    differences: Differences
    stop_signal: signal.Signals = signal.SIGTERM

    @contextlib.contextmanager
    def serve(self, app: str, log: Path) -> Generator[ChildProcess]:
        """Serve `app` (`module:attribute`) on a free port of 127.0.0.1 until the block ends; output in `log`."""
        with child_process(lambda port: self.command(app, port), log, stop_signal=self.stop_signal) as child:
            yield child


def _python(*arguments: str) -> list[str]:
    return [sys.executable, *arguments]


def _uvicorn(ws: str) -> Command:
    def command(app: str, port: int) -> list[str]:
        return _python(
            "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--ws", ws,
            "--ws-max-size", str(SERVER_MAX_SIZE), "--lifespan", "on", "--log-level", "warning", "--no-access-log",
        )  # fmt: skip

    return command


def _hypercorn(app: str, port: int) -> list[str]:
    return _python("-m", "hypercorn", app, "--bind", f"127.0.0.1:{port}", "--log-level", "warning")


def _granian(app: str, port: int) -> list[str]:
    return _python(
        "-m", "granian", app, "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
        "--workers", "1", "--log-level", "warning",
    )  # fmt: skip


def _daphne(app: str, port: int) -> list[str]:
    size = str(SERVER_MAX_SIZE)
    return _python(
        "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "-v", "0",
        "--websocket-max-message-size", size, "--websocket-max-frame-size", size, app,
    )  # fmt: skip


_UVICORN = Differences(
    peer_close_code=None,
    abrupt_drop_code=1005,
    send_waits_for_a_slow_reader=True,
    send_fails_after_drop=True,
    server_limit_close=(1009, "frame exceeds limit of 16777216 bytes"),
    invalid_utf8_close=(1007, ""),
    shutdown_close=(1012, ""),
    shutdown_endings=("quiet",),
    shutdown_logs_traceback=False,
    app_close_codes="any",
    close_reason=True,
    crash_before_accept_status=500,
    denial_response=True,
    lifespan=True,
    settings="`--ws-max-size 16777216` (its default)",
)
"""uvicorn with `--ws websockets-sansio`; with `--ws wsproto`, only the protocol layer's own answers differ."""

LAUNCHERS: Sequence[Launcher] = (
    Launcher("uvicorn, websockets-sansio", _uvicorn("websockets-sansio"), _UVICORN),
    Launcher(
        "uvicorn, wsproto",
        _uvicorn("wsproto"),
        replace(
            _UVICORN,
            server_limit_close=(1009, "Message exceeds the maximum size (16777216 bytes)"),
            invalid_utf8_close=None,
        ),
    ),
    Launcher(
        "Hypercorn",
        _hypercorn,
        Differences(
            peer_close_code=1006,
            abrupt_drop_code=1006,
            send_waits_for_a_slow_reader=True,
            send_fails_after_drop=False,
            server_limit_close=(1009, ""),
            invalid_utf8_close=None,
            shutdown_close=(1001, ""),
            shutdown_endings=("escaped CancelledError",),
            shutdown_logs_traceback=True,
            app_close_codes="any",
            close_reason=True,
            crash_before_accept_status=500,
            denial_response=True,
            lifespan=True,
            settings="defaults (`websocket_max_message_size` is 16 MiB)",
        ),
    ),
    Launcher(
        "Granian",
        _granian,
        Differences(
            peer_close_code=None,
            abrupt_drop_code=1005,
            send_waits_for_a_slow_reader=True,
            send_fails_after_drop=False,
            server_limit_close=(1005, ""),
            invalid_utf8_close=(1005, ""),
            shutdown_close=None,
            shutdown_endings=("quiet", "never"),
            shutdown_logs_traceback=False,
            app_close_codes="any",
            close_reason=True,
            crash_before_accept_status=403,
            denial_response=True,
            lifespan=True,
            settings="`--interface asgi --workers 1` (its frame limit, 16 MiB, has no option)",
        ),
    ),
    Launcher(
        "Daphne",
        _daphne,
        Differences(
            peer_close_code=None,
            abrupt_drop_code=1006,
            send_waits_for_a_slow_reader=False,
            send_fails_after_drop=False,
            server_limit_close=None,
            invalid_utf8_close=None,
            shutdown_close=None,
            shutdown_endings=("never",),
            shutdown_logs_traceback=False,
            app_close_codes="1000 and 3000–4999 only",
            close_reason=False,
            crash_before_accept_status=500,
            denial_response=False,
            lifespan=False,
            settings="`--websocket-max-message-size` and `--websocket-max-frame-size` 16777216 (default: 1 MiB)",
        ),
    ),
)
"""The servers of the matrix, in the order the docs list them."""

LAUNCHER_IDS = [launcher.name.replace(", ", "-").lower() for launcher in LAUNCHERS]
"""Short names of `LAUNCHERS` for test ids: `uvicorn-wsproto`, `hypercorn`, ..."""


def _close(close: tuple[int, str] | None) -> str:
    if close is None:
        return "no close frame"
    code, reason = close
    if code == 1005:
        return "a close frame without a code"
    return f"{code} “{reason}”" if reason else str(code)


def _yes(value: bool) -> str:
    return "yes" if value else "no"


_SHUTDOWN_ENDINGS = {
    "quiet": "ends quietly",
    "escaped CancelledError": "is cancelled",
    "never": "never ends",
}

_ROWS: Sequence[tuple[str, Callable[[Differences], str]]] = (
    ("close codes the app can send", lambda d: d.app_close_codes),
    ("the app's close reason reaches the peer", lambda d: _yes(d.close_reason)),
    ("a peer's close code, as the app sees it", lambda d: "the peer's" if d.peer_close_code is None else f"always {d.peer_close_code}"),
    ("a dropped connection, as the app sees it", lambda d: str(d.abrupt_drop_code)),
    ("a send while the peer reads nothing", lambda d: "waits" if d.send_waits_for_a_slow_reader else "never waits"),
    ("a send after the peer left", lambda d: "fails" if d.send_fails_after_drop else "is dropped silently"),
    ("a message over the server's limit (16 MiB)", lambda d: _close(d.server_limit_close)),
    ("invalid UTF-8 in a text frame", lambda d: _close(d.invalid_utf8_close)),
    ("at shutdown, the peer gets", lambda d: _close(d.shutdown_close)),
    ("at shutdown, a running handler", lambda d: " or ".join(_SHUTDOWN_ENDINGS[e] for e in d.shutdown_endings)),
    ("a crash before accepting", lambda d: f"HTTP {d.crash_before_accept_status}"),
    ("`send_denial_response`", lambda d: _yes(d.denial_response)),
    ("lifespan (a Hub started in it)", lambda d: _yes(d.lifespan)),
    ("the matrix starts it with", lambda d: d.settings),
)


def differences_table() -> str:
    """`LAUNCHERS`' differences as a Markdown table: a row per behaviour, a column per server."""
    header = ["", *(launcher.name for launcher in LAUNCHERS)]
    rows = [[label, *(cell(launcher.differences) for launcher in LAUNCHERS)] for label, cell in _ROWS]
    lines = ["| " + " | ".join(row) + " |" for row in (header, ["---"] * len(header), *rows)]
    return "\n".join(lines) + "\n"
