"""Per-request handles: each request's answer reaches the caller that made it, and nothing is left waiting."""

from __future__ import annotations

import threading

from gan_studio.ui.worker import Call, InferenceWorker


class Session:
    def __init__(self) -> None:
        self.gate = threading.Event()

    def double(self, x: int) -> int:
        return 2 * x

    def slow(self) -> str:
        self.gate.wait(5)
        return "slow"

    def boom(self) -> None:
        raise RuntimeError("model exploded")


def test_each_handle_gets_its_own_answer_and_none_leak(qtbot):
    session = Session()
    worker = InferenceWorker(session_factory=lambda _mid: session)
    try:
        got: dict[str, object] = {}
        a = worker.request("a", "m", Call("double", 2), convert=False)
        b = worker.request("b", "m", Call("double", 5), convert=False)
        a.returned.connect(lambda r, _ms: got.__setitem__("a", r))
        b.returned.connect(lambda r, _ms: got.__setitem__("b", r))
        qtbot.waitUntil(lambda: len(got) == 2, timeout=10000)
        assert got == {"a": 4, "b": 10} and worker.waiting() == 0

        err = worker.request("c", "m", Call("boom"), convert=False)
        with qtbot.waitSignal(err.errored, timeout=10000) as sig:
            pass
        assert "model exploded" in sig.args[0] and "Traceback" in sig.args[1]
        assert worker.waiting() == 0
    finally:
        session.gate.set()
        worker.stop()


def test_a_newer_request_of_the_same_key_supersedes_a_queued_one(qtbot):
    session = Session()
    worker = InferenceWorker(session_factory=lambda _mid: session)
    try:
        busy = worker.request("busy", "m", Call("slow"), convert=False)  # holds the worker thread
        first = worker.request("k", "m", Call("double", 1), convert=False)
        dropped, answers = [], []
        first.superseded.connect(lambda: dropped.append(first.id))
        first.returned.connect(lambda r, _ms: answers.append(("first", r)))
        second = worker.request("k", "m", Call("double", 3), convert=False)
        second.returned.connect(lambda r, _ms: answers.append(("second", r)))
        assert dropped == [first.id]  # said at once, on the caller's thread
        session.gate.set()
        qtbot.waitUntil(lambda: answers == [("second", 6)], timeout=10000)
        qtbot.waitUntil(lambda: worker.waiting() == 0, timeout=10000)
        assert repr(busy) == f"TaskHandle('busy', {busy.id})"
    finally:
        session.gate.set()
        worker.stop()


def test_a_call_is_data():
    assert Call("render", 1, 2) == Call("render", 1, 2) and hash(Call("render", 1)) == hash(Call("render", 1))
    assert Call("double", 4)(Session()) == 8


def test_queued_requests_of_one_key_all_run_in_order(qtbot):
    """Two exports in a row: the second must not drop the first (newest-wins is for previews only)."""
    session = Session()
    worker = InferenceWorker(session_factory=lambda _mid: session)
    try:
        worker.request("busy", "m", Call("slow"), convert=False)
        answers: list[int] = []
        handles = [worker.request("export", "m", Call("double", n), convert=False, replace=False) for n in (1, 2, 3)]
        for h in handles:
            h.superseded.connect(lambda: answers.append(-1))
            h.returned.connect(lambda r, _ms: answers.append(r))
        session.gate.set()
        qtbot.waitUntil(lambda: len(answers) == 3, timeout=10000)
        assert answers == [2, 4, 6] and worker.waiting() == 0
    finally:
        session.gate.set()
        worker.stop()


def test_a_worker_left_running_fails_its_test(pytester):
    """The conftest's guard: a test that starts the worker's thread and never stops it fails, by name."""
    import shutil
    from pathlib import Path

    shutil.copy(Path(__file__).with_name("conftest.py"), pytester.path / "conftest.py")
    pytester.makepyfile(test_leak="""
from gan_studio.ui.worker import InferenceWorker

kept = []  # held, so Python does not delete the running QThread (Qt would abort the process)


def test_leaks(qtbot):
    kept.append(InferenceWorker(session_factory=lambda _m: None))
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*left 1 QThread(s) running: gan-studio-inference*"])
