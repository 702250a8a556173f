"""The server matrix: every server of `tests.support.launchers`, each a child process serving one test module."""

from __future__ import annotations

import pytest

from tests.support.launchers import LAUNCHER_IDS, LAUNCHERS, Launcher


@pytest.fixture(scope="module", params=LAUNCHERS, ids=LAUNCHER_IDS)
def launcher(request: pytest.FixtureRequest) -> Launcher:
    """Each server of the matrix in turn."""
    launcher: Launcher = request.param
    return launcher
