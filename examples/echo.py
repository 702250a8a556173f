"""A typed echo server: every chat message comes back, validated both ways.

Run it with `python -m examples.echo` and talk to it at ws://127.0.0.1:8000/echo,
for example with `python -m websockets ws://127.0.0.1:8000/echo` and a line like
`{"user": "ana", "text": "hello"}`.
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket as StarletteWebSocket

from typedws import InvalidMessage, WebSocket


class Chat(BaseModel):
    """A line of chat."""

    user: str = Field(min_length=1, max_length=32)
    text: str = Field(max_length=1000)


async def echo(websocket: StarletteWebSocket) -> None:
    """Send every chat line back; answer an invalid one with an error line."""
    ws = WebSocket(websocket.scope, websocket.receive, websocket.send, value_type=Chat)
    async with ws:
        while True:
            try:
                chat = await ws.receive()
            except InvalidMessage as error:
                await ws.send(Chat(user="server", text=str(error)))
                continue
            await ws.send(Chat(user=chat.user, text=chat.text))


app = Starlette(routes=[WebSocketRoute("/echo", echo)])

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
