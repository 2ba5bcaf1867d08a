// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "output.h"
#include "tracer.h"

int write_file_replacing(const char *path, int (*render_to)(FILE *out, const void *arg),
			 const void *arg)
{
	char tmp[PATH_MAX];
	int fd, err = 0;
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		fprintf(stderr, "ipctrace: cannot write %s: %s\n", path, strerror(ENAMETOOLONG));
		return EXIT_CANTCREAT;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ipctrace: cannot write %s: %s\n", path, strerror(errno));
		return EXIT_CANTCREAT;
	}
	fchmod(fd, 0644);
	f = fdopen(fd, "w");
	if (!f) {
		err = errno;
		close(fd);
	} else {
		errno = 0;
		if (render_to(f, arg))
			err = errno ? errno : EIO;
		if (fflush(f) && !err)
			err = errno;
		if (fsync(fd) && !err)
			err = errno;
		if (fclose(f) && !err)
			err = errno;
	}
	if (!err && rename(tmp, path))
		err = errno;
	if (err) {
		unlink(tmp);
		fprintf(stderr, "ipctrace: cannot write %s: %s\n", path, strerror(err));
		return EXIT_CANTCREAT;
	}
	return 0;
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
