"""The reader in a real terminal (tmux) must quit at once while a worker waits on a server
that dribbles its headers: the quit stops the transfer (``reader.web.net.abort_transfers``)
instead of waiting for the fetch's 20 s deadline. Loopback server only; it stops by itself."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from loopback import LoopbackServer
from paths import REPO
from screen import Terminal, qari_command, terminal_env
from test_bounds_net import dribble_headers

pytestmark = [pytest.mark.e2e, pytest.mark.tmux]


@pytest.fixture
def terminal(tmp_path: Path):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    env = terminal_env(tmp_path)
    env["PYTHONPATH"] = str(REPO)  # this checkout's code, whatever is installed
    session = Terminal(env, 120, 32, f"qari-bounds-{os.getpid()}-{tmp_path.name}")
    yield session
    session.close()


def test_quitting_does_not_wait_for_a_dribbling_server(terminal: Terminal, loopback_server: LoopbackServer) -> None:
    url = loopback_server.route("/slow.html", dribble_headers(delay=0.2))
    terminal.start(qari_command())
    terminal.wait_for(lambda s: "Arabic" in s.plain and "Summary" in s.plain)
    terminal.keys("o")
    terminal.wait_for(lambda s: "Open an article" in s.plain)
    terminal.keys("-l", url)
    terminal.keys("Enter")
    deadline = time.monotonic() + 10
    while not loopback_server.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    assert loopback_server.requests == ["/slow.html"]
    terminal.keys("q")
    started = time.monotonic()
    screen = terminal.wait_for(lambda s: "QARI_EXIT=" in s.plain, timeout=15)
    assert "QARI_EXIT=0" in screen.plain
    assert time.monotonic() - started < 5  # the fetch alone would hold the exit for 20 s
