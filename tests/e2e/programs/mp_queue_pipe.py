# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""A Python multiprocessing program for ipctrace's e2e tests (test_commands.py).

The parent sends 100 messages to a child through a multiprocessing.Pipe()
(a socketpair: AF_UNIX), and the child sends each one back, doubled, through
a multiprocessing.Queue (an os.pipe(), a feeder thread, and a POSIX
semaphore in /dev/shm).  Prints "received 100 messages, sum 9900".
"""
import multiprocessing as mp

MESSAGES = 100


def child(conn, queue):
    for _ in range(MESSAGES):
        queue.put(conn.recv() * 2)
    queue.close()
    queue.join_thread()


def main():
    mp.set_start_method("fork")
    parent_end, child_end = mp.Pipe()
    queue = mp.Queue()
    worker = mp.Process(target=child, args=(child_end, queue))
    worker.start()
    for i in range(MESSAGES):
        parent_end.send(i)
    total = sum(queue.get() for _ in range(MESSAGES))
    worker.join()
    print(f"received {MESSAGES} messages, sum {total}")
    return worker.exitcode


if __name__ == "__main__":
    raise SystemExit(main())
