"""Grading on a Dask cluster (grade_batch(client=...), gradecheck grade --scheduler): no shared disk, results written here."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed", reason="dask's distributed comes with the dev extras (gradecheck[dask])")

from dask_guard import NoSharedDisk  # noqa: E402

import gradecheck  # noqa: E402
from gradecheck._batch import grade_batch  # noqa: E402
from gradecheck._cli import main  # noqa: E402

ROOT = Path(gradecheck.__file__).resolve().parents[1]
SOLUTION = (ROOT / "reference" / "twelve-weights" / "solution.py").read_text()
WRONG = (ROOT / "reference" / "twelve-weights" / "mistakes" / "missing-activation-derivative.py").read_text()
SLOW = "import time\ntime.sleep(4)\n" + SOLUTION


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[distributed.Client, Path, Path]]:
    """Two worker processes, each in a folder of its own, refused every path under the submissions and results."""
    base = tmp_path_factory.mktemp("dask")
    submissions, out = base / "submissions", base / "out"
    submissions.mkdir()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  local_directory=str(base / "scratch")) as local, distributed.Client(local) as client:
        client.register_plugin(NoSharedDisk(str(base / "worker-home"), [str(submissions), str(out)]))
        yield client, submissions, out


def _write(folder: Path, sources: dict[str, str]) -> list[Path]:
    for name, text in sources.items():
        (folder / name).write_text(text)
    return [folder / name for name in sources]


def test_a_cluster_grades_from_bytes_and_this_process_writes_every_result(cluster) -> None:
    client, submissions, out = cluster
    files = _write(submissions, {f"s{k}.py": (SOLUTION if k % 2 == 0 else WRONG) for k in range(6)})
    summary = grade_batch("twelve-weights", files, out / "first", client=client)
    results = [json.loads(path.read_text()) for path in summary.results]
    assert [result["score"] for result in results] == [15.0, 1.5] * 3, [r["gradecheck"].get("error") for r in results]
    assert all(result["gradecheck"]["sandbox"]["isolation"] for result in results)
    assert summary.gradebook.is_file() and summary.summary.is_file()
    again = grade_batch("twelve-weights", files, out / "first", client=client, resume=True)
    assert (again.graded, again.skipped) == (0, 6)


def test_a_worker_lost_in_the_middle_of_a_submission_costs_a_retry_not_a_result(cluster) -> None:
    client, submissions, out = cluster
    files = _write(submissions, {"slow.py": SLOW, "quick.py": SOLUTION})
    pids = client.run(os.getpid)
    killed: list[int] = []

    def killer() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not killed:
            for address, keys in client.processing().items():
                if keys and address in pids:
                    time.sleep(1.0)  # inside the slow submission's sleep
                    os.kill(pids[address], signal.SIGKILL)
                    killed.append(pids[address])
                    return
            time.sleep(0.05)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    summary = grade_batch("twelve-weights", files, out / "lost", client=client)
    thread.join()
    assert killed, "no worker was killed"
    written = sorted(path.name for path in (out / "lost").glob("*.json"))
    assert written == ["quick.json", "slow.json"]
    assert [json.loads(path.read_text())["score"] for path in summary.results] == [15.0, 15.0]


def test_the_command_line_grades_on_a_scheduler(cluster, capsys: pytest.CaptureFixture[str]) -> None:
    client, submissions, out = cluster
    files = _write(submissions, {"cli.py": SOLUTION})
    address = client.scheduler.address
    assert main(["grade", "twelve-weights", str(files[0]), "--out", str(out / "cli"), "--scheduler", address]) == 0
    assert json.loads((out / "cli" / "cli.json").read_text())["score"] == 15.0
    assert f"on the Dask cluster at {address}" in capsys.readouterr().err
