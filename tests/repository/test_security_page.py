"""The security chapter's OWASP table (docs/security.md): each row that the workshop does, or that
an exercise adds, names the test that shows it; a row without a test says why: it does not apply,
or it is not done yet. test_pointers.py checks that each named test exists."""

import re

import pytest

from workshop.processes import ROOT

#: What a row without a test must say, in each language.
NO_TEST_REASONS = {"docs/security.md": ("does not apply", "not yet", "not added"),
                   "docs/security.zh-CN.md": ("不适用", "还没有", "没有加")}


def owasp_rows(page):
    text = (ROOT / page).read_text()
    block = text.split('<a id="the-owasp-cheat-sheet-point-by-point"></a>')[1]
    rows = [line for line in block.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows[1:]]


@pytest.mark.parametrize("page", sorted(NO_TEST_REASONS))
def test_every_owasp_row_names_its_test_or_says_why_it_has_none(page):
    rows = owasp_rows(page)
    assert len(rows) >= 12
    for row in rows:
        assert len(row) == 5, row
        tests_named = re.findall(r"tests/\w+/test_\w+\.py::test_\w+", row[4])
        if not tests_named:
            assert any(reason in " ".join(row) for reason in NO_TEST_REASONS[page]), row


def test_both_editions_have_the_same_rows_and_tests():
    english, chinese = (owasp_rows(page) for page in sorted(NO_TEST_REASONS))
    assert [row[4] for row in english] == [row[4].replace("、", ", ") for row in chinese]
