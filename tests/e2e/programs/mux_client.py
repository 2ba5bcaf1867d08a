#!/usr/bin/env python3
"""The untraced client of mux_server.py: once DIR/serving exists, connects
to the address in DIR/addr and sends REQUESTS one-byte requests, each
GAP_MS after the answer to the one before and once the server sleeps in its
selector again (/proc/PID/syscall), so that every wait of the server sleeps.

    mux_client.py DIR REQUESTS GAP_MS"""
import os
import socket
import sys
import time

workdir, requests, gap_ms = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
while not os.path.exists(os.path.join(workdir, "serving")):
    time.sleep(0.01)
with open(os.path.join(workdir, "addr")) as f:
    server_pid, address = f.read().split(" ", 1)


# poll, select, epoll_wait, pselect6, ppoll, epoll_pwait, epoll_pwait2 (x86_64)
WAITS = {"7", "23", "232", "270", "271", "281", "441"}


def server_asleep():
    """Asleep in its selector: not still in accept, not running or preempted."""
    with open(f"/proc/{server_pid}/syscall") as f:
        in_wait = f.read().split()[0] in WAITS
    with open(f"/proc/{server_pid}/stat") as f:
        return in_wait and f.read().rsplit(")", 1)[1].split()[0] == "S"


if address.startswith("/"):
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(address)
else:
    host, port = address.rsplit(":", 1)
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    client.connect((host, int(port)))
for _ in range(requests):
    time.sleep(gap_ms / 1000)
    while not server_asleep():
        time.sleep(0.002)
    client.sendall(b"q")
    assert client.recv(1) == b"a"
client.close()
