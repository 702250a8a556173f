"""TypeScript from the documents, with Modelina, and the chat page type-checked against it.

The generator is the recipe in docs/typescript.md, taken from the page as it
is. For the test apps and every example app the output compiles under
`tsc --strict`, every model has a name of its own, and every discriminated
union narrows in a `switch`. The chat page (plain JavaScript with JSDoc
types) type-checks against its app's generated types, and fails to when the
page or the server's models drift apart. Without node, Modelina or
TypeScript the tests are skipped, except in CI (see `tests.asyncapi.node`).
"""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.asyncapi import apps
from tests.asyncapi.apps import message_of
from tests.asyncapi.node import ROOT, run_node, tsc
from typedws import asyncapi
from typedws.asyncapi._components import pascal_case
from typedws.asyncapi._schema import payload_target, ref_name, subschemas

PACKAGES = ("@asyncapi/modelina", "typescript")
TARGETS = apps.targets()
PAGE = ROOT / "examples" / "chat" / "static" / "chat.js"
PAGE_CONFIG = ROOT / "examples" / "chat" / "tsconfig.json"

# Runs the recipe on many documents in one node process (Modelina takes seconds to load): `[[document, output], ...]`.
GENERATE = """\
const jobs = JSON.parse(process.argv[2]);
for (const [index, [document, output]] of jobs.entries()) {
  process.argv = [process.argv[0], "generate-types.mjs", document, output];
  await import(`./generate-types.mjs?job=${index}`);
}
"""

COMPILER_OPTIONS = {
    "strict": True,
    "noEmit": True,
    "target": "ES2022",
    "module": "ESNext",
    "moduleResolution": "bundler",
    "types": [],
}


def recipe() -> str:
    """The generator script of docs/typescript.md: its first `js` block."""
    text = (ROOT / "docs" / "typescript.md").read_text(encoding="utf-8")
    match = re.search(r"^( *)```js\n(.*?)^\1```$", text, re.MULTILINE | re.DOTALL)
    assert match, "docs/typescript.md has no js block"
    return textwrap.dedent(match.group(2))


def generate(documents: dict[str, dict[str, Any]], directory: Path) -> dict[str, Path]:
    """Generate TypeScript for each document into `directory/NAME/types`, with the recipe; return the folders."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "generate-types.mjs").write_text(recipe(), encoding="utf-8")
    (directory / "generate.mjs").write_text(GENERATE, encoding="utf-8")
    folders = {name: directory / re.sub(r"[^\w.-]", "_", name) for name in documents}
    jobs = []
    for name, document in documents.items():
        folders[name].mkdir()
        (folders[name] / "asyncapi.json").write_text(json.dumps(document), encoding="utf-8")
        jobs.append([str(folders[name] / "asyncapi.json"), str(folders[name] / "types")])
    result = run_node(directory / "generate.mjs", json.dumps(jobs), cwd=directory, packages=PACKAGES)
    assert result.returncode == 0, result.stderr
    return folders


def model_names(folder: Path) -> list[str]:
    """The models generated into `folder/types`, as its `index.ts` exports them."""
    return re.findall(r"^export type \{ (\w+) \}", (folder / "types" / "index.ts").read_text(), re.MULTILINE)


def compile_types(folders: list[Path], extra: dict[Path, str] | None = None, root: Path | None = None) -> str:
    """Compile every `.ts` file of each `folder/types` (and `extra` files) with `tsc --strict`; return its errors."""
    for path, text in (extra or {}).items():
        path.write_text(text, encoding="utf-8")
    root = root or folders[0].parent
    config = {"compilerOptions": COMPILER_OPTIONS, "include": [f"{folder}/types/*.ts" for folder in folders]}
    (root / "tsconfig.json").write_text(json.dumps(config), encoding="utf-8")
    result = tsc("-p", str(root), cwd=root)
    return result.stdout + result.stderr if result.returncode else ""


def doc(app: Any) -> dict[str, Any]:
    return asyncapi.document(app, title="Test", version="1.0.0")


def message_lists(document: dict[str, Any], channel: str) -> list[list[dict[str, Any]]]:
    """The lists of messages Modelina reads for a channel, in its order: of each of the channel's operations,
    its reply's messages (for a request), then its own."""
    lists = []
    for operation in document["operations"].values():
        if operation["channel"] == {"$ref": f"#/channels/{channel}"}:
            for refs in (operation.get("reply", {}).get("messages", []), operation["messages"]):
                lists.append([message_of(document, channel, ref) for ref in refs])
    return [listed for listed in lists if listed]


def channel_members(document: dict[str, Any], channel: str) -> list[str]:
    """The names of the schemas of the union Modelina names after a channel (messages without a named schema
    left out): the last of its lists of several messages, which typedws makes what the server sends."""
    several = [listed for listed in message_lists(document, channel) if len(listed) > 1]
    targets = [payload_target(message.get("payload")) for message in (several[-1] if several else [])]
    return [target for target in targets if target is not None]


def tag_of(schemas: dict[str, Any], members: list[str]) -> tuple[str, list[str]] | None:
    """The property whose `const` tells the members apart, with each member's value; `None` if there is none."""
    first = schemas[members[0]].get("properties", {})
    for tag in first:
        values = [schemas[m].get("properties", {}).get(tag, {}).get("const") for m in members]
        if all(isinstance(v, str) for v in values) and len(set(values)) == len(values):
            if all(tag in schemas[m].get("required", []) for m in members):
                return tag, values
    return None


def narrowing(document: dict[str, Any]) -> tuple[str, int]:
    """TypeScript that narrows every discriminated union of the generated types in a `switch`; and how many.

    Modelina gives each channel one union (its last operation's with several
    messages, or a request's replies: what the server sends, if the server
    sends several kinds) and writes a union inside a model in place.
    """
    schemas = document["components"].get("schemas", {})
    imports: set[str] = set()
    functions: list[str] = []

    def switch(name: str, expression: str, members: list[str], tag: str, values: list[str]) -> None:
        imports.update(members)
        cases = "".join(
            f'    case "{value}": {{\n      const member: {pascal_case(member)} = value;\n      return member["{tag}"];\n    }}\n'
            for member, value in zip(members, values, strict=True)
        )
        functions.append(
            f"export function {name}({expression}): string {{\n"
            f'  switch (value["{tag}"]) {{\n{cases}'
            "    default: {\n      const rest: never = value;\n      return rest;\n    }\n  }\n}\n"
        )

    for channel in document["channels"]:
        members = channel_members(document, channel)
        found = tag_of(schemas, members) if len(set(members)) > 1 else None
        if found is not None:
            union = pascal_case(channel)
            imports.add(union)
            switch(f"narrow{union}", f"value: {union}", members, *found)
    for owner, schema in schemas.items():
        for field, prop in schema.get("properties", {}).items():
            options = [payload_target(option) for option in prop.get("oneOf", [])]
            names = [option for option in options if option is not None]
            if "x-discriminator" not in prop or len(names) < len(options):
                continue
            found = tag_of(schemas, names)
            assert found is not None and found[0] == prop["x-discriminator"], (owner, field)
            imports.add(owner)
            name = f"narrow{pascal_case(owner)}{pascal_case(field)}"
            switch(name, f"value: {pascal_case(owner)}[\"{field}\"]", names, *found)
    header = "".join(f'import type {{ {pascal_case(name)} }} from "./{pascal_case(name)}";\n' for name in sorted(imports))
    return header + "\n" + "\n".join(functions), len(functions)


def expected_models(document: dict[str, Any]) -> list[str]:
    """The models Modelina makes of a document: for each message's payload, the models and enumerations it
    refers to; and for each channel with several messages in one operation (or reply), their union (named
    after the channel)."""
    schemas = document.get("components", {}).get("schemas", {})
    names: list[str] = []

    def walk(schema: Any, top: bool) -> None:
        if not isinstance(schema, dict):
            return
        name = ref_name(schema)
        if name is not None:
            if name not in names:
                names.append(name)
                walk(schemas[name], True)
            return
        if not top and (len(schema.get("enum", [])) > 1 or "properties" in schema):
            names.append(schema["title"])
        for sub in subschemas(schema):
            walk(sub, False)

    payloads: list[Any] = []
    for channel in document["channels"]:
        lists = message_lists(document, channel)
        for message in (message for listed in lists for message in listed):
            payload = message.get("payload")
            if payload is not None and payload not in payloads:
                payloads.append(payload)
        if any(len(listed) > 1 for listed in lists):
            names.append(channel)
    for payload in payloads:
        if ref_name(payload) is None:
            names.append(payload["title"])
        walk(payload, True)
    return [pascal_case(name) for name in names]


CHAT = "examples.chat.app:create_app()"


def with_a_new_server_message(document: dict[str, Any]) -> dict[str, Any]:
    """The chat's document once the server sends a new kind of message (as a model added to `ServerMessage` would)."""
    document = json.loads(json.dumps(document))
    components = document["components"]
    components["schemas"]["Kicked"] = {
        "title": "Kicked",
        "type": "object",
        "properties": {"type": {"const": "kicked", "type": "string"}, "room": {"type": "string"}},
        "required": ["type", "room"],
    }
    components["messages"]["Kicked"] = {"name": "Kicked", "payload": {"$ref": "#/components/schemas/Kicked"}}
    document["channels"]["chat"]["messages"]["Kicked"] = {"$ref": "#/components/messages/Kicked"}
    document["operations"]["send_chat"]["messages"].append({"$ref": "#/channels/chat/messages/Kicked"})
    return document


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    """The documents of every target, and the chat's with a message the page does not know."""
    found = {name: doc(app) for name, app in TARGETS.items()}
    found["chat, changed"] = with_a_new_server_message(found[CHAT])
    return found


@pytest.fixture(scope="module")
def generated(documents: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The folder of each document's generated types (one run of node for all)."""
    return generate(documents, tmp_path_factory.mktemp("typescript"))


@pytest.fixture(scope="module")
def compiled(documents: dict[str, dict[str, Any]], generated: dict[str, Path]) -> str:
    """The errors of one `tsc --strict` over every target's types, a file narrowing its unions, and the docs' example."""
    extra = {generated[name] / "types" / "narrowing.ts": narrowing(documents[name])[0] for name in TARGETS}
    extra[generated[CHAT] / "types" / "example.ts"] = docs_example()
    return compile_types([generated[name] for name in TARGETS], extra)


def docs_example() -> str:
    """The TypeScript example of docs/typescript.md, importing the generated types."""
    text = (ROOT / "docs" / "typescript.md").read_text(encoding="utf-8")
    match = re.search(r"^( *)```ts\n(.*?)^\1```$", text, re.MULTILINE | re.DOTALL)
    assert match, "docs/typescript.md has no ts block"
    return textwrap.dedent(match.group(2)).replace('from "./messages"', 'from "./index"')


def test_the_generated_types_of_every_app_compile_under_strict(compiled: str) -> None:
    assert compiled == ""


@pytest.mark.parametrize("target", list(TARGETS))
def test_every_model_has_a_name_of_its_own_and_every_discriminated_union_narrows(
    target: str, documents: dict[str, dict[str, Any]], generated: dict[str, Path], compiled: str
) -> None:
    document, folder = documents[target], generated[target]
    expected = expected_models(document)
    assert len(expected) == len(set(expected))  # no two models under one name
    assert sorted(model_names(folder)) == sorted(expected)
    assert not [name for name in model_names(folder) if "anonym" in name.lower()]
    assert [line for line in compiled.splitlines() if folder.name in line] == []
    if target in (CHAT, "examples.starlette_app:app", "examples.fastapi_app:app", "tests:tagged_app"):
        assert narrowing(document)[1] > 0


def test_a_switch_that_does_not_narrow_fails_the_check(
    documents: dict[str, dict[str, Any]], generated: dict[str, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "chat"
    shutil.copytree(generated[CHAT] / "types", folder / "types")
    code, _ = narrowing(documents[CHAT])
    wrong = code.replace("const member: Joined = value;", "const member: Left = value;")
    assert wrong != code
    report = compile_types([folder], {folder / "types" / "narrowing.ts": wrong})
    assert "narrowing.ts(" in report and "error TS2322" in report


def test_the_names_are_the_documents(generated: dict[str, Path]) -> None:
    folder = generated["examples.starlette_app:app"]
    assert sorted(model_names(folder)) == ["Chat", "Echo", "Refused", "Said", "Say", "SayTagged", "Shout"]
    say = (folder / "types" / "Say.ts").read_text()
    tagged = (folder / "types" / "SayTagged.ts").read_text()
    assert "'kind'?: 'say';" in say and "'kind': 'say';" in tagged  # the union's member must carry its tag


# The chat page


def check_page(directory: Path, types: Path, page: Path = PAGE) -> str:
    """Type-check the chat page's script (or a copy) against `types`, as examples/chat/tsconfig.json says."""
    config = {
        "extends": str(PAGE_CONFIG),
        "compilerOptions": {"paths": {"chat-messages": [str(types / "index.ts")]}},
        "files": [str(page)],
    }
    (directory / "tsconfig.json").write_text(json.dumps(config), encoding="utf-8")
    result = tsc("-p", str(directory), cwd=directory)
    return result.stdout + result.stderr if result.returncode else ""


def test_the_chat_page_type_checks_against_the_types_of_its_apps_models(
    generated: dict[str, Path], tmp_path: Path
) -> None:
    assert check_page(tmp_path, generated[CHAT] / "types") == ""


def test_a_wrong_field_in_the_page_fails_the_check(generated: dict[str, Path], tmp_path: Path) -> None:
    scratch = tmp_path / "chat.js"
    text = PAGE.read_text(encoding="utf-8")
    assert "showError(message.detail);" in text
    scratch.write_text(text.replace("showError(message.detail);", "showError(message.details);"), encoding="utf-8")
    report = check_page(tmp_path, generated[CHAT] / "types", scratch)
    assert "chat.js(" in report and "Property 'details' does not exist on type 'Error'" in report


def test_a_server_message_the_page_does_not_handle_fails_the_check(generated: dict[str, Path], tmp_path: Path) -> None:
    report = check_page(tmp_path, generated["chat, changed"] / "types")
    assert "chat.js(" in report and "Type 'Kicked' is not assignable to type 'never'" in report
