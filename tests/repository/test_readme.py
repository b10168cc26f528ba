"""The pages' own claims, for every page: its links, anchors and pictures resolve, the tests it
names exist, the diff it shows is the real diff, and its Chinese edition keeps in step with it,
command for command, picture for picture, link for link."""

import difflib
import re
import subprocess

import pytest

from workshop.processes import ROOT


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
NAMED_TEST = re.compile(r"tests/((?:\w+/)?test_\w+\.py)::(test_\w+)")


def test_every_page_has_a_chinese_edition():
    assert len(ENGLISH) >= 13
    for page in ENGLISH:
        assert (ROOT / page.replace(".md", ".zh-CN.md")).exists(), page


def changed_lines(diff_text):
    return [line for line in diff_text.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++ ", "--- "))]


def diff_blocks(text):
    """(old file, new file, the block) of each diff a page shows: each names its files."""
    for block in re.findall(r"```diff\n(.*?)```", text, re.S):
        old, new = re.match(r"--- (\S+)\n\+\+\+ (\S+)\n", block).groups()
        yield old, new, block


PAGES_WITH_DIFFS = [page for page in PAGES if "```diff" in (ROOT / page).read_text()]


def test_the_lesson_diffs_are_shown():
    shown = {(old, new) for page in PAGES_WITH_DIFFS
             for old, new, _ in diff_blocks((ROOT / page).read_text())}
    assert {("step1_cookie_session/app.py", "step2_redis_session/app.py"),
            ("step1_cookie_session/session.py", "step2_redis_session/session.py")} <= shown


@pytest.mark.parametrize("page", PAGES_WITH_DIFFS)
def test_each_diff_shown_is_in_the_real_diff(page):
    for old, new, block in diff_blocks((ROOT / page).read_text()):
        before, after = ((ROOT / path).read_text().splitlines() for path in (old, new))
        real = changed_lines("\n".join(difflib.unified_diff(before, after, lineterm="")))
        assert changed_lines(block), f"{page}: the diff of {new} shows no change"
        for line in changed_lines(block):
            assert line in real, f"{page}: {line!r} is not in the diff of {old} and {new}"
        for line in block.splitlines()[2:]:  # the context lines are in both files
            if line.startswith(" "):
                assert line[1:] in before and line[1:] in after, f"{page}: {line!r}"


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
