"""The READMEs' own claims: the diff they show is the real diff, and their links resolve."""

import difflib
import re

import pytest

from scripts.processes import ROOT


READMES = ["README.md", "README.zh-CN.md", "step1_cookie_session/README.md",
           "step2_redis_session/README.md"]


def changed_lines(diff_text):
    return [line for line in diff_text.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


@pytest.mark.parametrize("readme", ["README.md", "README.zh-CN.md"])
def test_the_diff_shown_is_in_the_real_diff_of_the_two_apps(readme):
    shown = re.search(r"```diff\n(.*?)```", (ROOT / readme).read_text(), re.S).group(1)
    real = difflib.unified_diff(
        (ROOT / "step1_cookie_session/app.py").read_text().splitlines(),
        (ROOT / "step2_redis_session/app.py").read_text().splitlines(), lineterm="")
    real_changes = changed_lines("\n".join(real))
    for line in changed_lines(shown):
        assert line in real_changes


@pytest.mark.parametrize("readme", READMES)
def test_relative_links_and_pictures_exist(readme):
    path = ROOT / readme
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", path.read_text()):
        assert (path.parent / target).exists(), f"{readme} links to missing {target}"
