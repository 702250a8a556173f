"""The example apps run over a real uvicorn server."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.client import connect

from examples.echo import app as echo_app
from tests.support.servers import serve

pytestmark = pytest.mark.anyio


async def test_echo_example() -> None:
    with serve(echo_app) as url:
        async with connect(f"{url}/echo") as client:
            await client.send(json.dumps({"user": "ana", "text": "hi"}))
            assert json.loads(await client.recv()) == {"user": "ana", "text": "hi"}
            await client.send(json.dumps({"user": "", "text": "hi"}))
            error = json.loads(await client.recv())
            assert error["user"] == "server"
            assert error["text"].startswith("message is not a valid Chat: user:")
