"""Hostile: allocates 80 MB blocks without end at import (a memory bomb); the address-space limit stops it.

np.zeros maps memory lazily, so the bomb reaches the limit without touching gigabytes of RAM.
"""
import numpy as np

hoard = []
while True:
    hoard.append(np.zeros(10_000_000))
