"""SandboxedSubmission, under every isolation level: whatever the submission does, a call returns or fails with a message."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest
from conftest import failure_of, fast, processes_named

from gradecheck._sandbox import SandboxedSubmission, SubmissionFailure


def test_values_cross_as_json_numbers_and_arrays_arrive_as_float64(run) -> None:
    source = "import numpy as np\ndef f(x):\n    assert x.dtype == np.float64\n    return x * 2, [1, 2.5], np.float32(3)"
    assert run(source, args=[[1, 2]], kinds=["array"]) == [[2.0, 4.0], [1, 2.5], 3.0]


def test_nan_and_infinity_survive_the_wire(run) -> None:
    value = run("def f():\n    return [float('nan'), float('inf'), -float('inf')]")
    assert np.isnan(value[0]) and value[1] == np.inf and value[2] == -np.inf


def test_an_exception_is_reported_with_its_type_message_and_line(run) -> None:
    error = failure_of(run, "def f():\n    return 1 / 0\n")
    assert error.kind == "exception"
    assert "ZeroDivisionError" in str(error) and "calling f()" in str(error)
    assert "line 2" in error.details and "return 1 / 0" in error.details


def test_syntax_error_is_a_load_error_naming_the_line(run) -> None:
    error = failure_of(run, "def f(:\n    pass\n")
    assert "SyntaxError" in str(error) and "line 1" in str(error)


def test_missing_function_is_named(run) -> None:
    assert "defines no 'g'" in str(failure_of(run, "def f():\n    return 1\n", name="g"))


def test_a_missing_module_says_what_is_installed(run) -> None:
    error = failure_of(run, "import scipy_that_is_not_there\n")
    assert "ModuleNotFoundError" in str(error) and "numpy" in str(error)


def test_endless_loop_times_out_and_the_worker_is_restarted(isolation: str) -> None:
    source = "def f(x):\n    while x > 0:\n        pass\n    return x\n"
    with SandboxedSubmission(source, limits=fast(isolation, call_timeout=1.0)) as submission:
        with pytest.raises(SubmissionFailure) as info:
            submission.call("f", [1.0], ["float"])
        assert info.value.kind == "timeout" and "endless loop" in str(info.value)
        assert submission.call("f", [0.0], ["float"]) == 0.0
        assert submission.restarts == 1


def test_endless_loop_at_import_is_a_load_timeout(run) -> None:
    error = failure_of(run, "while True:\n    pass\n", call_timeout=1.0)
    assert error.kind == "timeout" and "loading the submission" in str(error)


def test_a_stopped_worker_counts_against_its_time(isolation: str) -> None:
    name = f"gc-stopped-{os.getpid() % 10000}"
    source = f"import ctypes\ndef named():\n    ctypes.CDLL(None).prctl(15, {name.encode()!r}, 0, 0, 0)\ndef f():\n    return 1\n"
    with SandboxedSubmission(source, limits=fast(isolation, call_timeout=1.0)) as submission:
        submission.call("named", [])
        (pid,) = processes_named(name)
        os.kill(pid, signal.SIGSTOP)
        started = time.monotonic()
        with pytest.raises(SubmissionFailure) as info:
            submission.call("f", [])
        assert info.value.kind == "timeout" and time.monotonic() - started < 3


def test_exit_at_import_is_reported(run) -> None:
    assert "SystemExit" in str(failure_of(run, "import sys\nsys.exit(3)\n"))
    error = failure_of(run, "import os\nos._exit(7)\n")
    assert error.kind == "crash" and "status 7" in str(error)


def test_memory_bomb_hits_the_memory_limit(run) -> None:
    error = failure_of(run, "def f():\n    return len(bytearray(8 * 1024**3))\n")
    assert "MemoryError" in str(error) and "MiB" in str(error)


def test_huge_return_value_is_refused_quickly(run) -> None:
    error = failure_of(run, "import numpy as np\ndef f():\n    return np.zeros(10**7)\n")
    assert "too large" in str(error)


def test_printing_megabytes_does_not_corrupt_the_protocol(run) -> None:
    source = "import sys\ndef f():\n    print('x' * 5_000_000)\n    print('{\"ok\": true, \"value\": 100}')\n    return 1\n"
    assert run(source) == 1


def test_printing_a_fake_response_is_just_output(isolation: str) -> None:
    source = "print('{\"ok\": true, \"value\": 1e9}')\ndef f():\n    return 2\n"
    with SandboxedSubmission(source, limits=fast(isolation)) as submission:
        assert submission.call("f", []) == 2
        assert "1e9" in submission.output_tail()


def test_printing_50_megabytes_keeps_only_a_bounded_tail(isolation: str) -> None:
    source = "import sys\ndef f():\n    for _ in range(50):\n        sys.stdout.write('y' * (1 << 20))\n    print('the end')\n    return 3\n"
    with SandboxedSubmission(source, limits=fast(isolation, output_bytes=4096)) as submission:
        assert submission.call("f", []) == 3
        tail = submission.output_tail(200)
        assert submission.output_bytes == 50 * (1 << 20) + len("the end\n")
        assert len(submission._output.data) <= 4096, "the grader kept more output than its cap"
    assert tail.endswith("the end\n") and "earlier bytes of output not kept" in tail


def test_forbidden_import_is_refused_with_a_message(run) -> None:
    error = failure_of(run, "def f():\n    import torch\n")
    assert "not allowed" in str(error) and "torch" in str(error)
    error = failure_of(run, "def f():\n    return __import__('jax.numpy')\n")
    assert "not allowed" in str(error)


def test_a_forbidden_import_is_recorded_even_with_the_guard_removed(isolation: str) -> None:
    source = (
        "import sys\nsys.meta_path[:] = [m for m in sys.meta_path if 'Forbidden' not in type(m).__name__]\n"
        "def f():\n    import jax\n    return 1\n"
    )
    with SandboxedSubmission(source, forbidden_imports=("jax",), limits=fast(isolation)) as submission:
        with pytest.raises(SubmissionFailure):
            submission.call("f", [])
        assert submission.forbidden_attempts == ["jax"]


def test_the_worker_gets_a_scrubbed_environment_and_a_fresh_folder(isolation: str, monkeypatch) -> None:
    monkeypatch.setenv("GRADECHECK_SECRET", "answer-is-42")
    source = (
        "import os\ndef f():\n    found = os.listdir('.')\n    open('scratch.txt', 'w').write('x')\n"
        "    return [os.environ.get('GRADECHECK_SECRET', ''), found, os.listdir('.'), os.path.abspath('.') == os.environ['HOME']]\n"
    )
    for _ in range(2):  # the second worker must not see the first one's file
        with SandboxedSubmission(source, limits=fast(isolation)) as submission:
            secret, before, after, home = submission.call("f", [])
        assert secret == "" and before == [] and after == ["scratch.txt"] and home


def test_patching_numpy_in_the_submission_does_not_reach_the_grader(run) -> None:
    source = "import numpy as np\nnp.allclose = lambda *a, **k: True\ndef f():\n    return 1\n"
    assert run(source) == 1
    assert not np.allclose(1.0, 2.0)


def test_returned_objects_of_unknown_type_are_explained(run) -> None:
    error = failure_of(run, "class Thing: pass\ndef f():\n    return Thing()\n")
    assert "Thing" in str(error) and "expected numbers" in str(error)


def test_children_that_leave_the_session_do_not_outlive_the_worker(isolation: str) -> None:
    name = f"gc-escape-{os.getpid() % 10000}"
    source = (
        "import ctypes, os, time\n"
        "def f():\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        if os.fork() == 0:\n"
        f"            ctypes.CDLL(None).prctl(15, {name.encode()!r}, 0, 0, 0)\n"
        "            time.sleep(60)\n"
        "        os._exit(0)\n"
        "    time.sleep(0.3)\n"
        "    return 1\n"
    )
    with SandboxedSubmission(source, limits=fast(isolation)) as submission:
        assert submission.call("f", []) == 1
        assert processes_named(name), "the escapee did not start"
    deadline = time.monotonic() + 3
    while processes_named(name) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not processes_named(name), "a process started by the submission outlived its worker"


def test_layer_objects_live_in_the_worker(isolation: str) -> None:
    source = (
        "class Gate:\n"
        "    def __init__(self):\n        self.params = {'w': __import__('numpy').ones(2)}\n"
        "    def forward(self, x):\n        return self.params['w'] * x\n"
    )
    with SandboxedSubmission(source, limits=fast(isolation)) as submission:
        handle = submission.new("Gate")
        assert submission.method(handle, "forward", [[1.0, 2.0]], ["array"]) == [1.0, 2.0]
        submission.set_item(handle, "params", "w", [3.0, 4.0])
        assert submission.method(handle, "forward", [[1.0, 2.0]], ["array"]) == [3.0, 8.0]
        assert submission.attr(handle, "grads") == (False, None)


def test_inspect_tells_methods_from_values_and_reads_signatures(isolation: str) -> None:
    source = (
        "import numpy as np\n"
        "class Layer:\n"
        "    scale = 2\n"
        "    def __init__(self, n, eps=1e-5):\n        self.params = {'w': np.ones(n)}\n"
        "    def forward(self, x, *rest, key=None):\n        return self.params['w'] * x\n"
        "def factory(w):\n    return Layer(len(w))\n"
    )
    with SandboxedSubmission(source, limits=fast(isolation)) as submission:
        assert submission.inspect("Layer") == ("callable", [("n", "POSITIONAL_OR_KEYWORD", False), ("eps", "POSITIONAL_OR_KEYWORD", True)])
        assert submission.inspect("nothing") == ("missing", None)
        handle = submission.new("factory", [[1.0, 2.0, 3.0]], ["array"])  # arguments converted like a call's
        kind, parameters = submission.inspect("forward", handle)
        assert kind == "callable" and parameters == [
            ("x", "POSITIONAL_OR_KEYWORD", False), ("rest", "VAR_POSITIONAL", False), ("key", "KEYWORD_ONLY", True)
        ]
        assert submission.inspect("params", handle) == ("value", {"w": [1.0, 1.0, 1.0]})
        assert submission.inspect("scale", handle) == ("value", 2)
        assert submission.inspect("grads", handle) == ("missing", None)


def test_inspect_survives_hostile_attributes(isolation: str) -> None:
    source = (
        "class Odd:\n"
        "    def __getattr__(self, name):\n        raise ValueError('no ' + name)\n"
        "    @property\n    def params(self):\n        return object()\n"
    )
    with SandboxedSubmission(source, limits=fast(isolation)) as submission:
        handle = submission.new("Odd")
        with pytest.raises(SubmissionFailure, match="ValueError.*no grads"):
            submission.inspect("grads", handle)
        with pytest.raises(SubmissionFailure, match="expected numbers"):
            submission.inspect("params", handle)


def test_workers_are_forked_from_the_warm_server_with_numpy_loaded(run) -> None:
    source = "import os, sys\ndef f():\n    return [os.getppid(), 'numpy' in sys.modules]\n"
    parent, numpy_loaded = run(source)
    assert parent != os.getpid()
    assert numpy_loaded


def test_killing_the_parent_does_not_stop_grading(run) -> None:
    source = "import os, signal\ndef f():\n    os.kill(os.getppid(), signal.SIGKILL)\n    return 1\n"
    try:
        run(source)
    except SubmissionFailure:
        pass
    assert run("def f():\n    return 2\n") == 2


def test_closing_the_protocol_pipes_and_sleeping_does_not_outlast_the_call_timeout(run) -> None:
    source = "import os, time\ndef f():\n    os.closerange(3, 256)\n    time.sleep(30)\n"
    started = time.monotonic()
    problem = failure_of(run, source)
    assert time.monotonic() - started < 10
    assert problem.kind == "crash"
    assert "closed its connection" in str(problem)


def test_an_endless_loop_spends_the_budget_once_and_later_calls_are_not_run(isolation: str) -> None:
    source = "def f(x):\n    while x > 0:\n        pass\n    return x\n"
    with SandboxedSubmission(source, limits=fast(isolation, call_timeout=None, total_timeout=2.0)) as submission:
        with pytest.raises(SubmissionFailure) as info:
            submission.call("f", [1.0], ["float"])
        message = str(info.value)
        assert info.value.kind == "timeout" and submission.budget_spent is info.value
        assert "while calling f(), when the submission's time budget (2 s in all, loading included) ran out" in message
        assert message.endswith("Nothing after it was run.")
        with pytest.raises(SubmissionFailure) as later:
            submission.call("f", [0.0], ["float"])  # would return at once: it is not run at all
        assert str(later.value) == "Not run: the submission's time budget (2 s) was spent while calling f(), which did not finish."
        assert submission.restarts == 0 and submission.not_run_reason == str(later.value)


def test_the_graders_own_time_between_calls_is_not_charged_to_the_submission(isolation: str) -> None:
    """Only waiting for the submission's replies spends its budget: a grader slowed by load (JAX, other
    processes) between calls must not cost a correct submission its later calls; its own slow calls do."""
    source = "import time\ndef f(x):\n    time.sleep(x)\n    return x\n"
    with SandboxedSubmission(source, limits=fast(isolation, call_timeout=None, total_timeout=2.0)) as submission:
        assert submission.call("f", [0.0], ["float"]) == 0.0
        time.sleep(2.5)  # the grader busy for longer than the whole budget
        assert submission.call("f", [0.9], ["float"]) == 0.9
        assert submission.call("f", [0.0], ["float"]) == 0.0 and submission.budget_spent is None
        with pytest.raises(SubmissionFailure) as info:  # 0.9 s spent, about 1.1 s left: a 1.5 s call spends the rest
            submission.call("f", [1.5], ["float"])
        assert info.value.kind == "timeout" and submission.budget_spent is info.value


def test_a_call_stopped_by_its_cap_with_budget_left_does_not_spend_the_budget(isolation: str) -> None:
    source = "def f(x):\n    while x > 0:\n        pass\n    return x\n"
    with SandboxedSubmission(source, limits=fast(isolation, call_timeout=1.0, total_timeout=30.0)) as submission:
        with pytest.raises(SubmissionFailure) as info:
            submission.call("f", [1.0], ["float"])
        assert "(the limit for one call)" in str(info.value) and submission.budget_spent is None
        assert submission.call("f", [0.0], ["float"]) == 0.0 and submission.not_run_reason == ""
