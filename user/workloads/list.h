/*
 * The bundled workloads, one line each: the ONE place they are named.
 * WORKLOAD(identifier, name on the command line, one-line summary)
 *
 * Included several times with different definitions of WORKLOAD (an
 * X-macro list): by registry.c (what `ipctrace list` prints), by main.c
 * (dispatch to identifier_main) and by common.h (the main prototypes).
 * Adding a workload: one line here, one file user/workloads/identifier.c.
 */
WORKLOAD(pipe_pi,           "pipe-pi",           "tutorial pipe example: children send pi slices through pipes")
WORKLOAD(fifo_pi,           "fifo-pi",           "tutorial FIFO example: children send pi slices through a FIFO")
WORKLOAD(mq_pi,             "mq-pi",             "pi slices through a POSIX message queue")
WORKLOAD(msgq_pi,           "msgq-pi",           "pi slices through a System V message queue")
WORKLOAD(shm_pi,            "shm-pi",            "pi slices added into POSIX shared memory under a semaphore")
WORKLOAD(socket_pi,         "socket-pi",         "tutorial socket example: pi slices over TCP on 127.0.0.1")
WORKLOAD(unix_pi,           "unix-pi",           "pi slices over an AF_UNIX stream socket")
WORKLOAD(file_pi,           "file-pi",           "tutorial temp file example: pi slices through one file per child")
WORKLOAD(sem,               "sem",               "tutorial Semaphore(2) example: SysV semaphore guards a SysV shm db")
WORKLOAD(signal_alarm,      "signal-alarm",      "tutorial alarm example: SIGALRM interrupts a blocking read")
WORKLOAD(signal_kill,       "signal-kill",       "tutorial os.kill example: parent sends SIGUSR1 to each child")
WORKLOAD(lock_print,        "lock-print",        "tutorial mutex example: children print under a shared mutex")
WORKLOAD(ticket_race,       "ticket-race",       "tutorial ticket example without a lock: one ticket sold many times")
WORKLOAD(ticket_lock,       "ticket-lock",       "tutorial ticket example with a shared mutex: one ticket sold once")
WORKLOAD(producer_consumer, "producer-consumer", "tutorial Queue example: producers, consumers, sentinels")
WORKLOAD(joinable_queue,    "joinable-queue",    "tutorial JoinableQueue example: task_done and join")
WORKLOAD(futex_pingpong,    "futex-pingpong",    "two threads hand a token back and forth with raw futex calls")
WORKLOAD(pingpong,          "pingpong",          "overhead benchmark: bounce a token via pipe, socket, mq, futex...")
