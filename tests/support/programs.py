"""Programs outside Python that some tests need (Redis, Chromium, node).

Without one, the test is skipped, except when the environment variable `CI`
is set (and not `0` or `false`): there it fails, so a CI run cannot skip it
silently.
"""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest


def running_in_ci() -> bool:
    """Whether the environment variable `CI` says this is a CI run."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false")


def missing(requirement: str) -> NoReturn:
    """Skip the test for lack of `requirement` (a message saying what is missing); fail it in CI."""
    if running_in_ci():
        pytest.fail(f"{requirement}; CI must run this test")
    pytest.skip(requirement)


def require_program(name: str, install: str) -> str:
    """The path of the program `name`; without it, the test is skipped (failed in CI), naming how to `install` it."""
    path = shutil.which(name)
    if path is None:
        missing(f"{name} is not installed ({install})")
    return path
