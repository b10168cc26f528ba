"""Make the walkthroughs' pictures again: python -m measurements.screenshots

It starts both steps' real servers on free ports (step 2 on its embedded Redis),
logs in twice from the page in Chromium, and saves docs/img/step1.png and
docs/img/step2.png. Under the page, the picture adds a grey panel, in both languages,
with what the browser's cookie store holds (what devtools → Application → Cookies shows),
read through Playwright; for step 2 also what Redis holds under that id.

Chinese text needs a CJK font (Debian: fonts-noto-cjk), or it shows as boxes:
without one (as fontconfig's fc-list tells) it refuses, rather than overwrite
the pictures with boxes.
"""

import base64
import html
import json
import shutil
import subprocess
import sys
from contextlib import contextmanager

import redis

from workshop.private_redis import redis_url
from harness.chromium import launch, log_in_twice
from workshop.processes import ROOT, free_port
from workshop.steps import StepServer
from step2_redis_session.store import KEY_PREFIX

OUT = ROOT / "docs" / "img"
NAME, PASSWORD = "张三", "123"  # what the walkthroughs type


@contextmanager
def step_server(module, *args):
    """A step's server, started as a learner starts it; yields the URL to open."""
    with StepServer(module, *args) as server:
        yield f"http://localhost:{server.port}/"


def add_panel(page, title, rows):
    """Append a grey panel of (label, value) rows under the page, for the picture."""
    cells = "".join(
        f"<tr><th>{html.escape(label)}</th><td><code>{html.escape(value)}</code></td></tr>"
        for label, value in rows)
    page.evaluate("""html => document.body.insertAdjacentHTML('beforeend', html)""", f"""
        <div style="margin-top:24px;padding:12px 16px;background:#f3f4f6;border:1px solid #d1d5db;
                    border-radius:6px;font:14px sans-serif;max-width:900px">
          <div style="font-weight:bold;margin-bottom:8px">{html.escape(title)}</div>
          <table style="border-collapse:collapse">{cells}</table>
        </div>
        <style>th{{text-align:left;vertical-align:top;padding:4px 12px 4px 0;white-space:nowrap}}
               td code{{word-break:break-all;font-size:13px}}</style>""")


def step1(page):
    with step_server("step1_cookie_session") as url:
        (cookie,) = log_in_twice(page, url, NAME, PASSWORD)
    decoded = base64.b64decode(cookie["value"]).decode()
    add_panel(page, "开发者工具 → Application（应用）→ Cookies：第 1 步，会话就在 Cookie 里 "
                    "(devtools → Application → Cookies: step 1, the session is in the cookie)", [
        ("名称 Name", cookie["name"]),
        ("值 Value", cookie["value"]),
        ("HttpOnly / SameSite", f"{cookie['httpOnly']} / {cookie['sameSite']}"),
        ("atob(Value)", decoded),
        ("JSON.parse(…).usr", json.loads(decoded)["usr"]),
    ])
    page.screenshot(path=OUT / "step1.png", full_page=True)


def step2(page):
    embedded = redis_url(free_port())
    with step_server("step2_redis_session", "--embedded-redis", "--redis-url", embedded) as url:
        (cookie,) = log_in_twice(page, url, NAME, PASSWORD)
        client = redis.Redis.from_url(embedded)
        key = KEY_PREFIX + cookie["value"]
        stored, ttl = client.get(key).decode(), client.ttl(key)
    add_panel(page, "开发者工具 → Application（应用）→ Cookies，然后是 Redis：第 2 步，Cookie 只是一个 id "
                    "(devtools → Application → Cookies, then Redis: step 2, the cookie is an id)", [
        ("名称 Name", cookie["name"]),
        ("值 Value", cookie["value"]),
        ("HttpOnly / SameSite", f"{cookie['httpOnly']} / {cookie['sameSite']}"),
        (f"GET {key}", stored),
        (f"TTL {key}", str(ttl)),
    ])
    page.screenshot(path=OUT / "step2.png", full_page=True)


def has_cjk_font():
    """True if fontconfig knows a font that covers Chinese."""
    if not shutil.which("fc-list"):
        return False
    return bool(subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip())


def main():
    if not has_cjk_font():
        sys.exit("No CJK font found (fc-list :lang=zh lists none), so the Chinese would show as "
                 "boxes. Install one (Debian: apt-get install fonts-noto-cjk) and run this again.")
    # Imported here: Playwright is the maintainers' (requirements-dev.txt), not the learner's.
    from playwright.sync_api import sync_playwright
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        for shoot in (step1, step2):
            context = browser.new_context(viewport={"width": 960, "height": 420})
            shoot(context.new_page())
            context.close()
        browser.close()
    print(f"Saved {OUT / 'step1.png'} and {OUT / 'step2.png'}")


if __name__ == "__main__":
    main()
