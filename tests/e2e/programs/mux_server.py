#!/usr/bin/env python3
"""A multiplexing server, the shape of issue 15: a selector (epoll, poll or
select) that registers a never-written self-pipe first, then one client
connection, and serves REQUESTS one-byte requests.

    mux_server.py unix|tcp epoll|poll|select REQUESTS TIMEOUTS DIR

It listens (DIR/sock, or 127.0.0.1 on a free port), writes its pid and
address to DIR/addr, and waits for DIR/go (so that a tracer can attach first); then it
waits TIMEOUTS times 30 ms in the selector with nothing ready (each ends by
its timeout), creates DIR/serving, accepts one client and answers each of its requests.  It
exits after the last answer, without waiting again, and removes DIR/sock."""
import os
import selectors
import socket
import sys
import time

transport, kind, requests, timeouts, workdir = sys.argv[1:6]
requests, timeouts = int(requests), int(timeouts)
selector = {"epoll": selectors.EpollSelector, "poll": selectors.PollSelector,
            "select": selectors.SelectSelector}[kind]()

self_pipe = os.pipe()  # registered first, never written
selector.register(self_pipe[0], selectors.EVENT_READ)

if transport == "unix":
    path = os.path.join(workdir, "sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    address = path
else:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    address = f"127.0.0.1:{listener.getsockname()[1]}"
listener.listen(1)
with open(os.path.join(workdir, "addr.tmp"), "w") as f:
    f.write(f"{os.getpid()} {address}")
os.rename(os.path.join(workdir, "addr.tmp"), os.path.join(workdir, "addr"))

while not os.path.exists(os.path.join(workdir, "go")):
    time.sleep(0.01)

for _ in range(timeouts):
    assert selector.select(timeout=0.03) == []
open(os.path.join(workdir, "serving"), "w").close()

conn, _ = listener.accept()
selector.register(conn, selectors.EVENT_READ)
served = 0
while served < requests:
    for key, _ in selector.select():
        if key.fileobj is conn:
            assert conn.recv(1) == b"q"
            conn.sendall(b"a")
            served += 1
conn.close()
listener.close()
if transport == "unix":
    os.unlink(path)
