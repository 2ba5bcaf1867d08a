/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which IPC mechanism an object belongs to, decided from the live kernel
 * object at the time of the call, so fds inherited or opened before tracing
 * started are classified too.  The one place classification rules live.
 */
#ifndef CLASSIFY_BPF_H
#define CLASSIFY_BPF_H

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFREG 0100000
#define S_IFIFO 0010000

#define PIPEFS_MAGIC 0x50495045
#define MQUEUE_MAGIC 0x19800202
#define TMPFS_MAGIC 0x01021994
#define HUGETLBFS_MAGIC 0x958458f6

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10

/* Kernel dev_t (MKDEV) of the filesystem mounted on /dev/shm, 0 if none. */
const volatile __u32 dev_shm_dev = 0;

static __always_inline int classify_family(int family)
{
	if (family == AF_UNIX)
		return MECH_UNIX_SOCKET;
	if (family == AF_INET || family == AF_INET6)
		return MECH_INET_SOCKET;
	return MECH_NONE;
}

static __always_inline bool is_memfd(struct file *file)
{
	char name[6] = {};

	/* memfd_create names its dentry "memfd:<name>" */
	bpf_probe_read_kernel(name, sizeof(name), BPF_CORE_READ(file, f_path.dentry, d_name.name));
	return name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'f' &&
	       name[4] == 'd' && name[5] == ':';
}

/*
 * The classifiers are global (non-static, noinline) BPF functions: the
 * verifier checks each once instead of once per call site and loop
 * iteration.  Kernel pointers cross as scalars and are read with CO-RE.
 */
__noinline int classify_file_ptr(__u64 file_ptr)
{
	struct file *file = (struct file *)file_ptr;
	struct super_block *sb;
	struct inode *inode;
	unsigned long magic;
	__u16 mode;

	if (!file)
		return MECH_NONE;
	inode = BPF_CORE_READ(file, f_inode);
	mode = BPF_CORE_READ(inode, i_mode);
	sb = BPF_CORE_READ(inode, i_sb);
	magic = BPF_CORE_READ(sb, s_magic);

	switch (mode & S_IFMT) {
	case S_IFIFO:
		/* anonymous pipes live on pipefs, FIFOs on the fs holding their name */
		return magic == PIPEFS_MAGIC ? MECH_PIPE : MECH_FIFO;
	case S_IFSOCK: {
		struct socket *sock = BPF_CORE_READ(file, private_data);

		return classify_family(BPF_CORE_READ(sock, sk, __sk_common.skc_family));
	}
	case S_IFREG:
		if (magic == MQUEUE_MAGIC)
			return MECH_MQ_POSIX;
		if (dev_shm_dev && BPF_CORE_READ(sb, s_dev) == dev_shm_dev)
			return MECH_SHM;
		if ((magic == TMPFS_MAGIC || magic == HUGETLBFS_MAGIC) && is_memfd(file))
			return MECH_SHM;
		return MECH_FILE;
	}
	return MECH_NONE;
}

/*
 * The caller's fd table: direct loads from the BTF task pointer (cheaper
 * than probe-read helpers); only the fd array slot needs a probe read.
 * Global, returning the file as a scalar: each load of a pointer field from
 * the trusted task makes the verifier scan the kernel's 100k+ BTF types by
 * name (6.3+), so it is verified once per program, not at every use.
 */
__noinline __u64 file_of_fd(long fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct files_struct *files = task->files;
	struct file *file = NULL;
	struct fdtable *fdt;
	struct file **fds;

	if (!files || fd < 0)
		return 0;
	fdt = files->fdt;
	if (!fdt || fd >= fdt->max_fds)
		return 0;
	fds = fdt->fd;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return (__u64)file;
}

static __always_inline struct file *fd_to_file(long fd)
{
	return (struct file *)file_of_fd(fd);
}

static __always_inline int classify_file(struct file *file)
{
	return classify_file_ptr((__u64)file);
}

__noinline int classify_fd(long fd)
{
	return classify_file(fd_to_file(fd));
}

/* An epoll set is classified by the IPC objects it watches: the first IPC
 * object among the root of its interest tree and the root's children. */
__noinline int classify_epoll(long epfd)
{
	struct file *file = fd_to_file(epfd);
	struct eventpoll *ep;
	struct rb_node *nodes[3];
	int mech;

	if (!file)
		return MECH_NONE;
	ep = BPF_CORE_READ(file, private_data);
	nodes[0] = BPF_CORE_READ(ep, rbr.rb_root.rb_node);
	if (!nodes[0])
		return MECH_NONE;
	nodes[1] = BPF_CORE_READ(nodes[0], rb_left);
	nodes[2] = BPF_CORE_READ(nodes[0], rb_right);
	for (int i = 0; i < 3; i++) {
		/* rbn is the first member of struct epitem */
		struct epitem *epi = (struct epitem *)nodes[i];

		if (!epi)
			continue;
		mech = classify_file(BPF_CORE_READ(epi, ffd.file));
		if (mech != MECH_NONE)
			return mech;
	}
	return MECH_NONE;
}

struct ipc_pollfd {
	int fd;
	short events;
	short revents;
};

/* poll/ppoll: the first IPC object among the first POLL_FDS_EXAMINED fds;
 * with ready_only (at exit), among those the kernel returned ready */
__noinline int classify_pollfds(__u64 ufds, unsigned long nfds, int ready_only)
{
	struct ipc_pollfd pfd;
	int mech;

	for (int i = 0; i < POLL_FDS_EXAMINED; i++) {
		if ((unsigned long)i >= nfds)
			break;
		if (bpf_probe_read_user(&pfd, sizeof(pfd), (void *)(ufds + i * sizeof(pfd))))
			break;
		if (ready_only && !pfd.revents)
			continue;
		mech = classify_fd(pfd.fd);
		if (mech != MECH_NONE)
			return mech;
	}
	return MECH_NONE;
}

/* index of the lowest set bit of a non-zero word */
static __always_inline int lowest_bit(__u64 word)
{
	__u64 low = word & -word;
	int bit = 0;

	bit += !!(low & 0xffffffff00000000ULL) << 5;
	bit += !!(low & 0xffff0000ffff0000ULL) << 4;
	bit += !!(low & 0xff00ff00ff00ff00ULL) << 3;
	bit += !!(low & 0xf0f0f0f0f0f0f0f0ULL) << 2;
	bit += !!(low & 0xccccccccccccccccULL) << 1;
	bit += !!(low & 0xaaaaaaaaaaaaaaaaULL);
	return bit;
}

/* select/pselect6: the first IPC object among the lowest POLL_FDS_EXAMINED
 * fds set in the read and write sets (fds below 64); at exit the kernel has
 * left only the ready ones set */
__noinline int classify_fdsets(long nfds, __u64 readfds, __u64 writefds)
{
	__u64 bits = 0, word = 0;
	int mech;

	if (readfds && !bpf_probe_read_user(&word, sizeof(word), (void *)readfds))
		bits |= word;
	if (writefds && !bpf_probe_read_user(&word, sizeof(word), (void *)writefds))
		bits |= word;
	if (nfds < 64)
		bits &= (1ULL << (nfds & 63)) - 1;
	for (int i = 0; i < POLL_FDS_EXAMINED && bits; i++) {
		mech = classify_fd(lowest_bit(bits));
		if (mech != MECH_NONE)
			return mech;
		bits &= bits - 1;
	}
	return MECH_NONE;
}

#endif /* CLASSIFY_BPF_H */
