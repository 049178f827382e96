"""Hostile: writes a 64 MB file in its working folder at import (over the file-size limit)."""
with open("big.bin", "wb") as handle:
    for _ in range(64):
        handle.write(b"\0" * (1 << 20))
