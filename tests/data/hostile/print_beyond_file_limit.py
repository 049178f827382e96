"""Hostile: prints 64 MB at import, more than the worker's file-size limit allows in its output file."""
import sys

chunk = "y" * (1 << 20)
for _ in range(64):
    sys.stdout.write(chunk)
sys.stdout.flush()
