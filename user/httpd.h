/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `ipctrace serve`'s HTTP side, through libmicrohttpd: GET /metrics (and /
 * with a link to it), nothing else; bounded connections, memory and time
 * per client; gzip when asked; TLS and basic auth from files.
 */
#ifndef IPCTRACE_HTTPD_H
#define IPCTRACE_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include "exposition.h"

#define HTTPD_DEFAULT_LISTEN "127.0.0.1:19400"

struct httpd_address {
	struct sockaddr_storage addr;
	socklen_t len;
	bool loopback;
};

/* "ADDR:PORT", "[IPv6]:PORT" or ":PORT" (every address): 0, or -1. */
int httpd_parse_address(const char *text, struct httpd_address *a);
/* A listening socket on a: the fd, or an exit status after one line
 * (negated: -EXIT_...). */
int httpd_listen(const struct httpd_address *a, const char *text);

/* The exposition in format f, as the server's callback gives it: body of
 * len bytes, and the same gzipped if gzip is not NULL; 0, or -1 (500). */
typedef int (*httpd_metrics_fn)(void *arg, enum exposition_format f, bool gzip, char **body,
				 size_t *len);

struct httpd_options {
	int listen_fd;
	const char *tls_cert; /* PEM files; both or neither */
	const char *tls_key;
	const char *basic_auth_file; /* "user:crypt(3) hash" lines (htpasswd -B) */
	httpd_metrics_fn metrics;
	void *arg;
};

struct httpd;
/* Serving from now: the server, or NULL after one line on stderr (*status
 * the exit status).  Its thread calls metrics; the listen fd is its own. */
struct httpd *httpd_start(const struct httpd_options *o, int *status);
/* Every connection closed, the thread joined. */
void httpd_stop(struct httpd *h);

/* gzip of len bytes into a new buffer: 0, or -1 */
int gzip_buffer(const char *in, size_t len, char **out, size_t *out_len);

#endif
