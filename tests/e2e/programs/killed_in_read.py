# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""A child killed by SIGKILL while it blocks in read(2) (test_commands.py).

The read never returns: it counts as one call, failed.  Prints "killed".
"""
import os
import signal
import time

r, w = os.pipe()
child = os.fork()
if child == 0:
    os.read(r, 100)
    os._exit(0)
time.sleep(0.2)
os.kill(child, signal.SIGKILL)
os.waitpid(child, 0)
print("killed")
