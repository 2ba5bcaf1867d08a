# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Fixtures shared by the fault and sanitizer tests."""
import os

import pytest

from faultlib import IPCTRACE, WORKLOAD, ipctrace, skip_or_fail


@pytest.fixture(scope="session")
def binaries():
    for binary in (IPCTRACE, WORKLOAD):
        if not os.access(binary, os.X_OK):
            skip_or_fail(f"{binary} is not built: run make")


@pytest.fixture(scope="session")
def bpf(binaries, tmp_path_factory):
    """ipctrace can trace here (root, BPF, BTF): probed once."""
    if os.geteuid() != 0:
        skip_or_fail("tracing needs root")
    out = tmp_path_factory.mktemp("probe") / "probe.json"
    probe = ipctrace("run", "-q", "-o", out, "--", "/bin/true")
    if probe.code != 0:
        skip_or_fail(f"ipctrace cannot trace here (exit {probe.code}): {probe.stderr.strip()}")
