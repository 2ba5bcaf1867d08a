# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""A read that a signal interrupts and the kernel restarts (test_commands.py).

SIGALRM has a handler installed with SA_RESTART (signal.siginterrupt(...,
False)); the alarm fires 0.1 s into a read(2) from an empty pipe, and a
child writes "hello" into the pipe at 0.4 s.  The kernel restarts the read
after the handler: the program sees ONE read that returns 5 bytes, and
prints "read 5 bytes".
"""
import os
import signal
import time

r, w = os.pipe()
if os.fork() == 0:
    time.sleep(0.4)
    os.write(w, b"hello")
    os._exit(0)
signal.signal(signal.SIGALRM, lambda signum, frame: None)
signal.siginterrupt(signal.SIGALRM, False)  # SA_RESTART
signal.setitimer(signal.ITIMER_REAL, 0.1)
data = os.read(r, 100)
os.wait()
print(f"read {len(data)} bytes")
