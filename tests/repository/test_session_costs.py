"""What a session costs, in every stack (docs/session-costs.md): the exact part of the peer
benchmark, checked against the chapter's own table, so that the table cannot rot."""

import importlib.util
import re
import shutil

import pytest

from workshop.processes import ROOT
from measurements.session_costs import PEER_PACKAGES
from support import require, require_redis_server, run_module

pytestmark = pytest.mark.slow  # starts sixteen servers

CHAPTER = ROOT / "docs" / "session-costs.md"


def exact_table(text):
    """The rows of the table that follows the chapter's "exact" marker, up to its end."""
    block = text.split("<!-- exact: python -m measurements.session_costs --counts-only -->")[1]
    rows = []
    for line in block.strip().splitlines():
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def test_each_stack_costs_what_the_chapter_says():
    require_redis_server()
    require(shutil.which("node") and (ROOT / "measurements/peers/node/node_modules").is_dir(),
            "REQUIRE_NODE", "node or the peers' packages are missing",
            "apt-get install nodejs npm, then cd measurements/peers/node && npm ci")
    for package in PEER_PACKAGES:
        require(importlib.util.find_spec(package), "REQUIRE_PEERS", f"{package} is not installed",
                "python -m pip install -r measurements/peers/requirements.txt")
    result = run_module("measurements.session_costs", "--counts-only", timeout=300)
    assert result.returncode == 0, result.stderr
    measured = [line for line in result.stdout.splitlines() if line.startswith("|")]
    assert measured == exact_table(CHAPTER.read_text())
    step2 = next(line for line in measured if line.startswith("| step 2 (Redis) |"))
    assert re.fullmatch(r"\| step 2 \(Redis\) \| SET \| GET \| DEL \| 0 \| 0 \|", step2)
