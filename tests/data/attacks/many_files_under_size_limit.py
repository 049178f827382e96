# Hostile: allocates many files, each just under the file-size limit, in its folder until 3 GiB, a failure, or 3 s, and says how much it allocated.
"""Honest part: none (it raises with ``allocated N bytes``; the test bounds N).

``RLIMIT_FSIZE`` bounds each file, not their sum; ``fallocate`` takes the disk blocks at once.
The defence: a private writable folder with a size cap (a tmpfs), so the grader's disk cannot fill.
"""
import os
import resource
import signal
import time

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-large file fails instead of killing us
per_file = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
per_file = min(64 * 2**20, per_file if per_file != resource.RLIM_INFINITY else 64 * 2**20) - 2**20
written, files, deadline = 0, 0, time.monotonic() + 3.0
try:
    while written < 3 * 2**30 and time.monotonic() < deadline:
        fd = os.open(f"fill-{files:05d}.bin", os.O_WRONLY | os.O_CREAT, 0o600)
        files += 1
        try:
            os.posix_fallocate(fd, 0, per_file)
            written += per_file
        finally:
            os.close(fd)
except OSError:
    pass
raise RuntimeError(f"hostile: allocated {written} bytes in {files} files")
