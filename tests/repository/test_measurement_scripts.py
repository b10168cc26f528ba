"""The measurement scripts run, and count the Redis commands that the measurements chapter quotes."""

import glob

import pytest
import requests

from workshop.steps import StepServer
from harness.benchmark import SERVER_CORE, core
from support import require_redis_server, run_module

pytestmark = pytest.mark.slow  # starts servers in subprocesses


def test_bench_runs_and_counts_one_command_per_request():
    require_redis_server()
    result = run_module("measurements.bench", "--rounds", "2", "--requests", "20", timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for name in ("step 1 (cookie)", "step 2 (Redis)", "control: step 1 + one bare GET",
                 "raw redis-py GET"):
        assert any(line.startswith(f"| {name} | ") for line in lines)
    assert any(line.startswith("step 2 / step 1: ") for line in lines)
    assert any(line.startswith("step 2 / control: ") for line in lines)
    assert "| read (POST /login, live session) | 1 × GET |" in lines
    assert "| logout (POST /logout) | 1 × DEL |" in lines
    assert "| login (POST /login, no session) | 1 × SET |" in lines


def test_load_benchmark_runs_three_servers_at_each_client_count():
    require_redis_server()
    result = run_module("measurements.load", "--seconds", "0.5", "--rounds", "1", "--clients", "1,4",
                        timeout=120)
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith(("| 1 |", "| 4 |"))]
    assert len(rows) == 2 and all(line.count("|") == 6 for line in rows)
    assert "step 2 at 4 clients / step 2 at 1: " in result.stdout


def test_growth_script_measures_reads_memory_cookies_and_the_cluster():
    require_redis_server()
    result = run_module("measurements.growth", "--sizes", "1,100", "--rounds", "1", "--requests", "20",
                        timeout=120)
    assert result.returncode == 0, result.stderr
    assert "| 100 | " in result.stdout
    assert "Redis memory per session: " in result.stdout
    assert "| step 2, any session | 34 |" in result.stdout
    assert "on a 3-master cluster" in result.stdout


def test_faults_script_reports_each_fault_with_its_answer():
    require_redis_server()
    result = run_module("measurements.faults", timeout=180)
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")][1:]
    assert [row.split(" | ")[1][:3] for row in rows] == ["200", "200", "503", "503", "503", "503"]
    assert "all 200 or 503" in result.stdout


@pytest.mark.skipif(not core(SERVER_CORE), reason="pinning needs Linux and two cores")
def test_a_pinned_server_has_every_thread_on_its_core():
    """Pinning a running process moves its main thread only; the load script pins at start."""
    with StepServer("step1_cookie_session", "--quiet", cpus=core(SERVER_CORE)) as server:
        requests.get(server.url)  # waitress's worker threads are running
        tasks = glob.glob(f"/proc/{server.proc.pid}/task/*/status")
        allowed = {line.split(":")[1].strip() for task in tasks for line in open(task)
                   if line.startswith("Cpus_allowed_list")}
    assert len(tasks) > 8 and allowed == {str(SERVER_CORE)}


def test_operator_faults_script_reports_each_figure():
    require_redis_server()
    result = run_module("measurements.operator_faults", timeout=600)
    assert result.returncode == 0, result.stderr
    for start in ("  without the breaker ", "sessions with 100,000 stored: the first line after ",
                  "| SENTINEL FAILOVER | ", "| the master frozen for 5 s (SIGSTOP) | ",
                  "A first login, behind Sentinel, SET + WAIT 1 200: "):
        assert start in result.stdout, result.stdout


def test_the_coach_script_times_both_steps_with_and_without_it():
    result = run_module("measurements.coach", "--requests", "50", "--rounds", "1", timeout=120)
    assert result.returncode == 0, result.stderr
    for step in ("step 1: ", "step 2: "):
        assert any(line.startswith(step) and "with the coach" in line
                   for line in result.stdout.splitlines()), result.stdout
