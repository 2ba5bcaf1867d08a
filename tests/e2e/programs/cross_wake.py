#!/usr/bin/env python3
"""A waiter and the waker it forks, across processes, through one mechanism.

    cross_wake.py pipe|fifo|mq|msg|sem|futex|signal|unix|inet WAKES DIR

Sets the object up, forks the waker, writes the waker's pid to DIR/ready and
waits for DIR/go (so that a tracer can attach to the waiter alone).  Then
the waiter blocks WAKES times in the mechanism's receiving call, and the
waker wakes it WAKES times, each once the waiter is asleep in its call (its
turn in shared memory, then its /proc state), so that every wait sleeps
however slow the machine.  Every object is removed at the end, whatever
happens."""
import ctypes
import mmap
import os
import signal
import socket
import sys
import time

via, wakes, workdir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
libc = ctypes.CDLL("libc.so.6", use_errno=True)
IPC_PRIVATE, IPC_CREAT, IPC_RMID = 0, 0o1000, 0
SYS_futex, FUTEX_WAIT, FUTEX_WAKE = 202, 0, 1


def check(result):
    if result == -1:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return result


class MqAttr(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_long), ("maxmsg", ctypes.c_long),
                ("msgsize", ctypes.c_long), ("curmsgs", ctypes.c_long),
                ("pad", ctypes.c_long * 4)]


class MsgBuf(ctypes.Structure):
    _fields_ = [("mtype", ctypes.c_long), ("mtext", ctypes.c_char * 1)]


class SemBuf(ctypes.Structure):
    _fields_ = [("num", ctypes.c_ushort), ("op", ctypes.c_short), ("flg", ctypes.c_short)]


def wait_for_go():
    while not os.path.exists(os.path.join(workdir, "go")):
        time.sleep(0.01)


def asleep(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0] == "S"


turn = ctypes.c_int.from_buffer(mmap.mmap(-1, 4096, mmap.MAP_SHARED))  # the wait in progress


cleanups = []
try:
    if via in ("pipe", "fifo"):
        if via == "pipe":
            rfd, wfd = os.pipe()
        else:
            path = os.path.join(workdir, "fifo")
            os.mkfifo(path)
            cleanups.append(lambda: os.unlink(path))
            rfd = os.open(path, os.O_RDWR)  # a reader before any writer: no open blocks
            wfd = None
        def wait():
            assert os.read(rfd, 1) == b"x"
        def wake():
            global wfd
            if wfd is None:
                wfd = os.open(path, os.O_WRONLY)
            os.write(wfd, b"x")
    elif via == "mq":
        name = b"/ipctrace-cross-wake-%d" % os.getpid()
        libc.mq_open.restype = ctypes.c_int
        attr = MqAttr(maxmsg=4, msgsize=8)
        mq = check(libc.mq_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600, ctypes.byref(attr)))
        cleanups.append(lambda: libc.mq_unlink(name))
        buf = ctypes.create_string_buffer(8)
        def wait():
            check(libc.mq_receive(mq, buf, 8, None))
        def wake():
            check(libc.mq_send(mq, b"x", 1, 0))
    elif via == "msg":
        msqid = check(libc.msgget(IPC_PRIVATE, IPC_CREAT | 0o600))
        cleanups.append(lambda: libc.msgctl(msqid, IPC_RMID, None))
        def wait():
            m = MsgBuf()
            check(libc.msgrcv(msqid, ctypes.byref(m), 1, 0, 0))
        def wake():
            check(libc.msgsnd(msqid, ctypes.byref(MsgBuf(1, b"x")), 1, 0))
    elif via == "sem":
        semid = check(libc.semget(IPC_PRIVATE, 1, IPC_CREAT | 0o600))
        cleanups.append(lambda: libc.semctl(semid, 0, IPC_RMID))
        def wait():
            check(libc.semop(semid, ctypes.byref(SemBuf(0, -1, 0)), 1))
        def wake():
            check(libc.semop(semid, ctypes.byref(SemBuf(0, 1, 0)), 1))
    elif via == "futex":
        shared = mmap.mmap(-1, 4096, mmap.MAP_SHARED)
        word = ctypes.c_int.from_buffer(shared)
        address = ctypes.c_void_p(ctypes.addressof(word))
        round_ = [0]
        def wait():
            round_[0] += 1
            while word.value != round_[0]:  # not private: the waker is another process
                libc.syscall(SYS_futex, address, FUTEX_WAIT, round_[0] - 1, None, None, 0)
        def wake():
            word.value += 1
            check(libc.syscall(SYS_futex, address, FUTEX_WAKE, 1, None, None, 0))
    elif via == "signal":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
        waiter_pid = os.getpid()
        def wait():
            assert signal.sigwait({signal.SIGUSR1}) == signal.SIGUSR1
        def wake():
            os.kill(waiter_pid, signal.SIGUSR1)
    elif via in ("unix", "inet"):
        if via == "unix":
            receiver, sender = socket.socketpair()
        else:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            sender = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sender.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sender.connect(listener.getsockname())
            receiver, _ = listener.accept()
            listener.close()
        def wait():
            assert receiver.recv(1) == b"x"
        def wake():
            sender.sendall(b"x")
    else:
        sys.exit(f"unknown mechanism {via}")

    waker = os.fork()
    if waker == 0:
        code = 1
        try:
            wait_for_go()
            for i in range(wakes):
                while turn.value != i + 1 or not asleep(os.getppid()):
                    time.sleep(0.002)
                time.sleep(0.02)
                wake()
            code = 0
        finally:
            os._exit(code)
    with open(os.path.join(workdir, "ready.tmp"), "w") as f:
        f.write(str(waker))
    os.rename(os.path.join(workdir, "ready.tmp"), os.path.join(workdir, "ready"))
    wait_for_go()
    for i in range(wakes):
        turn.value = i + 1
        wait()
    _, status = os.waitpid(waker, 0)
    sys.exit(os.waitstatus_to_exitcode(status))
finally:
    for cleanup in cleanups:
        cleanup()
