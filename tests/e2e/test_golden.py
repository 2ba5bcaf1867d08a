# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Golden summaries: one recorded run of every bundled workload
(tests/golden/NAME.json, recorded with the options in
tests/golden/workloads.txt), rendered by `ipctrace report` as text, text
with histograms, CSV, HTML and JSON, must equal the committed renderings
byte for byte; and three of them side by side as `ipctrace compare` does.

No BPF needed: these pin down the user side, the model and its outputs,
while the code behind them is restructured.  A deliberate change to an
output regenerates the expected files (see regenerate() below).
"""
import subprocess
from pathlib import Path

import pytest

from conftest import IPCTRACE, validate_summary

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
SUMMARIES = sorted(GOLDEN.glob("*.json"))
# expected file suffix -> the report options that render it
RENDERINGS = {
    ".txt": [],
    ".hist.txt": ["--hist"],
    ".csv": ["--format", "csv"],
    ".html": ["--format", "html"],
    ".json": ["--format", "json"],  # the summary itself: it reads back unchanged
}
COMPARED = ["pipe-pi.json", "signal-alarm.json", "ticket-lock.json"]
COMPARE_RENDERINGS = {"table.txt": [], "table.csv": ["-f", "csv"], "table.json": ["-f", "json"]}


def ipctrace(*args, cwd=None):
    run = subprocess.run([str(IPCTRACE), *map(str, args)], capture_output=True, timeout=60,
                         cwd=cwd)
    assert run.returncode == 0, run.stderr.decode()
    return run.stdout


def regenerate():
    """python3 -c 'import test_golden; test_golden.regenerate()' in tests/e2e"""
    for summary in SUMMARIES:
        for suffix, options in RENDERINGS.items():
            if suffix != ".json":
                GOLDEN.joinpath(summary.stem + suffix).write_bytes(
                    ipctrace("report", *options, summary))
    for name, options in COMPARE_RENDERINGS.items():
        GOLDEN.joinpath("compare", name).write_bytes(
            ipctrace("compare", *options, *COMPARED, cwd=GOLDEN))


def test_there_is_a_golden_summary_per_bundled_workload():
    listed = ipctrace("list").decode().splitlines()[1:]
    workloads = sorted(line.split()[0] for line in listed)
    recorded = sorted(line.split()[0] for line in
                      GOLDEN.joinpath("workloads.txt").read_text().splitlines())
    assert workloads == recorded == [s.stem for s in SUMMARIES]


@pytest.mark.parametrize("summary", SUMMARIES, ids=lambda p: p.stem)
def test_golden_summary_matches_the_schema(summary):
    import json
    validate_summary(json.loads(summary.read_text()))


@pytest.mark.parametrize("suffix", RENDERINGS)
@pytest.mark.parametrize("summary", SUMMARIES, ids=lambda p: p.stem)
def test_report_renders_the_golden_summary_byte_for_byte(summary, suffix):
    expected = GOLDEN / (summary.stem + suffix)
    assert ipctrace("report", *RENDERINGS[suffix], summary) == expected.read_bytes()


@pytest.mark.parametrize("name", COMPARE_RENDERINGS)
def test_compare_renders_golden_summaries_byte_for_byte(name):
    rendered = ipctrace("compare", *COMPARE_RENDERINGS[name], *COMPARED, cwd=GOLDEN)
    assert rendered == GOLDEN.joinpath("compare", name).read_bytes()
