# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The strace oracle (oracle.py) on hand-written logs: every other e2e test
trusts it, so each of its rules is pinned here.  No root, no BPF needed.

The snippets are in the format of `strace -f -yy -qq -o LOG` (strace 6.1),
most of them copied from real logs of the bundled workloads.
"""
import textwrap

import pytest

from oracle import StraceLog, decode_string, futex_op, parse_fd, split_args


def counts(log: str, **kwargs) -> dict:
    return StraceLog(textwrap.dedent(log)).counts(**kwargs)


def row(count, errors=0, nbytes=0):
    return {"count": count, "errors": errors, "bytes": nbytes}


# ---- parsing --------------------------------------------------------------

def test_unfinished_and_resumed_halves_join_into_one_call():
    log = StraceLog(textwrap.dedent("""\
        26987 read(3<pipe:[57116]>,  <unfinished ...>
        26991 write(6<pipe:[57132]>, "0.00012537532568489702", 22 <unfinished ...>
        26987 <... read resumed>"1.2329497999496095", 1024) = 18
        26991 <... write resumed>)              = 22
        """))
    read, write = log.calls
    assert (read.pid, read.name, read.ret) == (26987, "read", 18)
    assert read.args == ['3<pipe:[57116]>', '"1.2329497999496095"', "1024"]
    assert (write.pid, write.name, write.ret) == (26991, "write", 22)
    assert log.counts() == {"pipe": {"read": row(1, 0, 18), "write": row(1, 0, 22)}}


def test_arguments_split_at_top_level_commas_only():
    text = 'f("a, b)\\"", {x=1, y=[2, 3]}, 3<UNIX-STREAM:[1->2,"/run/s, t"]>, FUTEX_OP_SET<<28|0<<12)'
    args, end = split_args(text, 2)
    assert args == ['"a, b)\\""', "{x=1, y=[2, 3]}", '3<UNIX-STREAM:[1->2,"/run/s, t"]>',
                    "FUTEX_OP_SET<<28|0<<12"]
    assert end == len(text)


def test_fd_annotations():
    assert parse_fd("3<pipe:[57116]>") == (3, "pipe:[57116]")
    assert parse_fd("0</dev/null<char 1:3>>") == (0, "/dev/null<char 1:3>")
    assert parse_fd("8</memfd:x>(deleted)") == (8, "/memfd:x")
    assert parse_fd("4<TCP:[127.0.0.1:35279->127.0.0.1:55158]>") == \
        (4, "TCP:[127.0.0.1:35279->127.0.0.1:55158]")
    assert parse_fd("AT_FDCWD</tmp>") == (None, "/tmp")
    assert parse_fd("-1") == (-1, None)


def test_strings_decode_like_c():
    assert decode_string('"pi = 3.1\\n"') == "pi = 3.1\n"
    assert decode_string('"a\\"b\\\\c\\0\\177"') == 'a"b\\c\0\x7f'
    assert decode_string('"\\x53\\xda"') == "\x53\xda"
    assert decode_string('"abc"...') == "abc"
    assert decode_string("NULL") is None


def test_futex_operations_are_named_as_ipctrace_names_them():
    assert futex_op("FUTEX_WAIT_PRIVATE") == "WAIT"
    assert futex_op("FUTEX_WAKE") == "WAKE"
    assert futex_op("FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME") == "WAIT_BITSET"
    assert futex_op("FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME") == "WAIT_BITSET"
    assert futex_op("FUTEX_WAKE_OP_PRIVATE") == "WAKE_OP"
    assert futex_op("FUTEX_CMP_REQUEUE_PI_PRIVATE") == "CMP_REQUEUE_PI"
    assert futex_op("0x8d /* FUTEX_??? */") == "LOCK_PI2"


# ---- interrupted calls ------------------------------------------------------

def test_read_interrupted_without_sa_restart_is_one_error():
    # signal-alarm: the SIGALRM handler has no SA_RESTART, the program sees EINTR
    assert counts("""\
        27103 read(3<pipe:[54091]>, 0x7ffe58f01b97, 1) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)
        27103 --- SIGALRM {si_signo=SIGALRM, si_code=SI_KERNEL} ---
        27103 rt_sigreturn({mask=[CHLD]})       = -1 EINTR (Interrupted system call)
        27103 alarm(0)                          = 0
        """) == {"pipe": {"read": row(1, 1)}, "signal": {"alarm": row(1)}}


def test_read_restarted_after_an_sa_restart_handler_is_one_call():
    # the handler returns (rt_sigreturn gives back read's number, 0) and read runs again
    assert counts("""\
        5400  read(3<pipe:[73230]>, 0x7fa064e12960, 100) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)
        5400  --- SIGALRM {si_signo=SIGALRM, si_code=SI_KERNEL} ---
        5400  rt_sigreturn({mask=[]})           = 0
        5400  read(3<pipe:[73230]>,  <unfinished ...>
        5404  write(4<pipe:[73230]>, "hello", 5) = 5
        5400  <... read resumed>"hello", 100)   = 5
        """) == {"pipe": {"read": row(1, 0, 5), "write": row(1, 0, 5)}}


def test_restart_syscall_chains_are_one_call():
    # an ignored signal (delivered because strace traces) restarts a poll, twice
    assert counts("""\
        7457  poll([{fd=3<pipe:[81996]>, events=POLLIN}], 1, 300 <unfinished ...>
        7462  kill(7457, SIGUSR1)               = 0
        7457  <... poll resumed>)               = ? ERESTART_RESTARTBLOCK (Interrupted by signal)
        7457  --- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=7462, si_uid=0} ---
        7457  restart_syscall(<... resuming interrupted poll ...>) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)
        7457  --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=7462, si_uid=0} ---
        7457  restart_syscall(<... resuming interrupted restart_syscall ...>) = 0
        """) == {"pipe": {"poll": row(1)}, "signal": {"kill": row(1)}}


def test_call_restarted_without_a_handler_is_one_call():
    # SIGCHLD, ignored, still stops a traced process: the kernel restarts the read
    assert counts("""\
        100 read(3<pipe:[1]>, 0x7ffd, 64)    = ? ERESTARTSYS (To be restarted if SA_RESTART is set)
        100 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=101, si_uid=0} ---
        100 read(3<pipe:[1]>, "x", 64)       = 1
        """) == {"pipe": {"read": row(1, 0, 1)}}


def test_sigsuspend_ended_by_a_handler_is_one_error():
    # signal-kill's children
    assert counts("""\
        27235 rt_sigsuspend([CHLD], 8 <unfinished ...>
        27234 rt_sigsuspend([CHLD], 8)          = ? ERESTARTNOHAND (To be restarted if no handler)
        27234 --- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=27233, si_uid=0} ---
        27234 rt_sigreturn({mask=[USR1 CHLD]})  = -1 EINTR (Interrupted system call)
        27235 <... rt_sigsuspend resumed>)      = ? ERESTARTNOHAND (To be restarted if no handler)
        27235 --- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=27233, si_uid=0} ---
        27235 rt_sigreturn({mask=[USR1 CHLD]})  = -1 EINTR (Interrupted system call)
        """) == {"signal": {"rt_sigsuspend": row(2, 2)}}


def test_handler_syscalls_count_on_their_own():
    assert counts("""\
        100 read(3<pipe:[1]>, 0x7ffd, 64)    = ? ERESTARTSYS (To be restarted if SA_RESTART is set)
        100 --- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=9, si_uid=0} ---
        100 write(5<pipe:[2]>, "!", 1)       = 1
        100 rt_sigreturn({mask=[]})          = -1 EINTR (Interrupted system call)
        """) == {"pipe": {"read": row(1, 1), "write": row(1, 0, 1)}}


def test_process_killed_in_a_call_counts_it_as_an_error():
    assert counts("""\
        100 read(3<pipe:[1]>,  <unfinished ...>
        100 <... read resumed> <unfinished ...>) = ?
        101 futex(0x4f6484, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>
        102 read(3<pipe:[1]>, 0x7ffd, 64)    = ? ERESTARTSYS (To be restarted if SA_RESTART is set)
        """) == {"pipe": {"read": row(2, 2)},
                 "futex": {"futex": {**row(1, 1), "ops": {"WAIT": row(1, 1)}}}}


def test_a_call_strace_could_not_name_joins_its_resumption_and_counts_nowhere():
    # a thread entering exit() while another thread's exit_group kills it
    assert counts("""\
        30210 exit_group(0 <unfinished ...>
        30211 ???( <unfinished ...>
        30210 <... exit_group resumed>)         = ?
        30211 <... ??? resumed>)                = ?
        30211 +++ exited with 0 +++
        30212 <... ??? resumed>)                = ?
        """) == {}


# ---- classification ---------------------------------------------------------

def test_open_counts_under_the_mechanism_of_its_new_fd_and_not_when_it_fails():
    assert counts("""\
        1 openat(AT_FDCWD</tmp>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache>
        1 openat(AT_FDCWD</tmp>, "/usr/lib/locale/locale-archive", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)
        1 openat(AT_FDCWD</tmp>, "/dev/null", O_RDONLY) = 4</dev/null<char 1:3>>
        1 openat(AT_FDCWD</tmp>, "/usr/lib", O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY) = 5</usr/lib>
        1 openat(AT_FDCWD</tmp>, "/tmp", O_RDONLY|O_CLOEXEC) = 9</tmp>
        1 openat(AT_FDCWD</tmp>, "/dev/shm/ipctrace.x.shm", O_RDWR|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0600) = 6</dev/shm/ipctrace.x.shm>
        1 open("/proc/self/status", O_RDONLY) = 7</proc/1/status>
        1 creat("/tmp/new", 0644) = 8</tmp/new>
        """) == {"file": {"openat": row(1), "open": row(1), "creat": row(1)},
                 "shm": {"openat": row(1)}}


def test_fifo_made_by_mknod_is_a_fifo_and_its_unlink_a_file_call():
    assert counts("""\
        26997 mknodat(AT_FDCWD</tmp/st>, "/tmp/w.q2jnyc/fifo", S_IFIFO|0600) = 0
        26999 openat(AT_FDCWD</tmp/st>, "/tmp/w.q2jnyc/fifo", O_WRONLY|O_CLOEXEC <unfinished ...>
        26997 openat(AT_FDCWD</tmp/st>, "/tmp/w.q2jnyc/fifo", O_RDONLY|O_CLOEXEC) = 3</tmp/w.q2jnyc/fifo>
        26999 <... openat resumed>)             = 3</tmp/w.q2jnyc/fifo>
        26999 write(3</tmp/w.q2jnyc/fifo>, "0.00037537488171007977         \\n", 32) = 32
        26997 read(3</tmp/w.q2jnyc/fifo>, "0.00037537488171007977         \\n", 32) = 32
        26997 unlink("/tmp/w.q2jnyc/fifo") = 0
        """) == {"fifo": {"mknodat": row(1), "openat": row(2), "write": row(1, 0, 32),
                          "read": row(1, 0, 32)},
                 "file": {"unlink": row(1)}}


def test_fifo_made_before_the_log_is_named_by_the_test():
    log = """\
        1 openat(AT_FDCWD</>, "/run/x.fifo", O_RDONLY) = 3</run/x.fifo>
        1 read(3</run/x.fifo>, "ab", 2) = 2
        """
    assert counts(log, fifo_paths=["/run/x.fifo"]) == \
        {"fifo": {"openat": row(1), "read": row(1, 0, 2)}}


def test_posix_queues_go_by_name_and_send_counts_its_length_argument():
    assert counts("""\
        7 mq_open("ipctrace.w.mq", O_RDWR|O_CREAT|O_EXCL|O_CLOEXEC, 0600, {mq_flags=0, mq_maxmsg=3, mq_msgsize=64, mq_curmsgs=0}) = 3</ipctrace.w.mq>
        9 mq_timedsend(3</ipctrace.w.mq>, "1.2329497999496095", 18, 0, NULL) = 0
        7 mq_timedreceive(3</ipctrace.w.mq>, "1.2329497999496095", 64, [0], NULL) = 18
        7 read(3</ipctrace.w.mq>, "QSIZE:0", 64) = 7
        7 mq_timedreceive(3</ipctrace.w.mq>, 0x7ffd, 64, [0], {tv_sec=0, tv_nsec=0}) = -1 ETIMEDOUT (Connection timed out)
        7 mq_unlink("ipctrace.w.mq") = 0
        """) == {"mq_posix": {"mq_open": row(1), "mq_timedsend": row(1, 0, 18),
                              "mq_timedreceive": row(2, 1, 18), "read": row(1, 0, 7),
                              "mq_unlink": row(1)}}


def test_system_v_calls_go_by_name():
    assert counts("""\
        1 msgget(0x7100a6f3, IPC_CREAT|IPC_EXCL|0600) = 30
        2 msgsnd(30, {mtype=1, mtext="1.2329497999496095"}, 18, 0) = 0
        1 msgrcv(30, {mtype=1, mtext="1.2329497999496095"}, 64, 0, 0) = 18
        1 msgctl(30, IPC_RMID, NULL)        = 0
        1 semget(0x7300a6fc, 1, IPC_CREAT|IPC_EXCL|0600) = 11
        2 semtimedop(11, [{sem_num=0, sem_op=-1, sem_flg=0}], 1, NULL) = 0
        1 semctl(11, 0, IPC_RMID, NULL)     = 0
        1 shmget(0x6d00a6fc, 20, IPC_CREAT|IPC_EXCL|0600) = 10
        1 shmat(10, NULL, 0)                = 0x7feb9a2d4000
        1 shmdt(0x7feb9a2d4000)             = 0
        1 shmctl(10, IPC_RMID, NULL)        = 0
        """) == {"mq_sysv": {"msgget": row(1), "msgsnd": row(1, 0, 18), "msgrcv": row(1, 0, 18),
                             "msgctl": row(1)},
                 "sem_sysv": {"semget": row(1), "semtimedop": row(1), "semctl": row(1)},
                 "shm": {"shmget": row(1), "shmat": row(1), "shmdt": row(1), "shmctl": row(1)}}


def test_sockets_by_family():
    assert counts("""\
        1 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3<TCP:[54042]>
        1 bind(3<TCP:[54042]>, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("127.0.0.1")}, 16) = 0
        1 accept(3<TCP:[127.0.0.1:35279]>, NULL, NULL) = 4<TCP:[127.0.0.1:35279->127.0.0.1:55158]>
        1 recvfrom(4<TCP:[127.0.0.1:35279->127.0.0.1:55158]>, "1.2", 1024, 0, NULL, NULL) = 3
        1 sendto(5<UDPv6:[[::1]:53]>, "q", 1, 0, NULL, 0) = 1
        1 socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0) = 6<UNIX-STREAM:[58107]>
        1 connect(6<UNIX-STREAM:[58107]>, {sa_family=AF_UNIX, sun_path="/tmp/w/sock"}, 110) = 0
        1 sendmsg(7<UNIX-DGRAM:[9->10]>, {msg_name=NULL, msg_iov=[{iov_base="hi", iov_len=2}]}, 0) = 2
        1 socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0, [8<UNIX-STREAM:[11->12]>, 9<UNIX-STREAM:[12->11]>]) = 0
        1 write(9<UNIX-STREAM:[12->11]>, "x", 1) = 1
        1 socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE) = 10<NETLINK:[13]>
        1 sendto(10<NETLINK:[13]>, "...", 20, 0, NULL, 0) = 20
        1 socket(AF_INET6, SOCK_DGRAM, IPPROTO_IP) = 11<socket:[14]>
        1 connect(11<socket:[14]>, {sa_family=AF_INET6, sin6_port=htons(53)}, 28) = 0
        """) == {"inet_socket": {"socket": row(2), "bind": row(1), "accept": row(1),
                                 "recvfrom": row(1, 0, 3), "sendto": row(1, 0, 1), "connect": row(1)},
                 "unix_socket": {"socket": row(1), "connect": row(1), "sendmsg": row(1, 0, 2),
                                 "socketpair": row(1), "write": row(1, 0, 1)}}


def test_waits_count_for_the_first_ipc_fd_they_wait_on():
    assert counts("""\
        1 poll([{fd=4<anon_inode:[eventfd]>, events=POLLIN}, {fd=5<UNIX-STREAM:[1->2]>, events=POLLIN}], 2, 0) = 1 ([{fd=5, revents=POLLIN}])
        1 poll([{fd=4<anon_inode:[eventfd]>, events=POLLIN}], 1, 0) = 0 (Timeout)
        1 pselect6(6, [3<pipe:[73230]> 5<UNIX-STREAM:[1->2]>], NULL, NULL, {tv_sec=0, tv_nsec=0}, NULL) = 1 (in [5])
        1 select(4, NULL, [3</tmp/f>], NULL, NULL) = 1 (out [3])
        1 epoll_create1(EPOLL_CLOEXEC)      = 7<anon_inode:[eventpoll]>
        1 epoll_ctl(7<anon_inode:[eventpoll]>, EPOLL_CTL_ADD, 4<anon_inode:[eventfd]>, {events=EPOLLIN, data={u32=4, u64=4}}) = 0
        1 epoll_ctl(7<anon_inode:[eventpoll]>, EPOLL_CTL_ADD, 3<pipe:[73230]>, {events=EPOLLIN, data={u32=3, u64=3}}) = 0
        1 epoll_wait(7<anon_inode:[eventpoll]>, [], 1023, 10) = 0
        1 epoll_ctl(7<anon_inode:[eventpoll]>, EPOLL_CTL_DEL, 3<pipe:[73230]>, NULL) = 0
        1 epoll_wait(7<anon_inode:[eventpoll]>, [], 1023, 10) = 0
        """) == {"unix_socket": {"poll": row(1)}, "pipe": {"pselect6": row(1), "epoll_wait": row(1)},
                 "file": {"select": row(1)}}


def test_shared_memory_rules():
    assert counts("""\
        1 mmap(NULL, 40, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0) = 0x7fa2574e7000
        1 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7fa2574e5000
        1 mmap(NULL, 27028, PROT_READ, MAP_SHARED, 3</usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache>, 0) = 0x7fa06521a000
        1 mmap(NULL, 48, PROT_READ|PROT_WRITE, MAP_SHARED, 4</dev/shm/ipctrace.w.shm>, 0) = 0x7f8235d4e000
        1 memfd_create("x", MFD_CLOEXEC)    = 8</memfd:x>(deleted)
        1 ftruncate(8</memfd:x>(deleted), 4096) = 0
        1 write(8</memfd:x>(deleted), "abc", 3) = 3
        1 mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_SHARED_VALIDATE, 8</memfd:x>(deleted), 0) = 0x7f8235d4d000
        1 ftruncate(5</tmp/data>, 4096) = 0
        1 unlink("/dev/shm/ipctrace.w.shm") = 0
        1 unlinkat(AT_FDCWD</tmp>, "/dev/shm/sem.x", 0) = 0
        1 unlink("/tmp/w/db.json") = 0
        1 rename("/tmp/a", "/tmp/b") = 0
        1 renameat2(AT_FDCWD</tmp>, "/dev/shm/a", AT_FDCWD</tmp>, "/dev/shm/b", RENAME_NOREPLACE) = 0
        """) == {"shm": {"mmap": row(3), "memfd_create": row(1), "ftruncate": row(1),
                         "write": row(1, 0, 3), "unlink": row(1), "unlinkat": row(1),
                         "renameat2": row(1)},
                 "file": {"unlink": row(1), "rename": row(1)}}


def test_locks_count_record_lock_commands_and_flock_only():
    assert counts("""\
        1 fcntl(3</tmp/db>, F_SETLKW, {l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=0}) = 0
        1 fcntl(3</tmp/db>, F_GETFD)        = 0x1 (flags FD_CLOEXEC)
        1 fcntl(3</tmp/db>, F_OFD_SETLK, {l_type=F_UNLCK, l_whence=SEEK_SET, l_start=0, l_len=0}) = 0
        1 flock(3</tmp/db>, LOCK_EX|LOCK_NB) = -1 EWOULDBLOCK (Resource temporarily unavailable)
        """) == {"file": {"fcntl": row(2), "flock": row(1, 1)}}


def test_futex_calls_are_broken_down_by_operation():
    assert counts("""\
        27284 futex(0x4f6484, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>
        27283 futex(0x4f6484, FUTEX_WAKE_PRIVATE, 1) = 1
        27284 <... futex resumed>)              = 0
        27283 futex(0x4f6484, FUTEX_WAIT_PRIVATE, 1, NULL) = -1 EAGAIN (Resource temporarily unavailable)
        27283 futex(0x7f0bb5c5e990, FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME, 27284, NULL, FUTEX_BITSET_MATCH_ANY) = 0
        27283 futex(0x7f0b, FUTEX_WAKE_OP_PRIVATE, 1, 1, 0x7f0c, FUTEX_OP_SET<<28|0<<12|FUTEX_OP_CMP_GT<<24|0x1) = 1
        """) == {"futex": {"futex": {**row(5, 1), "ops": {
            "WAIT": row(2, 1), "WAKE": row(1), "WAIT_BITSET": row(1), "WAKE_OP": row(1)}}}}


def test_signal_calls_go_by_name_and_deliveries_are_listed():
    log = StraceLog(textwrap.dedent("""\
        1 rt_sigaction(SIGUSR1, {sa_handler=0x401e60, sa_mask=[], sa_flags=SA_RESTORER}, NULL, 8) = 0
        1 kill(2, SIGUSR1)                  = 0
        1 tgkill(1, 1, SIGUSR2)             = 0
        1 alarm(1)                          = 0
        1 setitimer(ITIMER_REAL, {it_interval={tv_sec=0, tv_usec=0}, it_value={tv_sec=0, tv_usec=100000}}, NULL) = 0
        1 rt_sigtimedwait([USR1], NULL, NULL, 8) = 10 (SIGUSR1)
        2 --- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=1, si_uid=0} ---
        2 pause()                           = ? ERESTARTNOHAND (To be restarted if no handler)
        2 --- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=1, si_uid=0} ---
        2 rt_sigreturn({mask=[]})           = -1 EINTR (Interrupted system call)
        """))
    assert log.counts() == {"signal": {"kill": row(1), "tgkill": row(1), "alarm": row(1),
                                       "setitimer": row(1), "rt_sigtimedwait": row(1),
                                       "pause": row(1, 1)}}
    assert log.signals() == {"SIGUSR1": 2}


def test_calls_that_are_not_ipc_are_not_counted():
    assert counts("""\
        1 close(3<pipe:[1]>)                = 0
        1 getpid()                          = 27086
        1 read(4<anon_inode:[eventfd]>, "\\1\\0\\0\\0\\0\\0\\0\\0", 8) = 8
        1 write(1</dev/pts/0<char 136:0>>, "hi\\n", 3) = 3
        1 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3</etc/ld.so.cache>, 0) = 0x7f00
        1 fcntl(5<pipe:[2]>, F_SETFL, O_RDONLY|O_NONBLOCK) = 0
        1 ftruncate(6</tmp/data>, 0) = 0
        1 socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE) = 7<NETLINK:[13]>
        """) == {}


def test_failed_calls_count_as_errors_without_bytes():
    assert counts("""\
        1 write(3<pipe:[1]>, "abc", 3) = -1 EPIPE (Broken pipe)
        1 read(4<pipe:[2]>, 0x7ffd, 3) = -1 EAGAIN (Resource temporarily unavailable)
        1 read(4<pipe:[2]>, "", 3) = 0
        """) == {"pipe": {"write": row(1, 1, 0), "read": row(2, 1, 0)}}


def test_counts_can_be_restricted_to_some_pids():
    log = """\
        10 write(3<pipe:[1]>, "ab", 2) = 2
        11 write(3<pipe:[1]>, "cde", 3) = 3
        12 read(4<pipe:[1]>, "abcde", 64) = 5
        """
    assert counts(log, pids={11, 12}) == {"pipe": {"write": row(1, 0, 3), "read": row(1, 0, 5)}}


def test_written_texts_are_the_strings_written_to_a_mechanism():
    log = StraceLog(textwrap.dedent("""\
        26988 write(4<pipe:[57116]>, "1.2329497999496095", 18) = 18
        26987 write(1</tmp/st/pipe-pi.out>, "pi = 3.141274327602738\\n", 23) = 23
        26990 write(5<pipe:[57125]>, "0.00037537488171007977", 22) = 22
        """))
    assert log.written_texts("pipe") == ["1.2329497999496095", "0.00037537488171007977"]
    assert log.written_texts("file") == ["pi = 3.141274327602738\n"]


@pytest.mark.parametrize("line", [
    '1 execve("/bin/true", ["true"], 0x7ffd /* 41 vars */) = 0',
    '1 clone3({flags=CLONE_VM|CLONE_THREAD, child_tid=0x7f, exit_signal=0, stack=0x7f, stack_size=0x800300, tls=0x7f} => {parent_tid=[2]}, 88) = 2',
    '1 wait4(26988, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 26988',
    '1 exit_group(0)                     = ?',
    '1 ???()                             = ?',
    '1 +++ exited with 0 +++',
])
def test_other_lines_parse_and_count_nothing(line):
    assert counts(line + "\n") == {}
