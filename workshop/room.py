"""The room's board, for whoever runs the room: python -m workshop.room [--host H] [--port P]

It prints a room URL, http://HOST:PORT/r/CODE/, with a fresh code that nobody
can guess, and serves there a page with a row per learner and a column per
checkpoint, filling in as they are reached (the page asks for its state.json
every two seconds). Learners join with WORKSHOP_ROOM=<that URL> and
WORKSHOP_NAME=<a name> (or --room and --name) on python -m workshop.coach and
python -m workshop.verify, which POST each checkpoint to the room's report as
{"name": …, "checkpoint": …}, and nothing else. verify also reports, for each run
on one exercise that misses, the first check it missed, as {"name": …, "missed":
"06.3"}: the board shows, in that exercise's column, the last check missed and how
many runs missed it, so that the organiser walks to whoever is stuck on 06.3.

It runs on a shared Wi-Fi, so it trusts nothing it is sent, and anyone with the
URL can write any row: it is a board of what learners say, not a proof. A wrong
code, an unknown checkpoint, a name that is not plain text (see clean_name), a
body over 2 KB, anything but that JSON: each is a 4xx, and nothing is stored.
waitress serves it, with bounds that one laptop cannot outgrow: headers of at
most 8 KB, MAX_CONNECTIONS_PER_ADDRESS connections from one address (the next
is closed at once, so that a laptop cannot use up the board's open files), idle
connections closed, MAX_NAMES_PER_ADDRESS names from one address and
MAX_LEARNERS in all, in memory only. The page shows names as text, never as
HTML. In its terminal the organiser types ``remove NAME`` to drop a row; Ctrl+C
prints the final table and stops it.

Reporter, below, is the learner's side: it sends beside the step, never in its way.
"""

import argparse
import json
import os
import queue
import secrets
import socket
import sys
import threading
import unicodedata
import urllib.request

import waitress
from waitress.channel import HTTPChannel

from workshop.catalogue import language, say
from workshop.checkpoints import all_checkpoints, known, known_check

MAX_BODY = 2048
MAX_NAME = 32
MAX_LEARNERS = 300
#: Names that one address may put on the board: a laptop, two learners pairing on it, a retry.
MAX_NAMES_PER_ADDRESS = 4
#: Connections that one address may hold open at once; the next one is closed at once.
MAX_CONNECTIONS_PER_ADDRESS = 16
#: Bytes of a request's headers; waitress answers 431 past it, before buffering more.
MAX_HEADER_BYTES = 8192
#: Seconds of silence after which the board closes a connection.
IDLE_CONNECTION = 10
#: Seconds that a learner's laptop waits for the board, in the reporter's own thread.
REPORT_TIMEOUT = 2.0
#: What a name may not hold: control and format characters (bidi overrides, zero-width
#: spaces, a BOM), surrogates, private-use and unassigned code points, line and paragraph
#: separators.
NOT_PLAIN_TEXT = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
#: Characters that show nothing and are none of those: Unicode's default ignorables outside
#: Cf (a combining grapheme joiner, Hangul fillers, variation selectors …) and blank braille.
INVISIBLE = {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x2800, 0x3164, 0xFFA0,
             *range(0x180B, 0x1810), *range(0xFE00, 0xFE10), *range(0xE0000, 0xE1000)}
#: Combining marks in a row that a name may hold: enough for any language, not for a tower.
MAX_MARKS_IN_A_ROW = 2
#: Cyrillic and Greek letters drawn like Latin ones. A row is found by its name with its case
#: folded and these then read as Latin (row_key), so "alice" and "Аlice" (a Cyrillic А) are
#: Alice's row, not rows of their own; the row keeps the spelling it was first reported with.
#: The table holds folded letters: a capital (Ѕ) is found by the small letter it folds to (ѕ).
LOOKALIKES = str.maketrans({
    other.casefold(): latin.casefold() for other, latin in zip(
        "АВЕКМНОРСТХаеорсухіјѕԁԛԝӏүһΑΒΕΖΗΙΚΜΝΟΡΤΥΧον",
        "ABEKMHOPCTXaeopcyxijsdqwlyhABEZHIKMNOPTYXov")})


def clean_name(name):
    """The name as the board keeps it (NFKC: a fullwidth Ａlice is Alice), or None if it is not
    plain text of 1 to MAX_NAME characters."""
    if not isinstance(name, str):
        return None
    try:
        name.encode("utf-8")  # a lone surrogate (JSON's \\ud800; a non-UTF-8 terminal's name)
    except UnicodeEncodeError:
        return None
    name = unicodedata.normalize("NFKC", name)
    if not 0 < len(name) <= MAX_NAME:
        return None
    marks = 0
    for character in name:
        category = unicodedata.category(character)
        if category in NOT_PLAIN_TEXT or ord(character) in INVISIBLE:
            return None
        marks = marks + 1 if category.startswith("M") else 0
        if marks > MAX_MARKS_IN_A_ROW:
            return None
    # Checked whole first (a newline is refused), then one space a gap; blank is no name.
    return " ".join(name.split()) or None


def row_key(name):
    """What finds a name's row: its case folded, then its lookalikes read as Latin."""
    return name.casefold().translate(LOOKALIKES)


PAGE = """<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>{title}</title>
<link rel="icon" href="data:,">
<style>
body {{ font-family: sans-serif; margin: 1.5em; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: center; }}
th.name, td.name {{ text-align: left; }}
td.done {{ background: #c8f0c8; }}
td.tried {{ background: #f8e0c0; }}
</style></head>
<body>
<h1>{title}</h1>
<p>{join_en}<br>{join_zh}<br><code id="join"></code></p>
<p id="count"></p>
<table><thead><tr id="head"><th class="name">{learner}</th></tr></thead><tbody id="rows"></tbody></table>
<script>
const columns = {columns};
document.getElementById('join').textContent =
  'WORKSHOP_ROOM=' + location.origin + {room_path} + ' WORKSHOP_NAME=<…> python -m workshop.coach step1_cookie_session';
const head = document.getElementById('head');
for (const column of columns) {{
  const th = document.createElement('th');
  th.textContent = column;
  head.appendChild(th);
}}
async function refresh() {{
  try {{
    // The path is whole, so that the page works with or without its trailing slash.
    const state = await (await fetch({state_path}, {{cache: 'no-store'}})).json();
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
        const tried = (state.missed[name] || {{}})[column];  // [the last check missed, runs that missed it]
        td.textContent = done ? '✓' : tried ? '✗ ' + tried[0] + ' ×' + tried[1] : '';
        td.className = done ? 'done' : tried ? 'tried' : '';
        tr.appendChild(td);
      }}
      rows.appendChild(tr);
    }}
    columns.forEach((column, index) => {{  // how many learners reached each: "18/25"
      const reached = names.filter((name) => state.learners[name].includes(column)).length;
      head.children[index + 1].textContent = column + ' ' + reached + '/' + names.length;
    }});
    document.getElementById('count').textContent = names.length + ' {learners}';
  }} catch (error) {{ /* the board restarts, or the Wi-Fi drops: try again soon */ }}
}}
refresh();
setInterval(refresh, 2000);
</script>
</body></html>
"""


class Board:
    """The room's state, in memory, and the code of its URL: {name: [checkpoint, …]}, and for
    each name the checks that verify runs missed: {name: {"06.3": runs that missed it}}."""

    def __init__(self, code=None):
        self.code = code or secrets.token_urlsafe(12)
        self.learners = {}
        self.misses = {}
        self._last_missed = {}  # name: {"ex06": "06.3"}, the last check missed in each exercise
        self._rows = {}  # row_key(name): the name its row shows
        self._names_of = {}  # address: the names it put on the board
        self._lock = threading.Lock()

    def report(self, name, checkpoint=None, address="-", missed=None):
        """Note a checkpoint reached, or a check missed (06.3); an HTTP status and a short text."""
        with self._lock:
            name = self._rows.get(row_key(name), name)
            if name not in self.learners:
                names = self._names_of.setdefault(address, set())
                if len(names) >= MAX_NAMES_PER_ADDRESS:
                    return 429, f"this address has {MAX_NAMES_PER_ADDRESS} names on the board already"
                if len(self.learners) >= MAX_LEARNERS:
                    return 429, "the board is full"
                names.add(name)
                self._rows[row_key(name)] = name
            done = self.learners.setdefault(name, [])
            if checkpoint is not None and checkpoint not in done:
                done.append(checkpoint)
            if missed is not None:  # at most one count per check of the workshop's: bounded
                counts = self.misses.setdefault(name, {})
                counts[missed] = counts.get(missed, 0) + 1
                self._last_missed.setdefault(name, {})[f"ex{missed[:2]}"] = missed
        return 204, ""

    def remove(self, name):
        """Drop a row (the organiser's word); True if there was one."""
        with self._lock:
            name = self._rows.pop(row_key(name), name)
            for names in self._names_of.values():
                names.discard(name)
            self.misses.pop(name, None)
            self._last_missed.pop(name, None)
            return self.learners.pop(name, None) is not None

    def state(self):
        """What the page shows: the checkpoints of each name, and for each exercise that a name
        has tried and not passed, [the last check missed, how many runs missed it]."""
        with self._lock:
            missed = {}
            for name, last in self._last_missed.items():
                open_ones = {exercise: [check, self.misses[name][check]]
                             for exercise, check in last.items()
                             if exercise not in self.learners[name]}
                if open_ones:
                    missed[name] = open_ones
            return {"learners": {name: list(done) for name, done in self.learners.items()},
                    "missed": missed}

    def table(self):
        """The board as text, for the terminal: a line per learner, then each column's count."""
        state, columns = self.state(), all_checkpoints()
        learners = state["learners"]
        lines = []
        for name, done in sorted(learners.items()):
            tried = [f"✗ {check} ×{runs}" for check, runs in state["missed"].get(name, {}).values()]
            lines.append(f"{name}: {', '.join(done + tried)}")
        lines.append(" · ".join(f"{column} {sum(column in done for done in learners.values())}/"
                                f"{len(learners)}" for column in columns))
        return "\n".join(lines)


def board_app(board, lang):
    """The board as a WSGI app: the page, its state.json, and the report."""
    prefix = f"/r/{board.code}"
    page = PAGE.format(title=html_text(say("room.title", lang)), learner=html_text(
        say("room.learner", lang)), learners=html_text(say("room.learners", lang)),
        columns=json.dumps(all_checkpoints()),
        state_path=json.dumps(prefix + "/state.json"), room_path=json.dumps(prefix + "/"),
        join_en=html_text(say("room.join", "en")), join_zh=html_text(say("room.join", "zh"))).encode()

    def app(environ, start_response):
        status, body, content_type = answer(environ)
        start_response(status, [("Content-Type", content_type),
                                ("Content-Length", str(len(body))),
                                ("Cache-Control", "no-store"),
                                ("X-Content-Type-Options", "nosniff")])
        return [body]

    def answer(environ):
        path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
        if method == "GET" and path in (prefix, prefix + "/"):
            return "200 OK", page, "text/html; charset=utf-8"
        if method == "GET" and path == prefix + "/state.json":
            # ensure_ascii: no name can make it fail to encode (clean_name refuses them too).
            return "200 OK", json.dumps(board.state()).encode(), "application/json"
        if method == "POST" and path == prefix + "/report":
            status, text = take_report(environ)
            return status, text.encode(), "text/plain; charset=utf-8"
        return "404 Not Found", b"no such room\n", "text/plain; charset=utf-8"

    def take_report(environ):
        if environ.get("CONTENT_TYPE", "").split(";")[0].strip() != "application/json":
            return "415 Unsupported Media Type", "send application/json\n"
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return "411 Length Required", "give a Content-Length\n"
        if not 0 < length <= MAX_BODY:
            return "413 Content Too Large", "the body is empty, or larger than 2 KB\n"
        try:
            report = json.loads(environ["wsgi.input"].read(length).decode("utf-8"))
        except (ValueError, RecursionError):  # bad UTF-8 or JSON; "[[[[…" nested past a limit
            return "400 Bad Request", "not JSON\n"
        if not isinstance(report, dict) or set(report) not in ({"name", "checkpoint"},
                                                                {"name", "missed"}):
            return "400 Bad Request", ('send {"name": ..., "checkpoint": ...} or {"name": ..., '
                                       '"missed": ...}, and nothing else\n')
        name = clean_name(report["name"])
        if name is None:
            return "400 Bad Request", ("a name is 1 to 32 characters of plain text: no control, "
                                       "zero-width or bidi character\n")
        if "missed" in report and not known_check(report["missed"]):
            return "400 Bad Request", "no such check\n"
        if "checkpoint" in report and not known(report["checkpoint"]):
            return "400 Bad Request", "no such checkpoint\n"
        status, text = board.report(name, report.get("checkpoint"), environ.get("REMOTE_ADDR", "-"),
                                    missed=report.get("missed"))
        return {204: "204 No Content", 429: "429 Too Many Requests"}[status], text

    return app


class BoundedChannel(HTTPChannel):
    """waitress's connection, but at most MAX_CONNECTIONS_PER_ADDRESS open from one address.

    The one past it is closed as soon as it is accepted: a laptop that opens connections
    and holds them (a byte every few seconds keeps waitress from calling them idle) would
    otherwise use up the board's open files, and every real learner would wait.
    """

    def __init__(self, server, sock, addr, adj, map=None):
        host = addr[0] if isinstance(addr, tuple) else addr
        open_from_there = sum(1 for channel in list(server.active_channels.values())
                              if channel.addr and channel.addr[0] == host)
        if open_from_there >= MAX_CONNECTIONS_PER_ADDRESS:
            sock.close()  # never added to waitress's map: nothing else to undo
            return
        super().__init__(server, sock, addr, adj, map)


def listen_or_exit(app, host, port):
    """waitress, bounded, on host:port, or an exit with one line that says why not."""
    try:
        server = waitress.create_server(
            app, host=host, port=port, threads=4, connection_limit=MAX_LEARNERS,
            max_request_header_size=MAX_HEADER_BYTES, max_request_body_size=MAX_BODY,
            channel_timeout=IDLE_CONNECTION, cleanup_interval=2, ident="workshop room")
    except OSError as exc:
        sys.exit(f"Cannot listen on {host}:{port}: {exc.strerror}. Pick another --port.")
    server.channel_class = BoundedChannel
    return server


def html_text(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Reporter:
    """The learner's side: checkpoints sent to the board by a thread of their own.

    report() only puts the checkpoint in a queue: the step's requests never
    wait on the board. A board that is down, slow or silent costs each report
    REPORT_TIMEOUT in that thread, and is said once in the terminal. Only the
    learner's chosen name and a checkpoint's name (or a check's id, 06.3) are sent.
    """

    def __init__(self, room, name, lang, out=print):
        self.url = room.rstrip("/") + "/report"
        self.room, self.name, self.lang, self.out = room, name, lang, out
        self._queue = queue.Queue()
        self._said = False
        threading.Thread(target=self._send_all, daemon=True).start()

    def report(self, checkpoint):
        self._queue.put({"checkpoint": checkpoint})

    def report_miss(self, check_id):
        """A verify run that missed check_id (06.3): the first check it missed."""
        self._queue.put({"missed": check_id})

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
            body = json.dumps({"name": self.name, **item}).encode()
            request = urllib.request.Request(self.url, data=body, method="POST",
                                             headers={"Content-Type": "application/json"})
            try:
                urllib.request.urlopen(request, timeout=REPORT_TIMEOUT).close()
            except Exception:  # down, slow, refusing: the learner's work goes on
                if not self._said:
                    self._said = True
                    self.out(say("coach.room_down", self.lang, room=self.room))


def reporter_from(room, name, lang, out=print, announce=True):
    """A Reporter for --room/--name, else WORKSHOP_ROOM/WORKSHOP_NAME; None without a room.
    announce: say which room and name it reports to (a step that --reload restarts says it once)."""
    room = room or os.environ.get("WORKSHOP_ROOM")
    name = name or os.environ.get("WORKSHOP_NAME")
    if not room:
        return None
    if not name:
        sys.exit(say("coach.room_needs_name", lang))
    if clean_name(name) is None:  # a terminal that is not UTF-8 gives a name the board refuses
        sys.exit(say("coach.room_bad_name", lang))
    if announce:
        out(say("coach.room", lang, name=name, room=room))
    return Reporter(room, clean_name(name), lang, out)


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
    server = listen_or_exit(board_app(board, lang), args.host, args.port)
    shown = args.host if args.host not in ("0.0.0.0", "") else _this_laptop()
    print(say("room.url", lang, url=f"http://{shown}:{args.port}/r/{board.code}/"), flush=True)
    threading.Thread(target=take_orders, args=(board, lang), daemon=True).start()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        print(say("room.final", lang, table=board.table()), flush=True)


def take_orders(board, lang, lines=sys.stdin):
    """The organiser's terminal: "remove NAME" drops that row."""
    for line in lines:
        order, _, name = line.strip().partition(" ")
        if order == "remove" and name:
            key = "room.removed" if board.remove(clean_name(name) or name) else "room.no_such_row"
            print(say(key, lang, name=name), flush=True)
        elif line.strip():
            print(say("room.orders", lang), flush=True)


def _this_laptop():
    """This laptop's address on the room's network, as learners would reach it (a guess)."""
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
