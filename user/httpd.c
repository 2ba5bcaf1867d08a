// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `ipctrace serve`'s HTTP side (see httpd.h).  libmicrohttpd parses the
 * requests; this decides what to answer.  One internal thread polls every
 * connection (a slow client holds no thread), with limits on connections
 * (per address and in all), on the memory a request may take (its headers)
 * and on idle time, so no client can stall collection or grow memory.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <crypt.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "exitcodes.h"
#include "httpd.h"

#define CONNECTIONS_MAX 32
#define CONNECTIONS_PER_ADDRESS 8
#define CONNECTION_TIMEOUT_S 10
#define REQUEST_MEMORY_BYTES ((size_t)32 * 1024) /* the request line and headers */
#define AUTH_FILE_MAX ((size_t)64 * 1024)
#define PEM_FILE_MAX ((size_t)256 * 1024)

struct httpd {
	struct MHD_Daemon *daemon;
	httpd_metrics_fn metrics;
	void *arg;
	char *auth;     /* the basic auth file's text, NULL: no auth */
	char *tls_cert; /* PEM */
	char *tls_key;
};

int httpd_parse_address(const char *text, struct httpd_address *a)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(text, ':'), *port;
	size_t host_len;
	char *end;
	long number;

	if (!colon)
		return -1;
	port = colon + 1;
	errno = 0;
	number = strtol(port, &end, 10);
	if (!*port || *end || errno || number < 1 || number > 65535)
		return -1;
	host_len = colon - text;
	if (host_len >= 2 && text[0] == '[' && text[host_len - 1] == ']')
		text++, host_len -= 2; /* [::1]:PORT */
	else if (memchr(text, ':', host_len))
		return -1; /* an IPv6 address needs its brackets */
	if (host_len >= sizeof(host))
		return -1;
	memcpy(host, text, host_len);
	host[host_len] = '\0';
	if (getaddrinfo(host_len ? host : NULL, port, &hints, &res) || !res)
		return -1;
	memcpy(&a->addr, res->ai_addr, res->ai_addrlen);
	a->len = res->ai_addrlen;
	if (res->ai_family == AF_INET)
		a->loopback = (ntohl(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr) >> 24) == 127;
	else
		a->loopback = IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr);
	freeaddrinfo(res);
	return 0;
}

int httpd_listen(const struct httpd_address *a, const char *text)
{
	int fd = socket(a->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0) {
		fprintf(stderr, "ipctrace: cannot listen on %s: %s\n", text, strerror(errno));
		return -EXIT_SOFTWARE;
	}
	/* a restart does not wait for the last run's connections in TIME_WAIT */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&a->addr, a->len) || listen(fd, 64)) {
		int err = errno;

		close(fd);
		fprintf(stderr, "ipctrace: cannot listen on %s: %s%s\n", text, strerror(err),
			err == EADDRINUSE ? " (another program has the port: give --listen ADDR:PORT)"
			: err == EADDRNOTAVAIL ? " (no interface has this address)" : "");
		return err == EADDRINUSE ? -EXIT_TEMPFAIL : -EXIT_NOHOST;
	}
	return fd;
}

int gzip_buffer(const char *in, size_t len, char **out, size_t *out_len)
{
	z_stream z = {};
	size_t bound;

	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16 /* gzip */, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	bound = deflateBound(&z, len);
	*out = malloc(bound);
	if (!*out) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = len;
	z.next_out = (Bytef *)*out;
	z.avail_out = bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(*out);
		*out = NULL;
		return -1;
	}
	*out_len = z.total_out;
	deflateEnd(&z);
	return 0;
}

/* The whole of a small file: its text, or NULL after one line. */
static char *read_small_file(const char *path, size_t max, const char *what)
{
	FILE *f = fopen(path, "re");
	char *text = f ? malloc(max + 1) : NULL;

	if (text) {
		size_t n = fread(text, 1, max + 1, f);

		if (ferror(f) || n > max) {
			free(text);
			text = NULL;
			errno = n > max ? EFBIG : EIO;
		} else {
			text[n] = '\0';
		}
	}
	if (!text)
		fprintf(stderr, "ipctrace: %s %s: %s\n", what, path, strerror(errno));
	if (f)
		fclose(f);
	return text;
}

/* Constant time in the length of a: no timing says how much matched. */
static bool same_string(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;

	for (size_t i = 0; i < la; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)(i < lb ? b[i] : 0);
	return !diff;
}

/* user:password against the auth file's "user:hash" lines (crypt(3)). */
static bool authorized(const struct httpd *h, const char *user, const char *password)
{
	const char *line = h->auth;
	bool ok = false;

	while (line && *line && !ok) {
		const char *eol = strchrnul(line, '\n'), *colon = memchr(line, ':', eol - line);

		if (colon && (size_t)(colon - line) == strlen(user) &&
		    !strncmp(line, user, colon - line) && *line != '#') {
			char hash[256];
			struct crypt_data data = {};
			const char *got;

			snprintf(hash, sizeof(hash), "%.*s", (int)(eol - colon - 1), colon + 1);
			hash[strcspn(hash, "\r")] = '\0';
			got = crypt_r(password, hash, &data);
			ok = got && got[0] != '*' && same_string(got, hash);
		}
		line = *eol ? eol + 1 : eol;
	}
	return ok;
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned int code, const char *type,
			      char *body, size_t len, enum MHD_ResponseMemoryMode mode,
			      const char *encoding)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (encoding)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, encoding);
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept, Accept-Encoding");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result answer_text(struct MHD_Connection *c, unsigned int code, const char *text)
{
	return answer(c, code, "text/plain; charset=utf-8", (char *)text, strlen(text),
		      MHD_RESPMEM_PERSISTENT, NULL);
}

static bool accepts_gzip(const char *accept_encoding)
{
	const char *g = accept_encoding ? strcasestr(accept_encoding, "gzip") : NULL;

	return g && strncasecmp(g + 4, ";q=0", 4) != 0 && strncmp(g + 4, ";q=0.0", 6) != 0;
}

static const char index_page[] =
	"<!DOCTYPE html>\n<html><head><title>ipctrace</title></head><body>\n"
	"<h1>ipctrace</h1>\n<p>IPC cost per mechanism and syscall, for Prometheus: "
	"<a href=\"/metrics\">/metrics</a></p>\n</body></html>\n";

static enum MHD_Result handle_request(void *cls, struct MHD_Connection *c, const char *url,
				      const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size, void **state)
{
	struct httpd *h = cls;
	enum exposition_format f;
	bool gzip;
	char *body = NULL;
	size_t len = 0;

	(void)version;
	(void)upload_data;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return answer_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (!*state) { /* the headers are in: the body (none, for GET) next */
		*state = h;
		return MHD_YES;
	}
	if (*upload_data_size) { /* a GET with a body: not read, not kept */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (h->auth) {
		char *password = NULL;
		char *user = MHD_basic_auth_get_username_password(c, &password);
		bool ok = user && password && authorized(h, user, password);

		MHD_free(user);
		MHD_free(password);
		if (!ok) {
			struct MHD_Response *r = MHD_create_response_from_buffer(
				13, (void *)"unauthorized\n", MHD_RESPMEM_PERSISTENT);
			enum MHD_Result ret;

			if (!r)
				return MHD_NO;
			ret = MHD_queue_basic_auth_fail_response(c, "ipctrace", r);
			MHD_destroy_response(r);
			return ret;
		}
	}
	if (!strcmp(url, "/"))
		return answer(c, MHD_HTTP_OK, "text/html; charset=utf-8", (char *)index_page,
			      sizeof(index_page) - 1, MHD_RESPMEM_PERSISTENT, NULL);
	if (strcmp(url, "/metrics"))
		return answer_text(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n");
	f = exposition_negotiate(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_ACCEPT));
	gzip = accepts_gzip(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							MHD_HTTP_HEADER_ACCEPT_ENCODING));
	if (h->metrics(h->arg, f, gzip, &body, &len))
		return answer_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				   "reading the kernel maps failed\n");
	return answer(c, MHD_HTTP_OK, exposition_content_type(f), body, len, MHD_RESPMEM_MUST_FREE,
		      gzip ? "gzip" : NULL);
}

static void free_httpd(struct httpd *h)
{
	free(h->auth);
	free(h->tls_cert);
	free(h->tls_key);
	free(h);
}

struct httpd *httpd_start(const struct httpd_options *o, int *status)
{
	struct httpd *h = calloc(1, sizeof(*h));
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;

	*status = EXIT_SOFTWARE;
	if (!h) {
		close(o->listen_fd);
		return NULL;
	}
	h->metrics = o->metrics;
	h->arg = o->arg;
	*status = EXIT_NOINPUT;
	if (o->basic_auth_file &&
	    !(h->auth = read_small_file(o->basic_auth_file, AUTH_FILE_MAX, "--basic-auth-file")))
		goto fail;
	if (o->tls_cert) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			fprintf(stderr, "ipctrace: this libmicrohttpd has no TLS: serve without "
				"--tls-cert, behind a TLS proxy\n");
			*status = EXIT_UNAVAILABLE;
			goto fail;
		}
		h->tls_cert = read_small_file(o->tls_cert, PEM_FILE_MAX, "--tls-cert");
		h->tls_key = h->tls_cert ? read_small_file(o->tls_key, PEM_FILE_MAX, "--tls-key")
					 : NULL;
		if (!h->tls_key)
			goto fail;
		flags |= MHD_USE_TLS;
	}
	h->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, handle_request, h,
		MHD_OPTION_LISTEN_SOCKET, o->listen_fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONNECTIONS_MAX,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)CONNECTIONS_PER_ADDRESS,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONNECTION_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)REQUEST_MEMORY_BYTES,
		o->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, h->tls_cert,
		MHD_OPTION_HTTPS_MEM_KEY, h->tls_key,
		MHD_OPTION_END);
	if (!h->daemon) {
		fprintf(stderr, "ipctrace: cannot start the HTTP server%s\n",
			o->tls_cert ? " (is --tls-cert/--tls-key a PEM certificate and its key?)" : "");
		*status = o->tls_cert ? EXIT_DATAERR : EXIT_SOFTWARE;
		goto fail;
	}
	*status = 0;
	return h;
fail:
	close(o->listen_fd);
	free_httpd(h);
	return NULL;
}

void httpd_stop(struct httpd *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->daemon); /* closes the listen socket too */
	free_httpd(h);
}
