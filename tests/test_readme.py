"""The pages' own claims, for every page: its links, anchors and pictures resolve, the tests it
names exist, the diff it shows is the real diff, and its Chinese edition keeps in step with it,
command for command, picture for picture, link for link."""

import difflib
import re
import subprocess

import pytest

from harness.processes import ROOT


def english_pages():
    """Every Markdown page of the repository that git knows, but the Chinese editions."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                             "*.md"], cwd=ROOT, capture_output=True, text=True, check=True)
    return sorted(path for path in listed.stdout.split()
                  if not path.endswith(".zh-CN.md") and "node_modules" not in path)


ENGLISH = english_pages()
PAGES = ENGLISH + [page.replace(".md", ".zh-CN.md") for page in ENGLISH]
# The fenced blocks whose lines are commands or what they print; a mermaid diagram is prose.
COMMAND_LANGUAGES = {"sh", "powershell", "js", ""}
NAMED_TEST = re.compile(r"tests/(test_\w+\.py)::(test_\w+)")


def test_every_page_has_a_chinese_edition():
    assert len(ENGLISH) >= 13
    for page in ENGLISH:
        assert (ROOT / page.replace(".md", ".zh-CN.md")).exists(), page


def changed_lines(diff_text):
    return [line for line in diff_text.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


@pytest.mark.parametrize("page", ["README.md", "README.zh-CN.md"])
def test_the_diff_shown_is_in_the_real_diff_of_the_two_apps(page):
    shown = re.search(r"```diff\n(.*?)```", (ROOT / page).read_text(), re.S).group(1)
    real = difflib.unified_diff(
        (ROOT / "step1_cookie_session/app.py").read_text().splitlines(),
        (ROOT / "step2_redis_session/app.py").read_text().splitlines(), lineterm="")
    real_changes = changed_lines("\n".join(real))
    assert changed_lines(shown)
    for line in changed_lines(shown):
        assert line in real_changes


def anchors(path):
    """The anchors a page offers: GitHub's heading slugs, and explicit <a id="…">."""
    text = path.read_text()
    slugs = {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
             for heading in re.findall(r"^#+ (.*)$", text, re.M)}
    return slugs | set(re.findall(r'<a id="([^"]+)"', text))


@pytest.mark.parametrize("page", PAGES)
def test_relative_links_anchors_and_pictures_exist(page):
    path = ROOT / page
    for target, anchor in re.findall(r"\]\(([^)#:\s]*)(?:#([^)\s]*))?\)", path.read_text()):
        linked = (path.parent / target) if target else path
        assert linked.exists(), f"{page} links to missing {target}"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors(linked), f"{page} links to missing {target}#{anchor}"


@pytest.mark.parametrize("page", PAGES)
def test_every_named_test_exists(page):
    for test_file, test_name in NAMED_TEST.findall((ROOT / page).read_text()):
        source = ROOT / "tests" / test_file
        assert source.exists(), f"{page} names {test_file}, which is not there"
        assert f"def {test_name}(" in source.read_text(), f"{page} names missing {test_name}"


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
    """Every command line and inline command, without its trailing comment.

    A placeholder such as <the copied id> is the reader's to fill in, in their
    own language: any <…> counts as the same.
    """
    lines = {re.split(r"\s+(?:#|//) ", line)[0].strip() for line in command_block_lines(text)}
    inline = re.findall(r"`((?:python|python3|py|curl|curl\.exe|redis-cli|redis-server|npm|cd|bash"
                        r"|sudo|brew) [^`]+)`", text)
    return {re.sub(r"<[^>\s][^>]*>", "<…>", line) for line in lines | set(inline)
            if line and not line.startswith(("#", "//"))}


def links(text):
    """The targets of links and pictures, each English page taken as its Chinese edition."""
    return {re.sub(r"(?<!\.zh-CN)\.md\b", ".zh-CN.md", target)
            for target in re.findall(r"\]\(([^)\s]+)\)", text)}


@pytest.mark.parametrize("english", ENGLISH)
def test_chinese_edition_has_every_command_picture_and_link(english):
    chinese = english.replace(".md", ".zh-CN.md")
    en, zh = (ROOT / english).read_text(), (ROOT / chinese).read_text()
    assert sorted(commands(en) - commands(zh)) == []
    own = chinese.rpartition("/")[2]
    assert sorted(links(en) - links(zh) - {own}) == []
    assert own in links(en), f"{english} does not link to its Chinese edition"
    assert english.rpartition("/")[2] in re.findall(r"\]\(([^)]+)\)", zh)
