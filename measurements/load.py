"""Step 2 under load: python -m measurements.load [--clients 1,8,32,64] [--rounds N] [--chart PATH]

Starts, on free ports, a private redis-server and three servers: step 1, step 2,
and the control (step 1 plus one bare Redis GET per request, see
measurements/control_server.py). For each number of clients, each server in turn
gets that many keep-alive connections at once. Each connection is one user: it
logs in once, then keeps sending POST /login, which reads its own live session
(in step 2, one Redis GET). It prints requests per second and the p50 and p99
latency, side by side, and draws a chart of requests per second (matplotlib,
if installed). Each figure is the median of a few rounds, taken in turns.

The clients run in this process, on asyncio: one thread, so that 64 clients do
not add 64 Python threads to a 2-core machine. It needs redis-server.
"""

import argparse
import asyncio
import statistics
import time
from contextlib import ExitStack
from urllib.parse import urlencode

from harness.benchmark import CLIENT_CORE, SERVER_CORE, core, pin_this_process
from harness.private_redis import exit_unless_installed
from workshop.private_redis import PrivateRedis
from workshop.processes import free_port
from workshop.steps import StepServer

#: The servers, each a module and its arguments.
SERVERS = {
    "step 1": ["step1_cookie_session", "--quiet"],
    "step 2": ["step2_redis_session", "--quiet", "--redis-url", "{redis}"],
    "control": ["measurements.control_server", "{port}", "{redis}"],
}


def request_bytes(user, cookie):
    body = urlencode({"usr": user, "psd": "pw"}).encode()
    head = (f"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def read_response(reader):
    """(status, Set-Cookie value or None, body) of one HTTP/1.1 response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    body = await reader.readexactly(int(headers.get("Content-Length", 0)))
    cookie = headers.get("Set-Cookie", "").split(";")[0] or None
    return int(lines[0].split()[1]), cookie, body


async def user(port, number, stop_at, latencies):
    """One keep-alive connection: log in, then read the live session until stop_at."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request_bytes(f"user{number}", ""))
    await writer.drain()
    status, cookie, _ = await read_response(reader)
    assert status == 200 and cookie, (status, cookie)
    again = request_bytes(f"user{number}", cookie)
    while time.perf_counter() < stop_at:
        start = time.perf_counter()
        writer.write(again)
        await writer.drain()
        status, _, body = await read_response(reader)
        latencies.append(time.perf_counter() - start)
        assert status == 200 and body.decode() == f"欢迎，user{number}", (status, body)
    writer.close()


async def measure(port, clients, seconds):
    """(requests per second, p50 ms, p99 ms) with clients users at once."""
    latencies = []
    await asyncio.gather(*(user(port, n, time.perf_counter() + 0.5, []) for n in range(clients)))
    start = time.perf_counter()
    await asyncio.gather(*(user(port, n, start + seconds, latencies) for n in range(clients)))
    elapsed = time.perf_counter() - start
    cuts = statistics.quantiles(latencies, n=100)
    return len(latencies) / elapsed, cuts[49] * 1000, cuts[98] * 1000


def draw(results, clients, path):
    try:
        import matplotlib
    except ImportError:
        print("(no chart: pip install matplotlib)")
        return
    matplotlib.use("Agg")
    from matplotlib import pyplot
    figure, axes = pyplot.subplots(figsize=(7, 4))
    for name, rows in results.items():
        axes.plot(clients, [rows[n][0] for n in clients], marker="o", label=name)
    axes.set_xscale("log", base=2)
    axes.set_xticks(clients, [str(n) for n in clients])
    axes.set_xlabel("concurrent keep-alive clients")
    axes.set_ylabel("requests per second")
    axes.set_ylim(bottom=0)
    axes.set_title("POST /login with a live session")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    print(f"Chart: {path}")


def main():
    parser = argparse.ArgumentParser(prog="python -m measurements.load",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=3, help="per round")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds per server and client count; the median round is shown")
    parser.add_argument("--clients", default="1,8,32,64")
    parser.add_argument("--chart", help="where to save the chart (PNG)")
    args = parser.parse_args()
    clients = [int(n) for n in args.clients.split(",")]
    exit_unless_installed("redis-server", what="The load benchmark")

    pin_this_process(CLIENT_CORE)
    results = {name: {} for name in SERVERS}
    with ExitStack() as stack:
        redis_server = stack.enter_context(PrivateRedis(cpus=core(CLIENT_CORE)))
        ports = {}
        for name, (module, *argv) in SERVERS.items():
            ports[name] = free_port()
            fill = {"port": ports[name], "redis": redis_server.url}
            stack.enter_context(StepServer(module, *(arg.format(**fill) for arg in argv),
                                           port=ports[name], cpus=core(SERVER_CORE)))
        names = list(SERVERS)
        for count in clients:
            rounds = {name: [] for name in names}
            for round_number in range(args.rounds):  # rotate who goes first: drift hits all alike
                shift = round_number % len(names)
                for name in names[shift:] + names[:shift]:
                    rounds[name].append(asyncio.run(measure(ports[name], count, args.seconds)))
            for name in names:  # the round with the median rate
                results[name][count] = sorted(rounds[name])[len(rounds[name]) // 2]

    print("| clients | " + " | ".join(f"{name}: req/s, p50, p99 ms" for name in SERVERS)
          + " | step 2 / step 1 |")
    print("|---:|" + "---:|" * (len(SERVERS) + 1))
    for count in clients:
        cells = [f"{results[name][count][0]:,.0f}, {results[name][count][1]:.1f}, "
                 f"{results[name][count][2]:.1f}" for name in SERVERS]
        ratio = results["step 2"][count][0] / results["step 1"][count][0]
        print(f"| {count} | " + " | ".join(cells) + f" | {ratio:.2f} |")
    step2 = results["step 2"]
    print(f"\nstep 2 at {clients[-1]} clients / step 2 at {clients[0]}: "
          f"{step2[clients[-1]][0] / step2[clients[0]][0]:.2f}")
    print(f"step 2 p99 / p50 at {clients[-1]} clients: "
          f"{step2[clients[-1]][2] / step2[clients[-1]][1]:.1f}")
    if args.chart:
        draw(results, clients, args.chart)


if __name__ == "__main__":
    main()
