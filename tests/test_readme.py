"""The READMEs' own claims: the diff they show is the real diff, their links resolve, and each
Chinese edition keeps in step with its English one: every command, picture and link."""

import difflib
import re

import pytest

from harness.processes import ROOT


ENGLISH = ["README.md", "step1_cookie_session/README.md", "step2_redis_session/README.md",
           "koa_reference/README.md"]
READMES = ENGLISH + [readme.replace("README.md", "README.zh-CN.md") for readme in ENGLISH]
# The fenced blocks whose lines are commands or what they print; a mermaid diagram is prose.
COMMAND_LANGUAGES = {"sh", "powershell", "js", ""}


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


def command_block_lines(text):
    """The lines inside fenced blocks of COMMAND_LANGUAGES."""
    language = None  # None: outside any block
    for line in text.splitlines():
        fence = line.strip()
        if fence.startswith("```"):
            language = fence[3:] if language is None else None
        elif language in COMMAND_LANGUAGES:
            yield line


def commands(text):
    """Every line of the command blocks, without its trailing comment, and the inline commands."""
    lines = {re.split(r"\s+(?:#|//) ", line)[0].strip() for line in command_block_lines(text)}
    inline = re.findall(r"`((?:python|python3|py|curl|redis-cli|redis-server|npm|cd) [^`]+)`", text)
    return {line for line in lines | set(inline) if line and not line.startswith(("#", "//"))}


def links(text):
    """The targets of links and pictures, each English README taken as its Chinese edition."""
    return {target.replace("README.md", "README.zh-CN.md")
            for target in re.findall(r"\]\(([^)\s]+)\)", text)}


@pytest.mark.parametrize("english", ENGLISH)
def test_chinese_edition_has_every_command_picture_and_link(english):
    chinese = english.replace("README.md", "README.zh-CN.md")
    en, zh = (ROOT / english).read_text(), (ROOT / chinese).read_text()
    assert sorted(commands(en) - commands(zh)) == []
    assert sorted(links(en) - links(zh) - {"README.zh-CN.md"}) == []
    assert "README.zh-CN.md" in links(en) and "README.md" in re.findall(r"\]\(([^)]+)\)", zh)
