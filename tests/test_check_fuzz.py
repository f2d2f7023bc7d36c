"""Fuzzing: random text and random LaTeX never raise; each gets a verdict.

The checks go through the worker pool, which enforces the time limit, so a
slow answer becomes "invalid" instead of a hung test.
"""

from __future__ import annotations

import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mathomong_sym import check_answer
from mathomong_sym.check.checker import VERDICTS
from mathomong_sym.errors import ParseError
from mathomong_sym.parsing import parse_expression

KEY = r"2(\hat{y}-y)\sigma(z)(1-\sigma(z))x"

_atoms = st.sampled_from([
    "x", "y", "z", "W", "b", "t", "2", "0", "1.5", "10", r"\hat{y}", r"\hat y_1", r"w^{(2)}_{13}", "x_1", r"x_{2}",
    r"\pi", "e", r"\mathrm{e}", r"\delta^{(1)}_1", "σ", "−", "·", r"\infty", "'", "H", r"\theta", "0.0001",
])
_unary = st.sampled_from([
    r"\sigma({})", r"\sigma'({})", r"\tanh({})", r"\ln {}", r"\log({})", r"\exp({})", r"e^{{{}}}", r"\sqrt{{{}}}",
    r"\left({}\right)", "({})", r"\operatorname{{ReLU}}({})", "H({})", r"\max(0, {})", "|{}|", "-{}", r"{}^{{2}}",
    r"\frac12 {}", r"\operatorname{{sech}}^2({})", r"\sin^{{2}} {}", "{}!", r"\hat{{{}}}", "{{{}}}", "{}_{{1}}",
])
_binary = st.sampled_from([
    "{} + {}", "{} - {}", r"{} \cdot {}", r"{} \times {}", "{}{}", r"\frac{{{}}}{{{}}}", "{}^{{{}}}", "{} / {}",
    "({}, {})", "{} = {}", r"\begin{{cases}} {} & z > 0 \\ {} & \text{{otherwise}} \end{{cases}}",
    r"\begin{{pmatrix}} {} \\ {} \end{{pmatrix}}", "{}){}", "{}({}",
])

latex = st.recursive(
    _atoms,
    lambda inner: st.one_of(
        st.builds(lambda f, a: f.format(a), _unary, inner),
        st.builds(lambda f, a, b: f.format(a, b), _binary, inner, inner),
    ),
    max_leaves=12,
)

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.text(max_size=300))
def test_random_text_gets_a_verdict(text):
    result = check_answer(text, KEY, timeout=2.0)
    assert result.verdict in VERDICTS
    assert result.feedback


@FUZZ
@given(latex)
def test_random_latex_gets_a_verdict(text):
    result = check_answer(text, KEY, timeout=2.0)
    assert result.verdict in VERDICTS
    if result.verdict == "invalid":
        assert result.details.get("reason")


@settings(max_examples=200, deadline=None)
@given(st.one_of(latex, st.text(max_size=120)))
def test_parse_expression_raises_only_parse_errors(text):
    try:
        value = parse_expression(text)
    except ParseError:
        return
    assert isinstance(value, (sympy.Expr, sympy.Tuple, sympy.MatrixBase))


# ---------------------------------------------------------------------------
# the long run: 10 000 hostile and random inputs, bounded in time and memory (slow; CI runs it)
# ---------------------------------------------------------------------------

import csv  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from mathomong_sym.check.pool import CheckerPool  # noqa: E402
from mathomong_sym.check.checker import entry_for, make_task  # noqa: E402

#: what broke or hung a checker somewhere: towers, huge numbers, deep nesting, bytes that are not text
_hostile = st.sampled_from([
    r"10^{10^{10^{10}}}", r"9^{999}", r"(2^{999})^{15}", r"\exp(\exp(\exp(100)))", r"\sigma(\exp(\exp(50)))",
    r"(x+y+z)^{999}", r"((x^{999})^{999})^{999}", "9" * 80, "1e400", "1e-400", r"\frac{1}{0}", "0^0", r"\infty-\infty",
    "(" * 40 + "x" + ")" * 40, r"\left(" * 20 + "x" + r"\right)" * 20, "x" * 3000, "\x00\x07\x1b", "\ufeffx", "\u202ex",
    r"\max(" + ",".join(f"x_{{{i}}}" for i in range(40)) + ")", "1000!", r"\begin{pmatrix}1&2\\3&4\end{pmatrix}",
    "__import__('os').system('true')", "=HYPERLINK(\"http://x\")", "x^^^^^^^^^^^^^^2", r"\sqrt{-1}", "ln(-1)",
    r"\log_{0}(x)", "1/0.0", "nan", "x_{" * 10 + "1" + "}" * 10, "σ(σ(σ(σ(σ(σ(σ(z)))))))", r"\text{hello world}",
])
hostile_or_random = st.one_of(latex, st.text(max_size=200), _hostile,
                              st.builds(lambda a, b: a + b, _hostile, latex))

#: a check may take its time limit, plus the time to replace a stopped worker by its warm spare
_LIMIT = 2.0
_LATENCY_BOUND = _LIMIT + 3.0
_MEMORY_GROWTH = 64 * 1024 * 1024


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class _Run:
    """Latencies and memory over a run of many checks, through two pools side by side (one per core)."""

    LANES = 2

    def __init__(self):
        from concurrent.futures import ThreadPoolExecutor

        self.pools = [CheckerPool(workers=1, timeout=_LIMIT) for _ in range(self.LANES)]
        self.lanes = ThreadPoolExecutor(max_workers=self.LANES)
        self.entry = entry_for(KEY)
        self.count = 0
        self.worst = (0.0, "")
        self.memory = []  # (checks so far, parent RSS, largest worker RSS)

    def _check_all(self, pool: CheckerPool, texts: list) -> list:
        timed = []
        for text in texts:
            started = time.monotonic()
            result = pool.run_one(make_task(text, self.entry))
            timed.append((text, time.monotonic() - started, result))
        return timed

    def check_all(self, texts: list) -> list[dict]:
        """Every text checked (each lane takes its share); each within the latency bound."""
        shares = [texts[i::self.LANES] for i in range(self.LANES)]
        timed = [t for lane in self.lanes.map(self._check_all, self.pools, shares) for t in lane]
        for text, took, _ in timed:
            self.count += 1
            if took > self.worst[0]:
                self.worst = (took, text[:80])
            assert took < _LATENCY_BOUND, (took, text[:200])
        return [result for _, _, result in timed]

    @property
    def timeouts(self) -> int:
        return sum(pool.killed for pool in self.pools)

    def sample(self):
        workers = max((_rss(pid) for pool in self.pools for pid in pool.pids()), default=0)
        self.memory.append((self.count, _rss(os.getpid()), workers))

    def close(self):
        self.lanes.shutdown()
        for pool in self.pools:
            pool.close()


@pytest.fixture(scope="module")
def long_run():
    run = _Run()
    yield run
    run.close()
    if run.memory:
        print(f"\nfuzz: {run.count} checks, worst latency {run.worst[0]:.2f} s ({run.worst[1]!r}), "
              f"{run.timeouts} stopped at the {_LIMIT:g} s limit, "
              f"memory (checks, parent, worker) first {run.memory[0]}, last {run.memory[-1]}")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc for memory")
@settings(max_examples=100, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(st.lists(hostile_or_random, min_size=100, max_size=100))
def test_10000_inputs_get_a_verdict_in_time_without_memory_growth(long_run, batch):
    for result in long_run.check_all(batch):
        assert "key_error" not in result
        assert result["verdict"] in VERDICTS and result["feedback"]
        if result["verdict"] == "invalid":
            assert result["details"].get("reason")
    long_run.sample()
    if long_run.count >= 10_000:
        warm = [m for m in long_run.memory if m[0] >= 2_000][0]  # caches have filled by now
        last = long_run.memory[-1]
        assert last[1] - warm[1] < _MEMORY_GROWTH, long_run.memory
        assert last[2] - warm[2] < _MEMORY_GROWTH * 2 or last[2] < warm[2], long_run.memory


@pytest.mark.slow
@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(st.builds(lambda a, b: f"{a} + ({b}) x", hostile_or_random, latex))
def test_explain_gives_a_result_or_one_line(capsys, text):
    """``mathomong explain`` as the command line runs it (its bounded child included), without a new
    interpreter per input: a result, or one line and a non-zero exit, within its time limit."""
    from mathomong_sym.cli import main

    started = time.monotonic()
    code = main(["explain", text, "--wrt", "x", "--timeout", "5"])
    out, err = capsys.readouterr()
    assert time.monotonic() - started < 30
    assert "Traceback" not in err, err[-500:]
    if code != 0:
        assert len(err.strip().splitlines()) == 1, err
    else:
        assert out.strip()


@pytest.mark.slow
@settings(max_examples=3, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(st.lists(hostile_or_random, min_size=500, max_size=500))
def test_grade_reports_every_fuzzed_row(tmp_path_factory, answers):
    from mathomong_sym import AnswerEntry, AnswerKey

    folder = tmp_path_factory.mktemp("fuzz-grade")
    key = AnswerKey(worksheet="fuzz", version="A", seed=1, entries=[entry_for(KEY, question_id="q1")])
    key.save(folder / "A.json")
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["student", "question", "answer"])
    for i, answer in enumerate(answers):
        writer.writerow([f"s{i}", "q1", answer])
    (folder / "answers.csv").write_text(text.getvalue(), encoding="utf-8", errors="surrogatepass")
    result = subprocess.run([sys.executable, "-m", "mathomong_sym", "grade", "--key", str(folder / "A.json"),
                             "--answers", str(folder / "answers.csv"), "--out", str(folder / "out"), "--timeout", "2"],
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr
    with open(folder / "out" / "report.csv", newline="", encoding="utf-8") as stream:
        report = list(csv.DictReader(stream))
    # every record gets its row (one whose quoted answer runs over too many lines costs only its own lines)
    assert {f"s{i}" for i in range(len(answers))} <= {r["student"] for r in report}
    assert [int(r["line"]) for r in report] == sorted(int(r["line"]) for r in report)
    assert all(r["verdict"] in VERDICTS for r in report)
    del AnswerEntry
