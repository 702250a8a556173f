"""Run the chat: `python -m examples.chat [--host 127.0.0.1] [--port 8000] [--hub-url memory://]`."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

import uvicorn

from .app import HUB_URL_VARIABLE, create_app


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line's options."""
    parser = argparse.ArgumentParser(prog="python -m examples.chat", description="The typedws chat demo.")
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8000, help="the port to listen on (default: %(default)s)")
    parser.add_argument(
        "--hub-url",
        default=os.environ.get(HUB_URL_VARIABLE) or "memory://",
        help="memory:// for one process, redis://HOST:PORT/DB to share rooms between processes"
        f" (default: ${HUB_URL_VARIABLE}, else %(default)s)",
    )
    parser.add_argument("--log-level", default="info", help="uvicorn's log level (default: %(default)s)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the chat with uvicorn until interrupted."""
    options = parse_arguments(argv)
    uvicorn.run(
        create_app(options.hub_url),
        host=options.host,
        port=options.port,
        ws="websockets-sansio",
        lifespan="on",
        log_level=options.log_level,
    )


if __name__ == "__main__":
    main()
