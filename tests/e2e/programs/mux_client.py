#!/usr/bin/env python3
"""The untraced client of mux_server.py: once DIR/serving exists, connects
to the address in DIR/addr and sends REQUESTS one-byte requests GAP_MS apart, each after the answer to
the one before.

    mux_client.py DIR REQUESTS GAP_MS"""
import os
import socket
import sys
import time

workdir, requests, gap_ms = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
while not os.path.exists(os.path.join(workdir, "serving")):
    time.sleep(0.01)
with open(os.path.join(workdir, "addr")) as f:
    address = f.read()
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
    client.sendall(b"q")
    assert client.recv(1) == b"a"
client.close()
