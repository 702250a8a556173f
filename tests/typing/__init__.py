"""The typing contract, as source that mypy and pyright check in strict mode (never run).

`assert_type(...)` states what must hold. A line that must be an error carries
an ignore for each checker, naming what it expects:

    await ws.send(Cmd())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]

mypy (`warn_unused_ignores`) and pyright (`reportUnnecessaryTypeIgnoreComment`,
with `# type: ignore` left to mypy) report an ignore that matches no error, so
a line that stops failing fails the suite as surely as one that starts to.
The suite runs both (`tests/project/test_mypy.py`, `tests/project/test_pyright.py`).
"""
