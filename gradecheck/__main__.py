"""``python -m gradecheck``: the same as the ``gradecheck`` command."""

from gradecheck._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
