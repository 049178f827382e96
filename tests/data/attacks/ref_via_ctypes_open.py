# Hostile: finds gradecheck's folder in /proc/<ancestor>/cmdline (the fork server's script path) and reads the reference with libc's open/read through ctypes.
"""A wrong submission that would get 15/15 from the reference's code.

Calls into libc raise no audit event at all.  The defence: the reference is not in the worker's
filesystem view, and the grader's processes are not visible to it (a PID namespace).
"""
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)


def _read(path):
    fd = libc.open(os.fsencode(path), os.O_RDONLY)
    if fd < 0:
        return None
    chunks, buffer = [], ctypes.create_string_buffer(65536)
    while True:
        count = libc.read(fd, buffer, len(buffer))
        if count <= 0:
            break
        chunks.append(buffer.raw[:count])
    libc.close(fd)
    return b"".join(chunks).decode()


def _ancestors(pid):
    for _ in range(6):
        yield pid
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                pid = int(handle.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return
        if pid <= 1:
            return


source = None
for pid in _ancestors(os.getpid()):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            args = handle.read().decode(errors="replace").split("\0")
    except OSError:
        continue
    for arg in args:
        if arg.endswith(("_zygote_main.py", "_worker_main.py", "forkserver.py", "worker.py")):
            folder = os.path.dirname(arg)  # gradecheck/, or gradecheck/_sandbox/_runtime/
            while folder not in ("", "/") and os.path.basename(folder) != "gradecheck":
                folder = os.path.dirname(folder)
            for path in (os.path.join(folder, "reference", "twelve-weights.py"),
                         os.path.join(os.path.dirname(folder), "reference", "twelve-weights", "solution.py")):
                source = source or _read(path)
if source is None:
    raise RuntimeError("hostile: the reference solution was not found in any ancestor's command line")
exec(source)
