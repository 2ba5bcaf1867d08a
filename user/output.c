// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "output.h"
#include "exitcodes.h"

/* /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: one of ipctrace's
 * own fds, whatever it is open on (a file the shell redirected to, too) */
static int own_fd(const char *path)
{
	char rest;
	int fd;

	if (!strcmp(path, "/dev/stdout"))
		return STDOUT_FILENO;
	if (!strcmp(path, "/dev/stderr"))
		return STDERR_FILENO;
	if (sscanf(path, "/dev/fd/%d%c", &fd, &rest) == 1 ||
	    sscanf(path, "/proc/self/fd/%d%c", &fd, &rest) == 1)
		return fd;
	return -1;
}

/* A device, FIFO or pipe at path (or behind its symlink), or one of our own
 * fds, opened to be written in place; -1 if path is anything else, a regular
 * file included (errno set only if one of ours could not be had). */
static int open_in_place(const char *path)
{
	struct stat st;
	int fd = own_fd(path);

	if (fd >= 0)
		return fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (stat(path, &st) || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
		return -1;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	/* swapped for a regular file since the stat: that one is replaced, not written */
	if (fd >= 0 && (fstat(fd, &st) || S_ISREG(st.st_mode))) {
		close(fd);
		return -1;
	}
	return fd;
}

int output_file_open(struct output_file *o, const char *path)
{
	int fd;

	o->f = NULL;
	if (snprintf(o->path, sizeof(o->path), "%s", path) >= (int)sizeof(o->path) ||
	    snprintf(o->tmp, sizeof(o->tmp), "%s.XXXXXX", path) >= (int)sizeof(o->tmp)) {
		fprintf(stderr, "ipctrace: cannot write %s: %s\n", path, strerror(ENAMETOOLONG));
		return EXIT_CANTCREAT;
	}
	/* a device, FIFO, pipe or own fd (-o /dev/null, /dev/stdout, >(jq)) takes
	 * the bytes in place: renaming over it would replace the node itself */
	fd = open_in_place(path);
	if (fd >= 0 || own_fd(path) >= 0) {
		o->tmp[0] = '\0'; /* in place */
	} else {
		fd = mkostemp(o->tmp, O_CLOEXEC);
		if (fd >= 0)
			fchmod(fd, 0644);
		else
			o->tmp[0] = '\0'; /* nothing of ours to remove */
	}
	if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		if (o->tmp[0])
			unlink(o->tmp);
		fprintf(stderr, "ipctrace: cannot write %s: %s\n", path, strerror(err));
		return EXIT_CANTCREAT;
	}
	return 0;
}

int output_file_close(struct output_file *o, int err)
{
	bool in_place = !o->tmp[0];

	if (fflush(o->f) && !err)
		err = errno;
	if (!in_place && fsync(fileno(o->f)) && !err)
		err = errno;
	if (fclose(o->f) && !err)
		err = errno;
	o->f = NULL;
	if (!in_place && !err && rename(o->tmp, o->path))
		err = errno;
	if (err) {
		if (!in_place)
			unlink(o->tmp);
		fprintf(stderr, "ipctrace: cannot write %s: %s\n", o->path, strerror(err));
		return EXIT_CANTCREAT;
	}
	return 0;
}

void output_file_discard(struct output_file *o)
{
	fclose(o->f);
	o->f = NULL;
	if (o->tmp[0])
		unlink(o->tmp);
}

int write_file_replacing(const char *path, int (*render_to)(FILE *out, const void *arg),
			 const void *arg)
{
	struct output_file o;
	int err = 0;

	if (output_file_open(&o, path))
		return EXIT_CANTCREAT;
	errno = 0;
	if (render_to(o.f, arg))
		err = errno ? errno : EIO;
	return output_file_close(&o, err);
}

struct summary_output {
	const struct summary *summary;
	const struct output_format *format;
	bool hist;
};

static int render_summary(FILE *out, const void *arg)
{
	const struct summary_output *o = arg;

	return o->format->render(out, o->summary, o->hist);
}

int write_output_file(const char *path, const struct summary *s,
		      const struct output_format *format, bool hist)
{
	struct summary_output o = { .summary = s, .format = format, .hist = hist };

	return write_file_replacing(path, render_summary, &o);
}
