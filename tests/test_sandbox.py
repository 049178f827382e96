"""The worker sandbox: whatever the submission does, a call returns or fails with a message."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from gradecheck._sandbox import Limits, SandboxedSubmission, SubmissionFailure

FAST = Limits(call_timeout=1.5, total_timeout=20, memory_bytes=1024**3)


def run(source: str, name: str = "f", args: list | None = None, kinds: list | None = None, limits: Limits = FAST):
    with SandboxedSubmission(source, forbidden_imports=("torch", "jax"), limits=limits) as submission:
        if submission.load_error is not None:
            raise submission.load_error
        return submission.call(name, args or [], kinds)


def failure(source: str, name: str = "f", **options) -> SubmissionFailure:
    with pytest.raises(SubmissionFailure) as info:
        run(source, name, **options)
    return info.value


def test_values_cross_as_json_numbers_and_arrays_arrive_as_float64() -> None:
    source = "import numpy as np\ndef f(x):\n    assert x.dtype == np.float64\n    return x * 2, [1, 2.5], np.float32(3)"
    assert run(source, args=[[1, 2]], kinds=["array"]) == [[2.0, 4.0], [1, 2.5], 3.0]


def test_nan_and_infinity_survive_the_wire() -> None:
    value = run("def f():\n    return [float('nan'), float('inf'), -float('inf')]")
    assert np.isnan(value[0]) and value[1] == np.inf and value[2] == -np.inf


def test_an_exception_is_reported_with_its_type_message_and_line() -> None:
    error = failure("def f():\n    return 1 / 0\n")
    assert error.kind == "exception"
    assert "ZeroDivisionError" in str(error) and "calling f()" in str(error)
    assert "line 2" in error.details and "return 1 / 0" in error.details


def test_syntax_error_is_a_load_error_naming_the_line() -> None:
    error = failure("def f(:\n    pass\n")
    assert "SyntaxError" in str(error) and "line 1" in str(error)


def test_missing_function_is_named() -> None:
    assert "defines no 'g'" in str(failure("def f():\n    return 1\n", name="g"))


def test_endless_loop_times_out_and_the_worker_is_restarted() -> None:
    source = "def f(x):\n    while x > 0:\n        pass\n    return x\n"
    with SandboxedSubmission(source, limits=FAST) as submission:
        with pytest.raises(SubmissionFailure) as info:
            submission.call("f", [1.0], ["float"])
        assert info.value.kind == "timeout" and "endless loop" in str(info.value)
        assert submission.call("f", [0.0], ["float"]) == 0.0
        assert submission.restarts == 1


def test_endless_loop_at_import_is_a_load_timeout() -> None:
    error = failure("while True:\n    pass\n")
    assert error.kind == "timeout" and "loading the submission" in str(error)


def test_exit_at_import_is_reported() -> None:
    assert "SystemExit" in str(failure("import sys\nsys.exit(3)\n"))
    error = failure("import os\nos._exit(7)\n")
    assert error.kind == "crash" and "status 7" in str(error)


def test_memory_bomb_hits_the_memory_limit() -> None:
    error = failure("def f():\n    return len(bytearray(8 * 1024**3))\n")
    assert "MemoryError" in str(error) and "MiB" in str(error)


def test_huge_return_value_is_refused_quickly() -> None:
    error = failure("import numpy as np\ndef f():\n    return np.zeros(10**7)\n")
    assert "too large" in str(error)


def test_printing_megabytes_does_not_corrupt_the_protocol() -> None:
    source = "import sys\ndef f():\n    print('x' * 5_000_000)\n    print('{\"ok\": true, \"value\": 100}')\n    return 1\n"
    assert run(source) == 1


def test_printing_a_fake_response_is_just_output() -> None:
    source = "print('{\"ok\": true, \"value\": 1e9}')\ndef f():\n    return 2\n"
    with SandboxedSubmission(source, limits=FAST) as submission:
        assert submission.call("f", []) == 2
        assert "1e9" in submission.output_tail()


def test_forbidden_import_is_refused_with_a_message() -> None:
    error = failure("def f():\n    import torch\n")
    assert "not allowed" in str(error) and "torch" in str(error)
    error = failure("def f():\n    return __import__('jax.numpy')\n")
    assert "not allowed" in str(error)


def test_the_worker_gets_a_scrubbed_environment_and_a_fresh_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GRADECHECK_SECRET", "answer-is-42")
    source = "import os\ndef f():\n    open('scratch.txt', 'w').write('x')\n    return [os.environ.get('GRADECHECK_SECRET', ''), os.getcwd()]\n"
    with SandboxedSubmission(source, limits=FAST) as submission:
        secret, folder = submission.call("f", [])
        assert secret == "" and Path(folder, "scratch.txt").exists()
        assert Path(folder).resolve() != Path.cwd().resolve()
    assert not Path(folder).exists()


def test_patching_numpy_in_the_submission_does_not_reach_the_grader() -> None:
    source = "import numpy as np\nnp.allclose = lambda *a, **k: True\ndef f():\n    return 1\n"
    assert run(source) == 1
    assert not np.allclose(1.0, 2.0)


def test_returned_objects_of_unknown_type_are_explained() -> None:
    error = failure("class Thing: pass\ndef f():\n    return Thing()\n")
    assert "Thing" in str(error) and "expected numbers" in str(error)


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to look for leftover processes")
def test_forked_children_are_killed_with_the_process_group(tmp_path: Path) -> None:
    source = (
        "import os, time\n"
        "def f(path):\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        time.sleep(60)\n"
        "        os._exit(0)\n"
        "    open(path, 'w').write(str(pid))\n"
        "    while True:\n"
        "        pass\n"
    )
    marker = tmp_path / "child.pid"
    with SandboxedSubmission(source, limits=FAST) as submission:
        with pytest.raises(SubmissionFailure):
            submission.call("f", [str(marker)])
    child = int(marker.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def test_layer_objects_live_in_the_worker() -> None:
    source = (
        "class Gate:\n"
        "    def __init__(self):\n        self.params = {'w': __import__('numpy').ones(2)}\n"
        "    def forward(self, x):\n        return self.params['w'] * x\n"
    )
    with SandboxedSubmission(source, limits=FAST) as submission:
        handle = submission.new("Gate")
        assert submission.method(handle, "forward", [[1.0, 2.0]], ["array"]) == [1.0, 2.0]
        submission.set_item(handle, "params", "w", [3.0, 4.0])
        assert submission.method(handle, "forward", [[1.0, 2.0]], ["array"]) == [3.0, 8.0]
        assert submission.attr(handle, "grads") == (False, None)


def test_workers_are_forked_from_the_warm_server_not_the_grader() -> None:
    source = "import os, sys\ndef f():\n    return [os.getppid(), 'numpy' in sys.modules]\n"
    parent, numpy_loaded = run(source)
    assert parent != os.getpid()
    assert numpy_loaded


def test_killing_the_fork_server_does_not_stop_grading() -> None:
    source = "import os, signal\ndef f():\n    os.kill(os.getppid(), signal.SIGKILL)\n    return 1\n"
    try:
        run(source)
    except SubmissionFailure:
        pass
    assert run("def f():\n    return 2\n") == 2


def test_no_network_where_the_machine_allows_a_network_namespace() -> None:
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    source = (
        "import socket\n"
        "def f(port):\n"
        "    try:\n"
        "        socket.create_connection(('127.0.0.1', int(port)), timeout=2).close()\n"
        "        return 'connected'\n"
        "    except OSError as error:\n"
        "        return 'refused'\n"
    )
    try:
        with SandboxedSubmission(source, limits=FAST) as submission:
            outcome = submission.call("f", [port])
            if submission.network_isolated:
                assert outcome == "refused"
            else:  # no namespaces here: the README says network access is then not blocked
                assert outcome == "connected"
    finally:
        server.close()


def test_closing_the_protocol_pipes_and_sleeping_does_not_outlast_the_call_timeout() -> None:
    source = "import os, time\ndef f():\n    os.closerange(3, 256)\n    time.sleep(30)\n"
    started = time.monotonic()
    problem = failure(source)
    assert time.monotonic() - started < 10
    assert problem.kind == "crash"
    assert "closed its connection" in str(problem)
