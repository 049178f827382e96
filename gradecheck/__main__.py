"""``python -m gradecheck``: the same as the ``gradecheck`` command."""

from gradecheck._cli import run

if __name__ == "__main__":
    run()
