# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""A read stopped by SIGSTOP and continued by SIGCONT (test_commands.py).

The parent blocks in read(2) on an empty pipe; its child stops it at 0.2 s,
continues it at 0.4 s and writes "hello" at 0.6 s.  No handler runs: the
kernel restarts the read, and the program sees ONE read returning 5 bytes.
Prints "read 5 bytes".
"""
import os
import signal
import time

r, w = os.pipe()
parent = os.getpid()
if os.fork() == 0:
    time.sleep(0.2)
    os.kill(parent, signal.SIGSTOP)
    time.sleep(0.2)
    os.kill(parent, signal.SIGCONT)
    time.sleep(0.2)
    os.write(w, b"hello")
    os._exit(0)
data = os.read(r, 100)
os.wait()
print(f"read {len(data)} bytes")
