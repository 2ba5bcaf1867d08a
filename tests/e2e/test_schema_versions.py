# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The summary schema's versioning policy (README, "Schema versions"):
fields are only added within ipctrace.summary/1, as optional ones, and a
reader accepts fields and mechanism names it does not know.  A /1 file
from before the policy (the golden summaries) and one from a later
ipctrace, with fields and a mechanism unknown here, both read.  No BPF."""
import json
import subprocess

from conftest import IPCTRACE, validate_summary
from test_golden import GOLDEN, RENDERINGS, SUMMARIES


def later_summary(summary: dict) -> dict:
    """What a later ipctrace may write under the same schema: new optional
    fields anywhere, and a mechanism this one does not know, with its own
    syscalls, wake-up edge and contended lock."""
    later = json.loads(json.dumps(summary))
    later["objects"] = [{"id": 1, "mechanism": "eventfd"}]
    later["target"]["groups"] = []
    later["mechanisms"]["pipe"]["woken_by"] = {"untraced": 0}
    later["mechanisms"]["pipe"]["syscalls"]["read"]["p99_ns"] = 5
    later["mechanisms"]["eventfd"] = json.loads(json.dumps(later["mechanisms"]["pipe"]))
    edge = json.loads(json.dumps(later["wakeup_edges"][0]))
    edge["mechanism"] = "eventfd"
    later["wakeup_edges"].append(edge)
    later["contended_locks"].append({"mechanism": "eventfd", "kind": "futex", "key": "k",
                                     "waiters": 1, "count": 1, "total_ns": 1, "max_ns": 1,
                                     "callers": [], "new_field": True})
    return later


def test_a_later_v1_summary_reads_and_renders_what_this_ipctrace_knows(tmp_path):
    golden = GOLDEN / "pipe-pi.json"
    later = later_summary(json.loads(golden.read_text()))
    validate_summary(later, strict=False)  # the published schema accepts it
    path = tmp_path / "later.json"
    path.write_text(json.dumps(later))
    for suffix, options in RENDERINGS.items():
        run = subprocess.run([str(IPCTRACE), "report", *options, path], capture_output=True,
                             timeout=60)
        assert run.returncode == 0, run.stderr.decode()
        assert run.stdout == GOLDEN.joinpath("pipe-pi" + suffix).read_bytes()
        assert run.stderr.decode() == (f"ipctrace: {path}: 3 entries of mechanisms this "
                                       "ipctrace does not know left out (a later ipctrace "
                                       "wrote it)\n")


def test_a_summary_from_before_the_policy_still_validates_strictly():
    """The golden files were written before the schema accepted unknown
    fields: the strict form of today's schema still takes them."""
    for summary in SUMMARIES:
        validate_summary(json.loads(summary.read_text()), strict=True)
