"""The room's board, for whoever runs the room: python -m workshop.room [--host H] [--port P]

It prints a room URL, http://HOST:PORT/r/CODE, with a fresh code that nobody
can guess, and serves there a page with a row per learner and a column per
checkpoint, filling in as they are reached (the page asks for its state.json,
beside it, every two seconds). Learners join with WORKSHOP_ROOM=<that URL> and
WORKSHOP_NAME=<a name> (or --room and --name) on python -m workshop.coach and
python -m workshop.verify, which POST each checkpoint to the room's report,
beside the page, as {"name": …, "checkpoint": …}, and nothing else.

It runs on a shared Wi-Fi, so it trusts nothing it is sent: a wrong code, an
unknown checkpoint, a name that is empty, longer than 32 characters or holds a
control character, a body over 2 KB, anything but that JSON: each is a 4xx, and
nothing is stored. It keeps at most MAX_LEARNERS, in memory only; the page shows
names as text, never as HTML. Ctrl+C stops it.

Reporter, below, is the learner's side: it sends beside the step, never in its way.
"""

import argparse
import json
import queue
import re
import secrets
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from workshop.catalogue import language, say
from workshop.checkpoints import all_checkpoints, known

MAX_BODY = 2048
MAX_NAME = 32
MAX_LEARNERS = 300
#: Seconds that a learner's laptop waits for the board, in the reporter's own thread.
REPORT_TIMEOUT = 2.0
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def valid_name(name):
    return (isinstance(name, str) and name.strip() != "" and len(name) <= MAX_NAME
            and not CONTROL.search(name))


PAGE = """<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>{title}</title>
<link rel="icon" href="data:,">
<style>
body {{ font-family: sans-serif; margin: 1.5em; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: center; }}
th.name, td.name {{ text-align: left; }}
td.done {{ background: #c8f0c8; }}
</style></head>
<body>
<h1>{title}</h1>
<p id="count"></p>
<table><thead><tr id="head"><th class="name">{learner}</th></tr></thead><tbody id="rows"></tbody></table>
<script>
const columns = {columns};
const head = document.getElementById('head');
for (const column of columns) {{
  const th = document.createElement('th');
  th.textContent = column;
  head.appendChild(th);
}}
async function refresh() {{
  try {{
    const state = await (await fetch('state.json', {{cache: 'no-store'}})).json();
    const rows = document.getElementById('rows');
    rows.replaceChildren();
    const names = Object.keys(state.learners).sort();
    for (const name of names) {{
      const tr = document.createElement('tr');
      const cell = document.createElement('td');
      cell.className = 'name';
      cell.textContent = name;  // text, never HTML: a name is whatever a laptop sent
      tr.appendChild(cell);
      for (const column of columns) {{
        const td = document.createElement('td');
        const done = state.learners[name].includes(column);
        td.textContent = done ? '✓' : '';
        if (done) td.className = 'done';
        tr.appendChild(td);
      }}
      rows.appendChild(tr);
    }}
    document.getElementById('count').textContent = names.length + ' {learners}';
  }} catch (error) {{ /* the board restarts, or the Wi-Fi drops: try again soon */ }}
}}
refresh();
setInterval(refresh, 2000);
</script>
</body></html>
"""


class Board:
    """The room's state: {name: [checkpoint, …]}, in memory, and the code of its URL."""

    def __init__(self, code=None):
        self.code = code or secrets.token_urlsafe(12)
        self.learners = {}
        self._lock = threading.Lock()

    def report(self, name, checkpoint):
        """Note it; an HTTP status and a short text."""
        with self._lock:
            if name not in self.learners and len(self.learners) >= MAX_LEARNERS:
                return 429, "the board is full"
            done = self.learners.setdefault(name, [])
            if checkpoint not in done:
                done.append(checkpoint)
        return 204, ""

    def state(self):
        with self._lock:
            return {"learners": {name: list(done) for name, done in self.learners.items()}}


def handler_for(board, lang):
    prefix = f"/r/{board.code}"
    page = PAGE.format(title=html_text(say("room.title", lang)), learner=html_text(
        say("room.learner", lang)), learners=html_text(say("room.learners", lang)),
        columns=json.dumps(all_checkpoints()))

    class Handler(BaseHTTPRequestHandler):
        timeout = 5  # a client that trickles bytes holds a thread for 5 s at most

        def answer(self, status, body=b"", content_type="text/plain; charset=utf-8"):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == prefix or self.path == prefix + "/":
                self.answer(200, page.encode(), "text/html; charset=utf-8")
            elif self.path == prefix + "/state.json":
                self.answer(200, json.dumps(board.state(), ensure_ascii=False).encode(),
                            "application/json; charset=utf-8")
            else:
                self.answer(404, b"no such room\n")

        def do_POST(self):
            if self.path != prefix + "/report":
                self.answer(404, b"no such room\n")
                return
            if self.headers.get_content_type() != "application/json":
                self.answer(415, b"send application/json\n")
                return
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                self.answer(411, b"give a Content-Length\n")
                return
            if not 0 < length <= MAX_BODY:
                self.answer(413, b"the body is empty, or larger than 2 KB\n")
                return
            try:
                report = json.loads(self.rfile.read(length).decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                self.answer(400, b"not JSON\n")
                return
            if not isinstance(report, dict) or set(report) != {"name", "checkpoint"}:
                self.answer(400, b'send {"name": ..., "checkpoint": ...} and nothing else\n')
            elif not valid_name(report["name"]):
                self.answer(400, b"a name is 1 to 32 characters, with no control character\n")
            elif not known(report["checkpoint"]):
                self.answer(400, b"no such checkpoint\n")
            else:
                status, text = board.report(report["name"], report["checkpoint"])
                self.answer(status, text.encode())

        def log_message(self, format, *args):
            pass  # a request a line would flood the organiser's terminal

    return Handler


def html_text(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Reporter:
    """The learner's side: checkpoints sent to the board by a thread of their own.

    report() only puts the checkpoint in a queue: the step's requests never
    wait on the board. A board that is down, slow or silent costs each report
    REPORT_TIMEOUT in that thread, and is said once in the terminal. Only the
    learner's chosen name and the checkpoint's name are sent.
    """

    def __init__(self, room, name, lang, out=print):
        self.url = room.rstrip("/") + "/report"
        self.room, self.name, self.lang, self.out = room, name, lang, out
        self._queue = queue.Queue()
        self._said = False
        threading.Thread(target=self._send_all, daemon=True).start()

    def report(self, checkpoint):
        self._queue.put(checkpoint)

    def flush(self, timeout=REPORT_TIMEOUT + 1):
        """Wait until the queue is sent, or timeout: for a command that ends (verify)."""
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout)

    def _send_all(self):
        while True:
            item = self._queue.get()
            if isinstance(item, threading.Event):
                item.set()
                continue
            body = json.dumps({"name": self.name, "checkpoint": item}).encode()
            request = urllib.request.Request(self.url, data=body, method="POST",
                                             headers={"Content-Type": "application/json"})
            try:
                urllib.request.urlopen(request, timeout=REPORT_TIMEOUT).close()
            except Exception:  # down, slow, refusing: the learner's work goes on
                if not self._said:
                    self._said = True
                    self.out(say("coach.room_down", self.lang, room=self.room))


def reporter_from(room, name, lang, out=print):
    """A Reporter for --room/--name, else WORKSHOP_ROOM/WORKSHOP_NAME; None without a room."""
    import os
    room = room or os.environ.get("WORKSHOP_ROOM")
    name = name or os.environ.get("WORKSHOP_NAME")
    if not room:
        return None
    if not name or not valid_name(name):
        sys.exit(say("coach.room_needs_name", lang))
    out(say("coach.room", lang, name=name, room=room))
    return Reporter(room, name, lang, out)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m workshop.room",
                                     description="The room's board of checkpoints.")
    parser.add_argument("--host", default="0.0.0.0",
                        help="where learners reach it (default: every address of this laptop)")
    parser.add_argument("--port", type=int, default=4900)
    parser.add_argument("--lang", choices=["zh", "en"], help="default: from your locale")
    args = parser.parse_args(argv)
    lang = language(args.lang)
    board = Board()
    server = listen_or_exit(args.host, args.port, handler_for(board, lang))
    shown = args.host if args.host not in ("0.0.0.0", "") else _this_laptop()
    print(say("room.url", lang, url=f"http://{shown}:{args.port}/r/{board.code}"), flush=True)
    serve_until_ctrl_c(server)


def listen_or_exit(host, port, handler):
    """A threaded HTTP server on host:port, or an exit with one line that says why not."""
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        sys.exit(f"Cannot listen on {host}:{port}: {exc.strerror}. Pick another --port.")
    server.daemon_threads = True  # Ctrl+C does not wait for a client that holds a connection
    return server


def serve_until_ctrl_c(server):
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _this_laptop():
    """This laptop's address on the room's network, as learners would reach it (a guess)."""
    import socket
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # a documentation address: no packet is sent by connect
        return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


if __name__ == "__main__":
    main()
