# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The HTML report (--html FILE, --format html): one self-contained page.

The workload: pipe-pi (10 children send their slice of pi through a pipe
each).  The page must hold the summary's own numbers, reference nothing
outside itself, and load in a real browser, headless Chromium, without a
single console message (the page has no scripts, so any message is an
error).  The same browser takes the README's screenshot: set
IPCTRACE_UPDATE_DOCS=1 to write it to docs/pipe-pi-report.png (otherwise it
goes to a scratch directory, so a test run leaves the work tree alone).
"""
import os
import re
import shutil
import struct
import subprocess

import pytest

from conftest import IPCTRACE, REPO, _clean_env, skip_or_fail

SCREENSHOT = REPO / "docs" / "pipe-pi-report.png"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


@pytest.fixture(scope="session")
def chromium():
    """Debian's chromium: too big (about 290 MB) for every machine that only
    builds, so installed here, on first need."""
    path = shutil.which("chromium")
    if not path and os.geteuid() == 0:
        subprocess.run([str(REPO / "tests" / "install-deps.sh"), "chromium"],
                       stdout=subprocess.DEVNULL, timeout=1200, check=False)
        path = shutil.which("chromium")
    if not path:
        skip_or_fail("chromium is not installed: run tests/install-deps.sh chromium as root")
    return path


def browse(chromium, tmp_path, page, *flags):
    """Open the page in a fresh headless profile: (stdout, console lines)."""
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    profile.mkdir()
    proc = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                           "--enable-logging=stderr", "--v=0", *flags, page.as_uri()],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"chromium failed ({proc.returncode}): {proc.stderr[-2000:]}"
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    return proc.stdout, console


@pytest.fixture(scope="module")
def pipe_pi(run_traced, tmp_path_factory):
    """ipctrace run -q -o summary.json --html report.html pipe-pi"""
    html = tmp_path_factory.mktemp("html") / "report.html"
    traced = run_traced("pipe-pi", options=["--html", str(html)])
    assert traced.exit_code == 0, traced.stderr
    assert traced.summary is not None
    return traced, html


def test_page_holds_the_summary_and_nothing_from_elsewhere(pipe_pi):
    traced, html = pipe_pi
    page = html.read_text()
    summary = traced.summary

    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"https?://", page), "the page must be self-contained"
    assert not re.search(r"<(script|link|img|iframe)\b|\bsrc=", page)
    assert "<svg" in page
    assert set(summary["mechanisms"]) >= {"pipe"}
    for name, mechanism in summary["mechanisms"].items():
        assert name in page
        if name in ("other", "timer"):  # wake-ups only: not in the mechanism table
            continue
        totals = mechanism["totals"]
        # the mechanism table's row: name, then its syscall and error totals, bytes
        assert re.search(rf"</span>{name}</td><td>{totals['count']}</td><td>{totals['errors']}"
                         rf"</td><td>{totals['bytes']}</td>", page), name
    pipe = summary["mechanisms"]["pipe"]["syscalls"]
    assert (pipe["pipe2"]["count"], pipe["read"]["count"], pipe["write"]["count"]) == (10, 10, 10)
    # every wake-up edge between traced processes is a row of the edge table
    for edge in summary["wakeup_edges"]:
        if edge["waker"]["pid"]:
            assert f"{edge['waker']['pid']} {edge['waker']['comm']}" in page


def test_report_renders_the_saved_run_identically(pipe_pi, tmp_path):
    """--html of run and of report are one renderer of one summary."""
    traced, html = pipe_pi
    again = tmp_path / "again.html"
    by_extension = tmp_path / "by-extension.html"
    proc = subprocess.run([str(IPCTRACE), "report", str(traced.json_path), "--html", str(again)],
                          capture_output=True, text=True, env=_clean_env(), timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert again.read_text() == html.read_text()
    proc = subprocess.run([str(IPCTRACE), "report", "-o", str(by_extension), str(traced.json_path)],
                          capture_output=True, text=True, env=_clean_env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert by_extension.read_text() == html.read_text()
    proc = subprocess.run([str(IPCTRACE), "report", "--format", "html", str(traced.json_path)],
                          capture_output=True, text=True, env=_clean_env(), timeout=60)
    assert proc.returncode == 0 and proc.stdout == html.read_text()


def test_console_check_catches_a_script_error(chromium, tmp_path):
    """The oracle of the next test: a page with a broken script is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><script>no_such_function()</script></body></html>")
    _, console = browse(chromium, tmp_path, bad, "--dump-dom")
    assert any("Uncaught" in line for line in console), console


def test_chromium_loads_it_without_errors_and_draws_it(chromium, pipe_pi, tmp_path):
    traced, html = pipe_pi
    dom, console = browse(chromium, tmp_path, html, "--dump-dom")
    assert console == []
    assert "<title>ipctrace: run pipe-pi</title>" in dom
    for section in ("Mechanisms", "Per mechanism", "Syscalls", "Latency histograms",
                    "Wake-up graph"):
        assert f"<h2>{section}</h2>" in dom
    assert dom.count("<table") >= 3 and dom.count("<svg") >= 6

    update_docs = os.environ.get("IPCTRACE_UPDATE_DOCS") == "1"
    png = SCREENSHOT if update_docs else tmp_path / "pipe-pi-report.png"
    png.parent.mkdir(exist_ok=True)
    _, console = browse(chromium, tmp_path, html, f"--screenshot={png}", "--window-size=1280,2000")
    assert console == []
    header = png.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (1280, 2000)
