"""Write the overloads that map value types to `In` and `Out`, from one table.

`WebSocket(...)`, both test clients' `websocket_connect(...)` and
`typedws.client.connect(...)` take a value type for each direction
(`value_type` for both, or `receive_type` and `send_type`), and their static
type follows from it: `"bytes"` is `bytes`, a model class is the model, and so
on. Python cannot say that once, so each of them carries one overload per
case. This script writes those overloads from `KINDS` (the table) and one
template per block, between the markers

    # BEGIN GENERATED OVERLOADS: <block>
    # END GENERATED OVERLOADS: <block>

Run `python tools/generate_overloads.py` after changing the table or a
template; `--check` only reports the blocks that are out of date (the test
suite runs it). SQLAlchemy's `tools/generate_tuple_map_overloads.py` is the
precedent.
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Kind:
    """One row of the table: a form of value type, and the static type of its values."""

    name: str
    """The case, as labels show it."""
    argument: str
    """The argument's annotation; `{T}` stands for the overload's type variable."""
    value: str
    """The type of the values; `{T}` as above."""
    default: bool = False
    """Whether this is what an omitted argument means."""
    generic: bool = False
    """Whether this is the form generic code holds, `ValueType[T]`: a catch-all, after every other overload."""


KINDS = (
    Kind('"text"', 'Literal["text"]', "str", default=True),
    Kind('"bytes"', 'Literal["bytes"]', "bytes"),
    Kind('"json"', 'Literal["json"]', "Any"),
    Kind('"event"', 'Literal["event"]', "Message"),
    Kind("a type", "type[{T}] | TypeAdapter[{T}] | Codec[{T}]", "{T}"),
    Kind("ValueType (generic code)", "ValueType[{T}]", "{T}", generic=True),
)
"""The one table of value types (`typedws._codecs` gives them their run-time meaning)."""

NAMED = tuple(kind.name.strip('"') for kind in KINDS if kind.name.startswith('"'))
"""The value types named by a string, in the table's order."""


@dataclass(frozen=True)
class Block:
    """One generated block: where it lives, which kinds it covers, and its overload's template.

    The template's fields: `{arguments}` (the value-type parameters, one per
    line at the template's indentation), `{receive}` and `{send}` (the static
    types), `{case}` (the label) and `{decorator}` (`@overload`, plus
    `first_decorator_comment` on the first overload).
    """

    name: str
    path: str
    template: str
    kinds: tuple[Kind, ...] = KINDS
    first_decorator_comment: str = ""


def _kinds_without(*names: str) -> tuple[Kind, ...]:
    return tuple(kind for kind in KINDS if kind.name.strip('"') not in names)


def _websocket_connect(session: str) -> str:
    """The template of a test client's `websocket_connect`, which opens a `session`."""
    return f"""\
    {{decorator}}
    def websocket_connect(
        self,
        url: str,
        *,
        {{arguments}}
        **options: Unpack[ConnectOptions],
    ) -> {session}[{{receive}}, {{send}}]: ...  # {{case}}
"""


BLOCKS = (
    Block(
        name="WebSocket.__init__",
        path="typedws/_websocket.py",
        template='''\
    {decorator}
    def __init__(
        self: WebSocket[{receive}, {send}],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        {arguments}
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # {case}
''',
    ),
    Block(
        name="TestClient.websocket_connect",
        path="typedws/testing/_clients.py",
        # Raw ASGI events are a server connection's: a test session carries messages.
        kinds=_kinds_without("event"),
        # The typed sessions are not Starlette's: this override changes the signature on purpose.
        first_decorator_comment="  # type: ignore[override]",
        template=_websocket_connect("WebSocketTestSession"),
    ),
    Block(
        name="AsyncTestClient.websocket_connect",
        path="typedws/testing/_clients.py",
        kinds=_kinds_without("event"),
        template=_websocket_connect("AsyncWebSocketTestSession"),
    ),
    Block(
        name="connect",
        path="typedws/client/_connect.py",
        kinds=_kinds_without("event"),
        template='''\
{decorator}
def connect(
    url: str,
    *,
    {arguments}
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[{receive}, {send}]]: ...  # {case}
''',
    ),
)
"""Every generated block."""


@dataclass(frozen=True)
class Case:
    """One overload: the value-type parameters and the static types they give."""

    label: str
    parameters: tuple[str, str, str]
    receive: str
    send: str


def cases(kinds: tuple[Kind, ...]) -> Iterator[Case]:
    """The overloads for `kinds`: `value_type` alone, then every pair of `receive_type` and `send_type`.

    The default kind's `value_type` is folded into the pair where both
    directions are the default, so that omitting everything matches one
    overload. The generic form comes last, so that every name and type meets
    its own overload first: alone, then paired with the default, then with itself.
    """
    specific = [kind for kind in kinds if not kind.generic]
    default = next(kind for kind in specific if kind.default)
    yield from _value_type_cases(kind for kind in specific if not kind.default)
    yield from _pair_cases(itertools.product(specific, specific))
    for generic in (kind for kind in kinds if kind.generic):
        yield from _value_type_cases([generic])
        # A name is a `ValueType` too: the pairs with the default come first, so that it meets its own.
        yield from _pair_cases([(generic, default), (default, generic), (generic, generic)])


def _value_type_cases(kinds: Iterable[Kind]) -> Iterator[Case]:
    for kind in kinds:
        value = kind.value.format(T="_V")
        yield Case(
            label=f"value_type={kind.name}",
            parameters=(f"value_type: {kind.argument.format(T='_V')}", "receive_type: None = None", "send_type: None = None"),
            receive=value,
            send=value,
        )


def _pair_cases(pairs: Iterable[tuple[Kind, Kind]]) -> Iterator[Case]:
    for receive, send in pairs:
        both_default = receive.default and send.default
        value_type = f"value_type: {receive.argument} | None = None" if both_default else "value_type: None = None"
        yield Case(
            label=f"receive_type={_label(receive)}, send_type={_label(send)}",
            parameters=(value_type, _parameter("receive_type", receive, "_R"), _parameter("send_type", send, "_S")),
            receive=receive.value.format(T="_R"),
            send=send.value.format(T="_S"),
        )


def _label(kind: Kind) -> str:
    return f"{kind.name} (default)" if kind.default else kind.name


def _parameter(name: str, kind: Kind, type_variable: str) -> str:
    annotation = kind.argument.format(T=type_variable)
    return f"{name}: {annotation} | None = None" if kind.default else f"{name}: {annotation}"


def generate(block: Block) -> str:
    """The text of a block's overloads."""
    indent = block.template[: len(block.template) - len(block.template.lstrip(" "))]
    written: list[str] = []
    for number, case in enumerate(cases(block.kinds)):
        decorator = "@overload" + (block.first_decorator_comment if number == 0 else "")
        arguments = f",\n{indent}    ".join(case.parameters) + ","
        written.append(
            block.template.format(
                decorator=decorator, arguments=arguments, receive=case.receive, send=case.send, case=case.label
            )
        )
    return "".join(written)


def _markers(name: str) -> tuple[str, str]:
    return f"# BEGIN GENERATED OVERLOADS: {name}\n", f"# END GENERATED OVERLOADS: {name}\n"


def regenerated(text: str, block: Block) -> str:
    """`text` (a module's source) with `block` written anew between its markers.

    Raises `ValueError` unless the markers are there, each once, in order.
    """
    begin, end = _markers(block.name)
    pattern = re.compile(rf"(^[ ]*{re.escape(begin)})(.*?)(^[ ]*{re.escape(end)})", re.MULTILINE | re.DOTALL)
    found = pattern.findall(text)
    if len(found) != 1:
        raise ValueError(f"{block.path}: expected the markers of {block.name!r} once, found {len(found)} blocks")
    return pattern.sub(lambda match: match.group(1) + generate(block) + match.group(3), text)


def stale_blocks(root: Path = ROOT) -> list[str]:
    """The names of the blocks whose text differs from what the table and templates give."""
    return [
        block.name
        for block in BLOCKS
        if regenerated((root / block.path).read_text(), block) != (root / block.path).read_text()
    ]


def write_blocks(root: Path = ROOT) -> list[str]:
    """Write every block anew; return the names of those that changed."""
    changed = stale_blocks(root)
    for block in BLOCKS:
        path = root / block.path
        path.write_text(regenerated(path.read_text(), block))
    return changed


def main(argv: list[str] | None = None) -> int:
    """Write the blocks, or with `--check` exit with 1 when one is out of date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only report blocks that are out of date")
    check: bool = parser.parse_args(argv).check
    if check:
        stale = stale_blocks()
        for name in stale:
            print(f"out of date: {name} (run python tools/generate_overloads.py)", file=sys.stderr)
        return 1 if stale else 0
    for name in write_blocks():
        print(f"rewrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
