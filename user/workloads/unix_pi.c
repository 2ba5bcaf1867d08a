// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * unix-pi: socket-pi over an AF_UNIX stream socket bound to
 * <rundir>/sock instead of TCP on 127.0.0.1.
 *
 * Exact profile (C = --children), besides the prologue of common.h:
 *   socket      1 + C   parent: the listener; each child: its connection
 *   bind        1       <rundir>/sock
 *   listen      1       backlog C
 *   clone       C
 *   connect     C
 *   sendto      C       each child: send(), its sum as "%.17g"
 *   accept      C       parent (accept, not accept4)
 *   recvfrom    C       parent: recv(conn, buf, 1024)
 *   close       3C + 1  child: listener copy + its socket; parent: each
 *                       connection, then the listener
 *   wait4       C
 *   unlink      1       the socket file
 *   write       1 to stdout
 *   standalone only: mkdir 1 + rmdir 1 (the run directory)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common.h"

static long children = 10;
static long n = 10000000;

static const struct option_spec options[] = {
	INT_OPTION("children", &children, 1, MAX_CHILDREN, "child processes, one slice and one connection each"),
	INT_OPTION("n", &n, 1, 1000000000, "terms of the series, split evenly between the children"),
	{ 0 },
};

int unix_pi_main(int argc, char **argv)
{
	pid_t pids[MAX_CHILDREN];
	int status = 0;

	parse_options(argc, argv, options);

	char *path = rundir_path("sock");
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(address.sun_path))
		die("socket path %s is longer than %zu bytes: use a shorter IPCTRACE_RUNDIR", path,
		    sizeof(address.sun_path) - 1);
	strcpy(address.sun_path, path);

	int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listener < 0)
		die_errno("socket");
	if (bind(listener, (struct sockaddr *)&address, sizeof(address)) < 0)
		die_errno("bind %s", path);
	int sock_cleanup = on_cleanup_unlink(path);
	if (listen(listener, children) < 0)
		die_errno("listen");

	for (long i = 0; i < children; i++) {
		pid_t pid = fork_child();
		if (pid == 0) {
			close(listener); /* the child's copy */
			int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (sock < 0)
				die_errno("child %ld: socket", i);
			if (connect(sock, (struct sockaddr *)&address, sizeof(address)) < 0)
				die_errno("child %ld: connect %s", i, path);
			double s = slice(slice_start(i, children, n), slice_start(i + 1, children, n));
			char text[32];
			int len = snprintf(text, sizeof(text), "%.17g", s);
			if (send(sock, text, len, 0) != len)
				die_errno("child %ld: send", i);
			close(sock);
			_exit(0);
		}
		pids[i] = pid;
	}

	double total = 0.0;
	for (long i = 0; i < children; i++) {
		char buf[1024];
		double s;

		int conn = accept(listener, NULL, NULL);
		if (conn < 0)
			die_errno("accept");
		ssize_t len = recv(conn, buf, sizeof(buf), 0);
		if (len < 0)
			die_errno("recv");
		if (parse_sum(buf, len, &s))
			total += s;
		else
			warn("connection %ld sent no partial sum", i);
		close(conn);
	}
	for (long i = 0; i < children; i++)
		if (!exited_ok(wait_child(pids[i])))
			status = 1;
	close(listener);
	unlink(path);
	cleanup_done(sock_cleanup);

	if (report_pi(total, n) != 0)
		status = 1;
	return status;
}
