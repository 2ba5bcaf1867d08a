#!/usr/bin/env python3
"""Wake-ups from interrupt context while another task is inside an IPC call.

    interrupt_wake.py TIMEOUTS

Pins itself to one CPU and forks a spinner there that calls kill(self, 0)
(a `signal` call that wakes no one) in a loop.  Meanwhile it waits TIMEOUTS
times in recv on a socket with SO_RCVTIMEO 20 ms: a timer-wheel timer wakes
it, from the timer softirq, which mostly runs as the tick's interrupt
returns into the spinner.  Prints its own pid."""
import mmap
import os
import socket
import struct
import sys

timeouts = int(sys.argv[1])
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
print(os.getpid(), flush=True)
done = mmap.mmap(-1, 1, mmap.MAP_SHARED)

spinner = os.fork()
if spinner == 0:
    me = os.getpid()
    while done[0] == 0:
        os.kill(me, 0)
    os._exit(0)

receiver, sender = socket.socketpair()
receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 0, 20000))
for _ in range(timeouts):
    try:
        receiver.recv(1)
        sys.exit("nothing was sent")
    except BlockingIOError:
        pass
done[0] = 1
os.waitpid(spinner, 0)
