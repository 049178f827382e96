"""Hostile: writes a small file outside its working folder (into /tmp), then reports that it did.

The sandbox does not isolate the file system: small writes get through.  The corpus test removes
the file afterwards and only checks that grading goes on and gives no credit.
"""
import os

TARGET = "/tmp/gradecheck-hostile-outside-write.txt"
try:
    with open(TARGET, "w") as handle:
        handle.write("written by a submission\n")
    outcome = "the write outside the working folder succeeded"
except OSError as error:
    outcome = f"the write outside the working folder failed: {error}"
raise RuntimeError(f"hostile corpus: {outcome}")
