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
#include "tracer.h"

int output_file_open(struct output_file *o, const char *path)
{
	struct stat st;
	int fd;

	o->f = NULL;
	o->tmp[0] = '\0';
	if (snprintf(o->path, sizeof(o->path), "%s", path) >= (int)sizeof(o->path) ||
	    snprintf(o->tmp, sizeof(o->tmp), "%s.XXXXXX", path) >= (int)sizeof(o->tmp)) {
		fprintf(stderr, "ipctrace: cannot write %s: %s\n", path, strerror(ENAMETOOLONG));
		return EXIT_CANTCREAT;
	}
	/* a device, FIFO or pipe (-o /dev/null, /dev/stdout, >(jq)) takes the bytes
	 * in place: renaming over it would replace the device node itself */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		o->tmp[0] = '\0';
		fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	} else {
		fd = mkostemp(o->tmp, O_CLOEXEC);
		if (fd >= 0)
			fchmod(fd, 0644);
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
	enum output_format format;
	bool hist;
};

static int render_summary(FILE *out, const void *arg)
{
	const struct summary_output *o = arg;

	return render(out, o->summary, o->format, o->hist);
}

int write_output_file(const char *path, const struct summary *s, enum output_format format,
		      bool hist)
{
	struct summary_output o = { .summary = s, .format = format, .hist = hist };

	return write_file_replacing(path, render_summary, &o);
}
