"""What a session costs, in every stack: python -m measurements.session_costs [--counts-only] [--rounds N]

Starts a private redis-server and, on free ports, each stack that a learner might
pick instead of step 2, beside its own framework's no-session baseline; every
one serves the workshop's three routes and does what they do (measurements/peers/).
The Python WSGI stacks run on the steps' own server settings; Starlette under
uvicorn; the Node ones under node, Koa with koa-session being koa_reference/.

First the exact part, which CI checks: the Redis commands of a login, a read (a
POST /login with a live session) and a logout, from INFO commandstats; the bytes
of the session cookie and of a Set-Cookie on a read; the keys that 100 anonymous
page views leave. Then, unless --counts-only, requests per second and p50/p99 at
1 and 64 connections, from wrk (a C load generator, pinned to the clients' core,
with every server pinned whole to the other), cycling through 64 live sessions,
in interleaved rounds; the medians and the spread of the rounds; and, from INFO
commandstats, the GETs that Redis served per request answered.

Step 2 runs four ways: as it starts (a round trip per read, 8 threads), with
--pipeline (the reads of concurrent requests sharing round trips), and each with
16 threads.

It needs redis-server, wrk, node, and measurements/peers/node's packages
(cd measurements/peers/node && npm ci).
"""

import argparse
import importlib.util
import http.client
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode

import redis

from harness.private_redis import commands_served, exit_unless_installed
from workshop.private_redis import PrivateRedis
from harness.benchmark import CLIENT_CORE, SERVER_CORE, core, pin_this_process
from workshop.processes import ROOT, Process, free_port

NODE = ROOT / "measurements" / "peers" / "node"
#: The peer stacks' Python packages (measurements/peers/requirements.txt), as imported.
PEER_PACKAGES = ("flask", "flask_session", "django", "starlette", "uvicorn")
PY = [sys.executable, "-m"]
STEP2 = ["step2_redis_session", "--quiet", "--port", "{port}", "--redis-url", "{redis}"]
SIXTEEN_THREADS = ["measurements.peers.step2_threads", "16"]

#: stack: (command line, environment, session cookie name or None, its baseline)
STACKS = {
    "bottle": (PY + ["measurements.peers.wsgi", "{port}", "bottle"], {}, None, None),
    "step 1 (cookie)": (PY + ["step1_cookie_session", "--quiet", "--port", "{port}"], {},
                        "bottle.sess", "bottle"),
    "step 2 (Redis)": (PY + STEP2, {}, "bottle.sess", "bottle"),
    "step 2, --pipeline": (PY + STEP2 + ["--pipeline"], {}, "bottle.sess", "bottle"),
    "step 2, 16 threads": (PY + SIXTEEN_THREADS + STEP2[1:], {}, "bottle.sess", "bottle"),
    "step 2, --pipeline, 16 threads": (PY + SIXTEEN_THREADS + STEP2[1:] + ["--pipeline"], {},
                                       "bottle.sess", "bottle"),
    "koa": (["node", str(NODE / "koa_baseline.mjs"), "{port}"], {}, None, None),
    "koa-session, cookie": (["node", "koa_reference/app.js"],
                            {"PORT": "{port}", "SESSION_STORE": "cookie"}, "bottle.sess", "koa"),
    "koa-session + ioredis (the article's)": (
        ["node", "koa_reference/app.js"],
        {"PORT": "{port}", "SESSION_STORE": "redis", "REDIS_URL": "{redis}"}, "bottle.sess", "koa"),
    "flask": (PY + ["measurements.peers.wsgi", "{port}", "flask"], {}, None, None),
    "Flask-Session": (PY + ["measurements.peers.wsgi", "{port}", "flask-session", "{redis}"], {},
                      "session", "flask"),
    "express": (["node", str(NODE / "express_app.mjs"), "{port}", "baseline"], {}, None, None),
    "express-session, defaults": (
        ["node", str(NODE / "express_app.mjs"), "{port}", "session", "{redis}"], {},
        "connect.sid", "express"),
    "express-session, lean": (
        ["node", str(NODE / "express_app.mjs"), "{port}", "session-lean", "{redis}"], {},
        "connect.sid", "express"),
    "django": (PY + ["measurements.peers.wsgi", "{port}", "django", "{redis}"], {}, None, None),
    "Django cache sessions": (PY + ["measurements.peers.wsgi", "{port}", "django-cache",
                                    "{redis}"], {}, "sessionid", "django"),
    "Django signed cookies": (PY + ["measurements.peers.wsgi", "{port}", "django-signed",
                                    "{redis}"], {}, "sessionid", "django"),
    "starlette": (PY + ["measurements.peers.asgi", "{port}", "starlette"], {}, None, None),
    "Starlette SessionMiddleware": (PY + ["measurements.peers.asgi", "{port}",
                                          "starlette-cookie"], {}, "session", "starlette"),
}
FORM = urlencode({"usr": "user", "psd": "pw"})
HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


def post(port, path, cookie=None):
    """(status, {Set-Cookie name: the whole header}) of one POST."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", path, FORM, {**HEADERS, **({"Cookie": cookie} if cookie else {})})
    res = conn.getresponse()
    res.read()
    conn.close()
    return res.status, {line.split("=", 1)[0]: line for line in res.headers.get_all("Set-Cookie") or []}


def login(port, name):
    """A fresh session: the 'name=value' pair that the browser sends back."""
    status, set_cookies = post(port, "/login")
    assert status == 200 and name in set_cookies, (status, set_cookies)
    return set_cookies[name].split(";")[0]


def counts(port, name, admin):
    """The exact costs of one stack's session, once its connections to Redis are open."""
    # A warm-up, a read then a login: pools open their connections (step 2 keeps
    # one for its reads with --pipeline, and a write then opens another).
    post(port, "/login", login(port, name))
    login(port, name)
    cookie = []
    login_cmds = commands_served(admin, lambda: cookie.append(login(port, name)))
    read_cookies = []
    read_cmds = commands_served(admin, lambda: read_cookies.append(post(port, "/login", cookie[0])[1]))
    logout_cmds = commands_served(admin, lambda: post(port, "/logout", cookie[0]))
    admin.flushdb()
    for _ in range(100):  # anonymous page views
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/")
        conn.getresponse().read()
        conn.close()
    on_read = read_cookies[0].get(name)
    return {"login": login_cmds, "read": read_cmds, "logout": logout_cmds,
            "cookie": len(cookie[0]), "set_cookie_on_read": len(on_read) if on_read else 0,
            "keys_after_100_page_views": admin.dbsize()}


def spelled(commands):
    return " + ".join(f"{'' if n == 1 else f'{n} × '}{name.upper()}"
                      for name, n in sorted(commands.items())) or "none"


def wrk(port, cookies, connections, seconds, script_dir, admin):
    """(requests per second, p50 ms, p99 ms, GETs per request) of wrk, cycling through the cookies."""
    script = Path(script_dir) / "cycle.lua"
    quoted = ", ".join('"' + c.replace('"', '\\"') + '"' for c in cookies) if cookies else '""'
    script.write_text(f"""local cookies = {{{quoted}}}
local i = 0
request = function()
  i = i % #cookies + 1
  local headers = {{["Content-Type"] = "application/x-www-form-urlencoded"}}
  if cookies[i] ~= "" then headers["Cookie"] = cookies[i] end
  return wrk.format("POST", "/login", headers, "{FORM}")
end
""")
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
               f"http://127.0.0.1:{port}/"]
    outputs = []
    served = commands_served(admin, lambda: outputs.append(
        subprocess.run(command, capture_output=True, text=True, check=True).stdout))
    out = outputs[0]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    answered = int(re.search(r"(\d+) requests in", out).group(1))

    def percentile(p):
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    return rate, percentile(50), percentile(99), served.get("get", 0) / answered


def main():
    parser = argparse.ArgumentParser(prog="python -m measurements.session_costs",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--counts-only", action="store_true", help="the exact part alone")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--chart", help="where to save a chart of the overheads (PNG; matplotlib)")
    args = parser.parse_args()
    exit_unless_installed("redis-server", what="The peer benchmark")
    missing = [name for name in PEER_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        sys.exit(f"The peer benchmark needs {', '.join(missing)}: "
                 "python -m pip install -r measurements/peers/requirements.txt")
    if not shutil.which("node") or not (NODE / "node_modules").is_dir():
        sys.exit("The peer benchmark needs node and cd measurements/peers/node && npm ci.")
    if not args.counts_only and not shutil.which("wrk"):
        sys.exit("The peer benchmark needs wrk (Debian: apt-get install wrk).")
    pin_this_process(CLIENT_CORE)
    with ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory())
        redis_server = stack.enter_context(PrivateRedis(cpus=core(CLIENT_CORE)))
        admin = redis.Redis(port=redis_server.port)
        ports = {}
        for name, (argv, env, _, _) in STACKS.items():
            port = ports[name] = free_port()
            fill = {"port": str(port), "redis": redis_server.url}
            stack.enter_context(Process(
                [arg.format(**fill) for arg in argv], port, cpus=core(SERVER_CORE),
                env={key: value.format(**fill) for key, value in env.items()}, timeout=30))

        print("| stack | login | read | logout | Set-Cookie B on a read "
              "| keys after 100 page views |\n|---|---|---|---|---:|---:|")
        cookie_bytes = {}
        for name, (_, _, cookie_name, _) in STACKS.items():
            if cookie_name:
                found = counts(ports[name], cookie_name, admin)
                cookie_bytes[name] = found["cookie"]
                print(f"| {name} | {spelled(found['login'])} | {spelled(found['read'])} | "
                      f"{spelled(found['logout'])} | {found['set_cookie_on_read']} | "
                      f"{found['keys_after_100_page_views']} |", flush=True)
        # Apart: shortid's ids (koa) and express-session's signed ids vary in length.
        print("\nCookie bytes that every request carries: " + "; ".join(
            f"{name} {size}" for name, size in cookie_bytes.items()))
        if args.counts_only:
            return

        cookies = {name: [login(ports[name], cookie_name) for _ in range(64)] if cookie_name else []
                   for name, (_, _, cookie_name, _) in STACKS.items()}
        samples = {(name, clients): [] for name in STACKS for clients in (1, 64)}
        names = list(STACKS)
        for number in range(args.rounds):  # interleaved, each round starting elsewhere
            shift = number % len(names)
            for name in names[shift:] + names[:shift]:
                for clients in (1, 64):
                    samples[name, clients].append(
                        wrk(ports[name], cookies[name], clients, args.seconds, workdir, admin))

    def median(name, clients, field=0):
        return statistics.median(sample[field] for sample in samples[name, clients])

    print(f"\n{args.rounds} interleaved rounds of {args.seconds} s; medians; overhead is the "
          "baseline's requests per second over the stack's\n")
    print("| stack | req/s @1 | req/s @64 | p50 / p99 ms @64 | overhead @1 / @64 "
          "| CPU added per read @64 | spread of req/s @64 | GETs per read @64 |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, (_, _, cookie_name, baseline) in STACKS.items():
        rate1, rate64 = median(name, 1), median(name, 64)
        rates = [sample[0] for sample in samples[name, 64]]
        cells = [f"{rate1:,.0f}", f"{rate64:,.0f}",
                 f"{median(name, 64, 1):.1f} / {median(name, 64, 2):.1f}"]
        if baseline:
            cells += [f"{median(baseline, 1) / rate1:.2f} / {median(baseline, 64) / rate64:.2f}",
                      f"+{(1 / rate64 - 1 / median(baseline, 64)) * 1e6:.0f} µs"]
        else:
            cells += ["(baseline)", ""]
        cells.append(f"{min(rates):,.0f} – {max(rates):,.0f}")
        cells.append(f"{median(name, 64, 3):.2f}" if cookie_name else "")
        print(f"| {name} | " + " | ".join(cells) + " |")
    if args.chart:
        overheads = {name: [median(baseline, clients) / median(name, clients) for clients in (1, 64)]
                     for name, (_, _, _, baseline) in STACKS.items() if baseline}
        draw(overheads, args.chart)


def draw(overheads, path):
    """Bars of each stack's overhead at 1 and at 64 connections."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot
    names = list(overheads)
    figure, axes = pyplot.subplots(figsize=(9, 4.5))
    for offset, (clients, color) in enumerate(((1, "#9ca3af"), (64, "#2563eb"))):
        axes.barh([n + offset * 0.4 for n in range(len(names))],
                  [overheads[name][offset] for name in names], height=0.4, color=color,
                  label=f"{clients} connection{'s' if clients > 1 else ''}")
    axes.set_yticks([n + 0.2 for n in range(len(names))], names)
    axes.invert_yaxis()
    axes.axvline(1, color="black", linewidth=0.8)
    axes.set_xlabel("the baseline's requests per second over the stack's (1 = no cost)")
    axes.set_title("What a session costs a read, beside its own framework")
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    print(f"Chart: {path}")


if __name__ == "__main__":
    main()
