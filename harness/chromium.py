"""Launch Debian's Chromium under Playwright, for the browser tests and the screenshots.

Playwright's own browser download needs hosts that many machines (and CI) cannot
reach, so this drives the Chromium that the system package manager installs.
"""

import shutil

from step1_cookie_session.app import FIRST_LOGIN, WELCOME

# No sandbox: CI runs as root, where Chromium's sandbox refuses to start. The
# rest keep a headless Chromium from calling home on a machine with no network.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def find_chromium():
    """The path of the system's Chromium, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def launch(playwright, *extra_flags):
    """A headless Chromium browser, for a ``sync_playwright()`` instance."""
    return playwright.chromium.launch(executable_path=find_chromium(), args=[*FLAGS, *extra_flags],
                                      headless=True)


def click_login(page, answer):
    """Click 登录 and wait until the page shows the server's answer."""
    page.click("#login")
    page.wait_for_function("answer => document.getElementById('data').innerText === answer",
                           arg=answer)


def log_in_twice(page, url, name, password):
    """Open the page and log in from it twice; return the browser's cookies afterwards."""
    page.goto(url)
    page.fill("#user", name)
    page.fill("#psd", password)
    click_login(page, FIRST_LOGIN)
    click_login(page, WELCOME.format(name))
    return page.context.cookies()
