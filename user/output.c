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

int write_output_file(const char *path, const struct summary *s, enum output_format format,
		      bool hist)
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
		if (render(f, s, format, hist))
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
