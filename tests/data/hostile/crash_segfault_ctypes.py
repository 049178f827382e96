"""Hostile: dereferences a NULL pointer with ctypes at import, killing the interpreter with SIGSEGV."""
import ctypes

ctypes.string_at(0)
