"""The document's `x-` extensions: what it says that AsyncAPI 3.0 has no field for (see docs/asyncapi.md)."""

from __future__ import annotations

from typing import Final

__all__ = ["CLOSE_CODES", "COOKIES", "DISCRIMINATOR", "MAX_MESSAGE_BYTES", "PARAMETER_SCHEMA"]

CLOSE_CODES: Final = "x-close-codes"
"""On a channel: the codes the server may close its connections with, `[{"code": 1007, "description": "..."}]`."""

MAX_MESSAGE_BYTES: Final = "x-max-message-bytes"
"""On a channel: the largest message its endpoint accepts, in bytes."""

PARAMETER_SCHEMA: Final = "x-schema"
"""On a path parameter: its JSON Schema (AsyncAPI 3.0 gives a parameter none)."""

COOKIES: Final = "x-cookies"
"""On the `ws` binding: an object schema of the cookies the handshake reads, as `query` and `headers` are."""

DISCRIMINATOR: Final = "x-discriminator"
"""On a `oneOf` of tagged members: the tag's property (AsyncAPI's `discriminator` means a base schema's)."""
