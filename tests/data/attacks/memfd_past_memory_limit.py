# Hostile: holds memory in memfds (each under the file-size limit) until it holds 256 MiB more than its address-space limit, for at most 3 s, and says how much it held.
"""Honest part: none (it raises with ``held N bytes``; the test compares N with the limit).

Pages of a memfd that is never mapped do not count against ``RLIMIT_AS``; ``fallocate`` makes
the kernel allocate them at once.  Goal: the limit plus 256 MiB, at most 3 GiB in all.
The defence: a memory cgroup for the worker, which counts them.
"""
import os
import resource
import signal
import time

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-large file fails instead of killing us
limit = resource.getrlimit(resource.RLIMIT_AS)[0]
per_file = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
goal = min(3 * 2**30, (limit if limit != resource.RLIM_INFINITY else 2**30) + 256 * 2**20)
per_file = min(64 * 2**20, per_file if per_file != resource.RLIM_INFINITY else 64 * 2**20) - 2**20
held, fds, deadline = 0, [], time.monotonic() + 3.0
try:
    while held < goal and time.monotonic() < deadline:
        fd = os.memfd_create("hostile")
        fds.append(fd)
        os.posix_fallocate(fd, 0, per_file)
        held += per_file
except OSError:
    pass
raise RuntimeError(f"hostile: held {held} bytes in {len(fds)} memfds; RLIMIT_AS is {limit}")
