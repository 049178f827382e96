"""Hostile: ignores SIGTERM, SIGINT and SIGHUP, then loops at import; only SIGKILL can stop it."""
import signal

for name in ("SIGTERM", "SIGINT", "SIGHUP", "SIGXCPU"):
    if hasattr(signal, name):
        signal.signal(getattr(signal, name), signal.SIG_IGN)

while True:
    pass
