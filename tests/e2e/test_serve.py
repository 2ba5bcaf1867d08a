# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""ipctrace serve: always-on metrics for Prometheus (issue 18).

The real engine throughout: Debian's Prometheus server scrapes ipctrace
every second and its HTTP API is asked for exact counts; promtool lints the
text exposition; systemd-analyze verifies the unit, whose capabilities a
non-root run gets through setpriv; bad input and garbage HTTP end in one
line and a documented exit status, never a crash.
"""
from __future__ import annotations

import configparser
import gzip
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest

from conftest import IPCTRACE, REPO, WORKLOAD
from test_scope import cgroups, start_in  # noqa: F401 (a fixture)

EXIT_USAGE, EXIT_NOINPUT, EXIT_NOHOST, EXIT_TEMPFAIL = 64, 66, 68, 75
UNIT = REPO / "contrib" / "systemd" / "ipctrace.service"
DASHBOARD = REPO / "contrib" / "grafana" / "ipctrace.json"
PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"
PIPE_WRITE = 'sum(ipctrace_syscalls_total{mechanism="pipe",syscall="write"})'
PIPE_WRITE_COUNT = 'sum(ipctrace_syscall_duration_seconds_count{mechanism="pipe",syscall="write"})'
PIPE_PI_CHILDREN = 10
REUSE_S = 1.0  # an exposition is reused for up to 1 s


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=30.0, what="a condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


class Serve:
    """`ipctrace serve ARGS` on a free loopback port, until stop()."""

    def __init__(self, *args, port=None, preexec=None, env=None):
        self.port = port or free_port()
        self.argv = [str(IPCTRACE), "serve", "--listen", f"127.0.0.1:{self.port}", *map(str, args)]
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, start_new_session=True,
                                     preexec_fn=preexec, env=env)
        self.stderr = ""
        deadline = time.monotonic() + 60
        while "serving http" not in self.stderr:
            ready, _, _ = select.select([self.proc.stderr], [], [], 0.1)
            if ready:
                line = self.proc.stderr.readline().decode(errors="replace")
                self.stderr += line
                if not line and self.proc.poll() is not None:
                    pytest.fail(f"ipctrace serve exited {self.proc.returncode}: {self.stderr}")
            if time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"ipctrace serve did not start: {self.stderr}")

    def wait_stderr(self, text, timeout=30.0):
        deadline = time.monotonic() + timeout
        while text not in self.stderr:
            ready, _, _ = select.select([self.proc.stderr], [], [], 0.1)
            if ready:
                self.stderr += self.proc.stderr.readline().decode(errors="replace")
            if time.monotonic() > deadline:
                pytest.fail(f"ipctrace serve did not say {text!r}: {self.stderr}")

    def get(self, path="/metrics", headers=None, method="GET"):
        return http_get(self.port, path, headers, method)

    def metrics(self, accept="text/plain") -> str:
        status, _, body = self.get(headers={"Accept": accept})
        assert status == 200
        return body.decode()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self) -> int:
        """SIGTERM: a clean detach and exit 0 (asserted by the callers)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        self.stderr += self.proc.stderr.read().decode(errors="replace")
        self.proc.stderr.close()
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def serve(bpf):
    started = []

    def start(*args, **kwargs):
        s = Serve(*args, **kwargs)
        started.append(s)
        return s
    yield start
    for s in started:
        s.kill()
        if s.proc.stderr and not s.proc.stderr.closed:
            s.proc.stderr.close()


def http_get(port, path="/metrics", headers=None, method="GET"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


def samples(text: str) -> dict:
    """{'name{labels}': value} of an exposition."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


def sample_names(text: str) -> set:
    return {re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
            for line in text.splitlines() if line and not line.startswith("#")}


class Holder:
    """A shell that runs pipe-pi each time it is told to: a process to serve
    -p of (its writes and pipe-pi's are in its tree).  It reads its orders
    from a pipe Python writes (a pipe read of the shell's, never a write)
    and says it is done in a file (file writes)."""

    def __init__(self, tmp_path: Path):
        self.done = tmp_path / "done"
        script = ('while read n; do "$0" pipe-pi --children "$n" > /dev/null; '
                  'echo "$n" >> "$1"; done')
        self.proc = subprocess.Popen(["sh", "-c", script, str(WORKLOAD), str(self.done)],
                                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     start_new_session=True, text=True)
        self.runs = 0

    def run_pipe_pi(self, children=PIPE_PI_CHILDREN):
        self.runs += 1
        self.proc.stdin.write(f"{children}\n")
        self.proc.stdin.flush()
        wait_for(lambda: self.done.exists() and len(self.done.read_text().split()) == self.runs,
                 what="pipe-pi in the holder")

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.stdin.close()
        self.proc.wait()


@pytest.fixture
def holder(tmp_path):
    h = Holder(tmp_path)
    yield h
    h.stop()


# ---- the real Prometheus ----------------------------------------------------

class Prometheus:
    """Debian's Prometheus, scraping one target every second, its storage in
    a temp dir, on a free loopback port."""

    def __init__(self, tmp_path: Path, target_port: int):
        self.port = free_port()
        self.dir = tmp_path / "prometheus"
        self.dir.mkdir()
        config = self.dir / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            "scrape_configs:\n  - job_name: ipctrace\n    static_configs:\n"
            f"      - targets: ['127.0.0.1:{target_port}']\n")
        self.log = open(self.dir / "prometheus.log", "w")
        self.proc = subprocess.Popen(
            [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={self.dir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        wait_for(self.ready, timeout=60, what="Prometheus to be ready")

    def ready(self):
        try:
            return http_get(self.port, "/-/ready")[0] == 200
        except OSError:
            return False

    def query(self, expr: str):
        """(value, timestamp) of a one-sample instant query, or None."""
        status, _, body = http_get(self.port, "/api/v1/query?" +
                                   urllib.parse.urlencode({"query": expr}))
        assert status == 200, body
        result = json.loads(body)["data"]["result"]
        if not result:
            return None
        assert len(result) == 1, result
        timestamp, value = result[0]["value"]
        return float(value), float(timestamp)

    def scraped_after(self, t: float):
        """A scrape began after t (wall clock) and reached the TSDB."""
        got = self.query("timestamp(ipctrace_collections_total)")
        return got is not None and got[0] > t

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture
def prometheus(tmp_path):
    if not os.access(PROMETHEUS, os.X_OK):
        pytest.fail(f"{PROMETHEUS} missing: tests/install-deps.sh installs Debian's prometheus")
    started = []

    def start(target_port):
        p = Prometheus(tmp_path, target_port)
        started.append(p)
        return p
    yield start
    for p in started:
        p.stop()


def settled(prom: Prometheus):
    """What Prometheus holds once a scrape began more than the exposition's
    reuse after now: the value of every count made before now."""
    after = time.time() + REUSE_S + 0.2
    wait_for(lambda: prom.scraped_after(after), timeout=30, what="a later scrape")
    return prom.query(PIPE_WRITE)[0]


def run_pipe_pi_in(group: Path, workdir: Path):
    """pipe-pi in group from its first instruction, to its end."""
    proc = start_in(group, [WORKLOAD, "pipe-pi", "--children", PIPE_PI_CHILDREN], workdir)
    assert proc.wait(timeout=120) == 0


def test_prometheus_scrapes_exact_counts(serve, prometheus, cgroups, tmp_path):  # noqa: F811
    """`serve --cgroup TEST` and pipe-pi's 10 pipe writes in TEST, seen by
    Prometheus' own API: two instant queries before and after differ by
    exactly 10 (not increase(), which extrapolates); the histogram's _count
    is the calls; up is 1 (Prometheus asks for OpenMetrics, so that format
    parses)."""
    group = cgroups("serve")
    server = serve("--cgroup", group)
    prom = prometheus(server.port)
    wait_for(lambda: (prom.query('up{job="ipctrace"}') or (0,))[0] == 1, what="up == 1")
    run_pipe_pi_in(group, tmp_path)  # the series exist from here on
    before = settled(prom)
    run_pipe_pi_in(group, tmp_path)
    after = settled(prom)
    assert after - before == PIPE_PI_CHILDREN
    assert prom.query(PIPE_WRITE_COUNT)[0] == after
    assert prom.query('up{job="ipctrace"}')[0] == 1
    assert prom.query("ipctrace_series_dropped_total")[0] == 0
    assert server.stop() == 0


def test_by_cgroup_labels_the_group(serve, cgroups, tmp_path):  # noqa: F811
    group = cgroups("label")
    server = serve("--cgroup", group, "--by", "cgroup")
    run_pipe_pi_in(group, tmp_path)
    time.sleep(REUSE_S + 0.1)
    key = "/" + str(group.relative_to(group.parent))  # relative to the v2 root
    text = samples(server.metrics())
    assert text['ipctrace_syscalls_total{mechanism="pipe",syscall="write",cgroup="%s"}' % key] \
        == PIPE_PI_CHILDREN
    assert not [k for k in text if "pid=" in k]
    assert server.stop() == 0


@pytest.fixture(scope="module")
def named_writer(tmp_path_factory):
    """tests/e2e/programs/named_writer.c, static: its parent makes no IPC call."""
    binary = tmp_path_factory.mktemp("programs") / "named_writer"
    subprocess.run(["cc", "-O2", "-static", "-Wall", "-Werror", "-o", binary,
                    REPO / "tests/e2e/programs/named_writer.c"], check=True, timeout=120)
    return binary


def test_max_series_first_come_for_good(serve, cgroups, named_writer, tmp_path):  # noqa: F811
    """Room for one comm's two rows (pipe2, write) and their "other" rows:
    the first comm keeps its own series, later ones go to comm="other" for
    good, counted in ipctrace_series_dropped_total; nothing disappears."""
    group = cgroups("series")
    rows = 2 * 41
    server = serve("--cgroup", group, "--by", "comm", "--max-series", 2 * rows)
    assert start_in(group, [named_writer, 3, "svfirst"], tmp_path).wait(timeout=60) == 0
    time.sleep(REUSE_S + 0.1)
    first = samples(server.metrics())
    write = 'ipctrace_syscalls_total{mechanism="pipe",syscall="write",comm="%s"}'
    assert first[write % "svfirst"] == 3
    assert start_in(group, [named_writer, 5, "svsecond", "svthird"], tmp_path).wait(timeout=60) == 0
    time.sleep(REUSE_S + 0.1)
    text = samples(server.metrics())
    assert text[write % "svfirst"] == 3
    assert text[write % "other"] == 10
    assert not [k for k in text if "svsecond" in k or "svthird" in k]
    assert text["ipctrace_series_dropped_total"] == 2 * rows  # two comms, two rows each
    assert text["ipctrace_series"] == 2 * rows
    assert set(first) <= set(text)  # a series once exposed stays
    assert server.stop() == 0


def test_default_scope_is_the_host(serve, named_writer):
    """No scope option: --all; a process started later is counted (by a
    name of its own, among the host's: room for all of them)."""
    server = serve("--by", "comm", "--max-series", 10000000)
    assert subprocess.run([named_writer, "4", "svhost"], timeout=60).returncode == 0
    time.sleep(REUSE_S + 0.1)
    text = samples(server.metrics())
    assert text['ipctrace_syscalls_total{mechanism="pipe",syscall="write",comm="svhost"}'] == 4
    assert server.stop() == 0


def test_promtool_finds_nothing_in_the_text_format(serve, holder):
    server = serve("-p", holder.proc.pid)
    holder.run_pipe_pi()
    text = server.metrics("text/plain")
    lint = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True,
                          text=True, timeout=60)
    assert lint.returncode == 0 and not lint.stdout.strip() and not lint.stderr.strip(), \
        lint.stdout + lint.stderr
    assert server.stop() == 0


def test_exposition_counts_and_formats(serve, holder):
    """The text and OpenMetrics expositions hold the same exact counts;
    buckets are cumulative to _count; counts stay after the processes exit."""
    server = serve("-p", holder.proc.pid)
    holder.run_pipe_pi()
    time.sleep(REUSE_S + 0.1)
    status, headers, body = server.get(headers={"Accept": "text/plain"})
    assert status == 200
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = samples(body.decode())
    key = '{mechanism="pipe",syscall="write"}'
    assert text["ipctrace_syscalls_total" + key] == PIPE_PI_CHILDREN
    assert text['ipctrace_syscalls_total{mechanism="pipe",syscall="pipe2"}'] == PIPE_PI_CHILDREN
    buckets = [v for k, v in text.items()
               if k.startswith('ipctrace_syscall_duration_seconds_bucket{mechanism="pipe",'
                               'syscall="write",')]
    assert len(buckets) == 36 and buckets == sorted(buckets)
    assert buckets[-1] == text["ipctrace_syscall_duration_seconds_count" + key] == PIPE_PI_CHILDREN
    assert text['ipctrace_build_info{version="0.1.0",kernel="%s"}' % os.uname().release] == 1

    status, headers, body = server.get(headers={
        "Accept": "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"})
    assert headers["Content-Type"].startswith("application/openmetrics-text; version=1.0.0")
    om = body.decode()
    assert om.endswith("# EOF\n") and "# TYPE ipctrace_syscalls counter" in om
    assert samples(om)["ipctrace_syscalls_total" + key] == PIPE_PI_CHILDREN

    holder.stop()  # the traced processes are gone: their counts stay
    time.sleep(REUSE_S + 0.1)
    assert samples(server.metrics())["ipctrace_syscalls_total" + key] == PIPE_PI_CHILDREN
    assert server.stop() == 0


def test_http_surface(serve, holder):
    server = serve("-p", holder.proc.pid)
    status, headers, body = server.get("/")
    assert status == 200 and b'href="/metrics"' in body
    assert server.get("/nope")[0] == 404
    assert server.get("/metrics/x")[0] == 404
    for method in ("POST", "PUT", "DELETE", "OPTIONS"):
        status, headers, _ = server.get("/metrics", method=method)
        assert status == 405 and headers["Allow"] == "GET, HEAD", method
    status, _, body = server.get("/metrics", method="HEAD")
    assert status == 200 and body == b""
    # gzip when asked: the same exposition (reused within the second)
    plain = server.get(headers={"Accept": "text/plain"})[2]
    status, headers, zipped = server.get(headers={"Accept": "text/plain",
                                                  "Accept-Encoding": "gzip"})
    assert headers.get("Content-Encoding") == "gzip"
    assert gzip.decompress(zipped) == plain or \
        sample_names(gzip.decompress(zipped).decode()) == sample_names(plain.decode())
    assert len(zipped) < len(plain) / 4
    assert server.stop() == 0


GARBAGE = [
    b"\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET /metrics\r\n\r\n",                       # HTTP/0.9
    b"GET /metrics HTTP/9.9\r\n\r\n",
    b"BREW /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"a" * 200000 + b"\r\n\r\n",
    b"GET /" + b"%" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\n" + b"".join(b"H%d: v\r\n" % i for i in range(5000)) + b"\r\n",
    b"GET /metrics HTTP/1.1\r\nHost: \x00\xff\xfe\r\n\r\n",
    b"GET /%00%ff/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: " + b"gzip," * 5000 + b"\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic !!!!\r\n\r\n",
    bytes(range(256)) * 64,
]


def raw_request(port: int, data: bytes, timeout=5.0) -> bytes:
    """What the server answers to data, up to its closing the connection
    (which it may do before reading all of it)."""
    chunks = []
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError:  # closed on us mid-request: read what it said
            pass
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except OSError:
            pass
    return b"".join(chunks)


def test_garbage_http_never_crashes_it(serve, holder):
    """Malformed requests get an error status or a closed connection; slow
    and excess clients are cut off; /metrics still answers after all of it."""
    server = serve("-p", holder.proc.pid)
    for data in GARBAGE:
        reply = raw_request(server.port, data)
        assert reply == b"" or reply.startswith(b"HTTP/1."), (data[:60], reply[:100])
        assert server.proc.poll() is None, data[:60]
    # slow clients holding connections open: more than the limit, then a scrape
    idle = []
    for _ in range(40):
        try:
            c = socket.create_connection(("127.0.0.1", server.port), timeout=2)
            c.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")  # never finished
            idle.append(c)
        except OSError:
            break
    for c in idle:
        c.close()
    wait_for(lambda: server.get()[0] == 200, timeout=15, what="a scrape after the slow clients")
    assert server.proc.poll() is None
    assert server.stop() == 0


def test_bad_input_is_one_line_and_a_documented_status(bpf, ipctrace, holder):
    pid = holder.proc.pid
    for args, status, words in [
        (["--listen", "127.0.0.1"], EXIT_USAGE, "--listen: expected ADDR:PORT"),
        (["--listen", "nonsense:80"], EXIT_USAGE, "--listen: expected ADDR:PORT"),
        (["--listen", "127.0.0.1:99999"], EXIT_USAGE, "--listen: expected ADDR:PORT"),
        (["--listen", "::1:80"], EXIT_USAGE, "--listen: expected ADDR:PORT"),
        (["--listen", "0.0.0.0:1"], EXIT_USAGE, "beyond loopback"),
        (["--listen", "192.0.2.1:19400", "--insecure"], EXIT_NOHOST, "no interface has"),
        (["--max-series", "abc"], EXIT_USAGE, "--max-series"),
        (["--tls-cert", "/nonexistent"], EXIT_USAGE, "go together"),
        (["--basic-auth-file", "/nonexistent"], EXIT_NOINPUT, "/nonexistent"),
        (["--bogus"], EXIT_USAGE, "bogus"),
        (["--by", "process"], EXIT_USAGE, "no per-process label"),
        (["--all"], EXIT_USAGE, "name the scope alone"),
        (["--cgroup", "/nonexistent-ipctrace-group"], EXIT_NOINPUT, "--cgroup"),
    ]:
        argv = ["serve", *args, "-p", str(pid)] if args[0] != "--cgroup" else ["serve", *args]
        r = ipctrace(*argv, timeout=60)
        assert r.returncode == status, (args, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0], (args, r.stderr)
    # -p of a process that is gone: nothing to serve
    gone = subprocess.Popen(["true"])
    gone.wait()
    r = ipctrace("serve", "--listen", f"127.0.0.1:{free_port()}", "-p", str(gone.pid), timeout=60)
    assert r.returncode == EXIT_NOINPUT
    assert r.stderr.strip().splitlines()[-1] == "ipctrace: no process to serve metrics of"
    # a port in use
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        r = ipctrace("serve", "--listen", f"127.0.0.1:{s.getsockname()[1]}", "-p", str(pid),
                     timeout=60)
    assert r.returncode == EXIT_TEMPFAIL, r.stderr
    assert r.stderr.count("\n") == 1 and "Address already in use" in r.stderr


def test_a_comm_that_matches_nothing_yet_is_served(serve, tmp_path):
    """An exporter starts before what it watches: --comm matches processes
    that take the name later (found within 5 s, or at SIGHUP)."""
    server = serve("--comm", "ipct-later")
    assert "ipct-later" not in server.stderr  # not an error: nothing said
    assert 'syscall="write"' not in server.metrics()
    # a shell named ipct-later that waits for its order, then runs pipe-pi
    shell = tmp_path / "ipct-later"
    shutil.copy("/bin/sh", shell)
    later = subprocess.Popen([str(shell), "-c", 'read n; "$0" pipe-pi > /dev/null', str(WORKLOAD)],
                             stdin=subprocess.PIPE, start_new_session=True, text=True)
    try:
        wait_for(lambda: samples(server.metrics())["ipctrace_traced_tasks"] >= 1, timeout=10,
                 what="ipct-later to be traced")
        later.communicate("go\n", timeout=60)
        assert later.returncode == 0
    finally:
        if later.poll() is None:
            later.kill()
            later.wait()
    time.sleep(REUSE_S + 0.1)
    text = samples(server.metrics())
    assert text['ipctrace_syscalls_total{mechanism="pipe",syscall="write"}'] == PIPE_PI_CHILDREN
    assert server.stop() == 0


def test_sighup_rescans_and_counts_continue(serve, holder):
    server = serve("-p", holder.proc.pid)
    holder.run_pipe_pi()
    time.sleep(REUSE_S + 0.1)
    key = 'ipctrace_syscalls_total{mechanism="pipe",syscall="write"}'
    before = samples(server.metrics())[key]
    server.signal(signal.SIGHUP)
    server.wait_stderr("SIGHUP: ")
    holder.run_pipe_pi()
    time.sleep(REUSE_S + 0.1)
    assert samples(server.metrics())[key] == before + PIPE_PI_CHILDREN
    assert server.stop() == 0


def test_sigint_is_a_clean_exit(serve, holder):
    server = serve("-p", holder.proc.pid)
    server.signal(signal.SIGINT)
    assert server.proc.wait(timeout=30) == 0
    server.stop()


def test_exposition_reused_within_a_second(serve, holder):
    server = serve("-p", holder.proc.pid)
    first = samples(server.metrics())["ipctrace_collections_total"]
    second = samples(server.metrics())["ipctrace_collections_total"]
    assert second == first
    time.sleep(REUSE_S + 0.1)
    assert samples(server.metrics())["ipctrace_collections_total"] == first + 1
    assert server.stop() == 0


def test_basic_auth(serve, holder, tmp_path):
    import crypt  # Debian 12's Python 3.11 still has it (crypt(3), as ipctrace checks)

    auth = tmp_path / "auth"
    auth.write_text("# user:hash\nscraper:%s\n" % crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_SHA512)))
    server = serve("-p", holder.proc.pid, "--basic-auth-file", auth)
    assert server.get()[0] == 401
    import base64

    def basic(user, password):
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}
    assert server.get(headers=basic("scraper", "wrong"))[0] == 401
    assert server.get(headers=basic("other", "s3cret"))[0] == 401
    assert server.get(headers=basic("scraper", "s3cret"))[0] == 200
    assert server.stop() == 0


# ---- deployment: the systemd unit and the Grafana dashboard ------------------

def unit_capabilities() -> list[str]:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(UNIT)
    caps = unit["Service"]["CapabilityBoundingSet"].split()
    assert unit["Service"]["AmbientCapabilities"].split() == caps
    assert unit["Service"]["NoNewPrivileges"] == "yes"
    return caps


def test_systemd_unit_verifies(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze not installed (Debian package systemd)")
    unit = tmp_path / "ipctrace.service"
    unit.write_text(UNIT.read_text().replace("/usr/local/sbin/ipctrace", str(IPCTRACE)))
    r = subprocess.run([analyze, "verify", "--man=no", str(unit)], capture_output=True, text=True,
                       timeout=120)
    ours = [line for line in (r.stdout + r.stderr).splitlines() if "ipctrace" in line]
    assert r.returncode == 0 and not ours, r.stdout + r.stderr


def test_runs_unprivileged_with_the_units_capabilities(serve, holder):
    """As nobody, holding only the capabilities the unit grants."""
    caps = ",".join("+" + c.lower().removeprefix("cap_") for c in unit_capabilities())
    argv_prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                   f"--inh-caps=-all,{caps}", f"--ambient-caps=-all,{caps}",
                   f"--bounding-set=-all,{caps}", "--no-new-privs"]
    port = free_port()
    env = dict(os.environ, IPCTRACE_CACHE_DIR="")
    proc = subprocess.Popen([*argv_prefix, str(IPCTRACE), "serve", "--listen", f"127.0.0.1:{port}",
                             "-p", str(holder.proc.pid)], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True, env=env, start_new_session=True)
    try:
        wait_for(lambda: proc.poll() is not None or
                 _answers(port), timeout=60, what="the unprivileged serve")
        assert proc.poll() is None, proc.stderr.read()
        with open(f"/proc/{proc.pid}/status") as f:
            status = f.read()
        assert re.search(r"^Uid:\s+65534\s", status, re.M)
        holder.run_pipe_pi()
        time.sleep(REUSE_S + 0.1)
        text = samples(http_get(port)[2].decode())
        assert text['ipctrace_syscalls_total{mechanism="pipe",syscall="write"}'] == PIPE_PI_CHILDREN
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()


def _answers(port):
    try:
        return http_get(port, "/")[0] == 200
    except OSError:
        return False


def test_grafana_dashboard_uses_only_exposed_metrics(serve, holder):
    server = serve("-p", holder.proc.pid)
    holder.run_pipe_pi()
    exposed = sample_names(server.metrics())
    assert server.stop() == 0
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    exprs += [v["query"] for v in dashboard["templating"]["list"] if v["type"] == "query"]
    used = {name for e in exprs for name in re.findall(r"\bipctrace_[a-z0-9_]+", e)}
    assert used and used <= exposed, used - exposed


def test_tls(serve, holder, tmp_path):
    """HTTPS with a PEM certificate and key from files; beyond loopback,
    TLS alone suffices (no --insecure needed)."""
    import ssl

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=localhost"],
                   check=True, capture_output=True, timeout=60)
    server = serve("-p", holder.proc.pid, "--tls-cert", cert, "--tls-key", key)
    assert "serving https://" in server.stderr
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=context, timeout=10)
    conn.request("GET", "/metrics")
    reply = conn.getresponse()
    assert reply.status == 200 and b"ipctrace_build_info" in reply.read()
    conn.close()
    with pytest.raises(http.client.RemoteDisconnected):  # plain HTTP gets no answer
        server.get()
    assert server.stop() == 0
    # a key that is no key: one line, 65
    r = subprocess.run([str(IPCTRACE), "serve", "--listen", f"127.0.0.1:{free_port()}", "-p",
                        str(holder.proc.pid), "--tls-cert", str(cert), "--tls-key", str(cert)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 65 and r.stderr.count("\n") == 1, r.stderr


# ---- churn: processes come and go, series and memory stay -------------------

CHURN_SECONDS = 60
PER_CHURN_RATE = 500  # two churns: 1,000 processes a second asked for


@pytest.fixture(scope="module")
def svchurn(tmp_path_factory):
    """tests/e2e/programs/churn.c, named svchurn: its comm is its own."""
    binary = tmp_path_factory.mktemp("programs") / "svchurn"
    subprocess.run(["cc", "-O2", "-Wall", "-Werror", "-o", binary,
                    REPO / "tests/e2e/programs/churn.c"], check=True, timeout=120)
    return binary


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"^VmRSS:\s+(\d+)", f.read(), re.M).group(1))


def test_churn_keeps_series_and_memory_flat(serve, cgroups, svchurn, tmp_path):  # noqa: F811
    """1,000 short-lived processes a second (asked; what the machine manages
    is printed) for 60 s under `serve --by comm`, in a group of their own so
    the host's processes do not blur the count: each child's one pipe write
    stays in the totals after it exits (exactly one per child), and the
    series and serve's RSS at 55 s are those at 10 s (RSS within 10 %; at
    55 s, not 60: the line each churn prints as it ends is one row more)."""
    group = cgroups("churn")
    server = serve("--cgroup", group, "--by", "comm")
    outs = [open(tmp_path / f"churn-{i}.out", "w") for i in range(2)]
    churns = [subprocess.Popen([str(svchurn), str(PER_CHURN_RATE), str(CHURN_SECONDS)], stdout=out,
                               stdin=subprocess.DEVNULL,
                               preexec_fn=lambda: (group / "cgroup.procs").write_text(f"{os.getpid()}\n"))
              for out in outs]
    try:
        time.sleep(10)
        at_10 = samples(server.metrics())
        rss_10 = rss_kib(server.proc.pid)
        time.sleep(CHURN_SECONDS - 15)
        at_55 = samples(server.metrics())
        rss_55 = rss_kib(server.proc.pid)
        for c in churns:
            assert c.wait(timeout=CHURN_SECONDS + 60) == 0
    finally:
        for c in churns:
            if c.poll() is None:
                c.kill()
                c.wait()
        for out in outs:
            out.close()
    forked = sum(int((tmp_path / f"churn-{i}.out").read_text()) for i in range(2))
    time.sleep(REUSE_S + 0.1)
    at_end = samples(server.metrics())
    print(f"churn: {forked} processes, {forked / CHURN_SECONDS:.0f}/s; series "
          f"{at_10['ipctrace_series']:.0f} -> {at_55['ipctrace_series']:.0f}; "
          f"RSS {rss_10} -> {rss_55} KiB")
    assert forked / CHURN_SECONDS >= 100, "no churn to speak of"
    assert at_end['ipctrace_syscalls_total{mechanism="pipe",syscall="write",comm="svchurn"}'] \
        == forked
    assert at_55["ipctrace_series"] == at_10["ipctrace_series"]
    assert at_end["ipctrace_series_dropped_total"] == 0
    assert rss_55 <= rss_10 * 1.1
    assert server.stop() == 0
