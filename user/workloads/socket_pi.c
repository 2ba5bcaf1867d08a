// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * socket-pi: the tutorial's socket example.  The parent listens on
 * 127.0.0.1 at a port the kernel picks; each child connects, sends its
 * partial sum in one send() and closes; the parent accepts one connection
 * per child and reads it with one recv(1024).
 *
 * Exact profile (C = --children), besides the prologue of common.h:
 *   socket      1 + C   parent: the listener; each child: its connection
 *   bind        1       127.0.0.1 port 0
 *   getsockname 1       the port the children connect to
 *   listen      1       backlog C
 *   clone       C
 *   connect     C
 *   sendto      C       each child: send(), its sum as "%.17g"
 *   accept      C       parent (accept, not accept4)
 *   recvfrom    C       parent: recv(conn, buf, 1024)
 *   close       3C + 1  child: listener copy + its socket; parent: each
 *                       connection, then the listener
 *   wait4       C
 *   write       1 to stdout
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

static long children = 10;
static long n = 10000000;

static const struct option_spec options[] = {
	INT_OPTION("children", &children, 1, MAX_CHILDREN, "child processes, one slice and one connection each"),
	INT_OPTION("n", &n, 1, 1000000000, "terms of the series, split evenly between the children"),
	{ 0 },
};

int socket_pi_main(int argc, char **argv)
{
	pid_t pids[MAX_CHILDREN];
	int status = 0;

	parse_options(argc, argv, options);

	int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listener < 0)
		die_errno("socket");
	struct sockaddr_in address = {
		.sin_family = AF_INET,
		.sin_port = 0, /* any free port */
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t address_len = sizeof(address);
	if (bind(listener, (struct sockaddr *)&address, sizeof(address)) < 0)
		die_errno("bind 127.0.0.1");
	if (getsockname(listener, (struct sockaddr *)&address, &address_len) < 0)
		die_errno("getsockname");
	if (listen(listener, children) < 0)
		die_errno("listen");

	for (long i = 0; i < children; i++) {
		pid_t pid = fork_child();
		if (pid == 0) {
			close(listener); /* the child's copy */
			int sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (sock < 0)
				die_errno("child %ld: socket", i);
			if (connect(sock, (struct sockaddr *)&address, sizeof(address)) < 0)
				die_errno("child %ld: connect 127.0.0.1:%d", i, ntohs(address.sin_port));
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

	if (report_pi(total, n) != 0)
		status = 1;
	return status;
}
