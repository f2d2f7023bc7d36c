"""The practice room through the framework's test client: every route, bad input, the limits."""

from __future__ import annotations

import base64
import csv
import io
import re
import time

import pytest
from starlette.testclient import TestClient

from conftest import Visitor, make_app, own_room
from mathomong_sym.check.mistakes import CATALOGUE
from mathomong_sym.serve.content import latex_prose, practice_problem
from mathomong_sym.worksheets import GENERATORS


def _joined(visitor, name, code=""):
    response = visitor.join(name, code)
    assert response.status_code == 200 and response.url.path == "/practice", response.text
    return visitor


# ---------------------------------------------------------------------------
# pages
# ---------------------------------------------------------------------------

def test_pages_load_nothing_from_elsewhere(visitor):
    _joined(visitor, "Offline Olga")
    problem = visitor.open_problem()
    pages = ["/", "/practice", f"/practice/one-neuron?difficulty=medium&seed={problem.seed}", "/explore",
             "/explore?mode=expression&expr=x%5E2&at=x%3D3", "/teacher", "/teacher/class/open", "/sheet/one-neuron"]
    for url in pages:
        response = visitor.get(url)
        assert response.status_code == 200, url
        for address in re.findall(r'(?:src|href)="([^"]+)"', response.text):
            assert address.startswith(("/", "#", "data:")), (url, address)
        assert "default-src 'self'" in response.headers["content-security-policy"]
    for asset in ["/assets/katex/katex.min.js", "/assets/katex/katex.min.css", "/assets/katex/LICENSE",
                  "/assets/katex/fonts/KaTeX_Main-Regular.woff2", "/assets/mathlive/mathlive.min.js",
                  "/assets/mathlive/LICENSE.txt", "/static/app.js", "/static/style.css"]:
        assert visitor.get(asset).status_code == 200, asset


def test_practice_lists_every_part_of_the_guide_and_the_worksheets(visitor):
    _joined(visitor, "Lister")
    page = visitor.get("/practice").text
    for number in range(1, 11):
        assert f'id="part-{number}"' in page
    for generator in GENERATORS.values():
        assert f"/practice/{generator.id}?" in page
    assert "/sheet/one-neuron" in page
    sheet = visitor.get("/sheet/one-neuron")
    assert sheet.status_code == 200 and "/practice/one-neuron?difficulty=" in sheet.text
    assert visitor.get("/sheet/no-such-sheet").status_code == 404


def test_a_topic_without_a_seed_draws_new_numbers(visitor):
    _joined(visitor, "Nina New")
    seeds = set()
    for _ in range(3):
        response = visitor.get("/practice/derivative-power?difficulty=easy", follow_redirects=False)
        assert response.status_code == 303
        seeds.add(re.search(r"seed=([0-9a-f]+)", response.headers["location"]).group(1))
    assert len(seeds) == 3
    page = visitor.get(f"/practice/derivative-power?difficulty=easy&seed={seeds.pop()}")
    assert page.status_code == 200 and "New numbers" in page.text


@pytest.mark.parametrize("url", [
    "/practice/no-such-topic?difficulty=medium&seed=1a",
    "/practice/one-neuron?difficulty=medium&seed=zz",
    "/practice/one-neuron?difficulty=medium&seed=" + "1" * 40,
    "/practice/one-neuron?difficulty=impossible&seed=1a",
    "/practice/one-neuron?difficulty=impossible",
])
def test_a_bad_problem_address_is_a_clear_error(visitor, url):
    _joined(visitor, "Typo Tom")
    response = visitor.get(url)
    assert response.status_code in (400, 404)
    assert "Something is not right" in response.text


def test_every_topic_renders_its_problem(visitor):
    _joined(visitor, "Tour Tara")
    for generator in GENERATORS.values():
        response = visitor.get(f"/practice/{generator.id}?difficulty=medium&seed=2a")
        assert response.status_code == 200, generator.id
        problem = practice_problem(generator.id, "medium", "2a")
        assert response.text.count('class="part-box"') == len(problem.parts)


def test_pages_need_a_student_and_leaving_forgets_them(visitor):
    assert visitor.get("/practice", follow_redirects=False).status_code == 303
    assert visitor.get("/practice/one-neuron", follow_redirects=False).status_code == 303
    _joined(visitor, "Leaving Leo")
    assert visitor.get("/practice").status_code == 200
    assert visitor.form("/leave", {}).status_code == 200
    assert visitor.get("/practice", follow_redirects=False).status_code == 303


# ---------------------------------------------------------------------------
# joining
# ---------------------------------------------------------------------------

def test_joining_a_class_by_its_code(visitor):
    response = visitor.form("/teacher/classes", {"name": "Tuesday club"}, follow_redirects=False)
    assert response.status_code == 303
    code = response.headers["location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"[A-Z2-9]{6}", code)
    # typed in lower case with spaces, as from a board
    response = visitor.join("Ada Lovelace", " ".join(code.lower()))
    assert response.url.path == "/practice"
    assert code in visitor.get("/practice").text
    assert "Ada Lovelace" in visitor.get(f"/teacher/class/{code}").text


@pytest.mark.parametrize("data, status, message", [
    ({"name": "", "class": ""}, 400, "name is missing"),
    ({"name": "x" * 61, "class": ""}, 400, "too long"),
    ({"name": "Ben", "class": "NOPE99"}, 404, "no class with the code NOPE99"),
])
def test_joining_with_bad_details(visitor, data, status, message):
    response = visitor.form("/join", data)
    assert response.status_code == status
    assert message in response.text


def test_the_same_name_in_a_class_is_the_same_student(app):
    with TestClient(app, base_url="http://127.0.0.1") as one, TestClient(app, base_url="http://127.0.0.1") as two:
        first, second = Visitor(one), Visitor(two)
        _joined(first, "Same Sam")
        problem = first.open_problem("derivative-power")
        assert first.check(problem, "b", problem.part("b").answer_latex).json()["verdict"] == "correct"
        _joined(second, "Same  Sam")  # spaces are folded
        assert "1 of 1 answered right" in second.get("/practice").text


# ---------------------------------------------------------------------------
# checking
# ---------------------------------------------------------------------------

def test_right_and_wrong_answers_for_the_guides_neuron(visitor, app):
    _joined(visitor, "Neuron Nora")
    problem = visitor.open_problem("one-neuron")
    part = problem.part("a")
    right = visitor.check(problem, "a", part.answer_latex).json()
    assert right["verdict"] == "correct" and right["read_latex"]
    flipped = r"2\left(y-\hat{y}\right)\sigma(z)\left(1-\sigma(z)\right)x"
    wrong = visitor.check(problem, "a", flipped).json()
    assert wrong["verdict"] == "incorrect"
    assert "sign" in wrong["feedback"].lower()
    # the mistake by the checker's stable name, and in words
    assert wrong["mistake"] == "sign_flipped" and wrong["mistake_text"] == CATALOGUE["sign_flipped"]
    assert "hat{y}" in wrong["read_latex"]
    # the echo of the reading is typeset apart, the rest of the feedback is text and math
    assert all(kind in ("text", "math", "display") for kind, _ in wrong["message"])
    assert not any("We read your answer" in text for _, text in wrong["message"])
    storage = app.state.room.storage
    rows = storage.attempts_of(storage.student(_student_id(app, "Neuron Nora")))
    assert [r.verdict for r in rows] == ["correct", "incorrect"]
    # the page shows the latest verdict again after a reload
    page = visitor.get(f"/practice/one-neuron?difficulty=medium&seed={problem.seed}").text
    assert "incorrect" in page and f"The mistake: {CATALOGUE['sign_flipped']}" in page


def _student_id(app, name):
    storage = app.state.room.storage
    students = storage.class_students(storage.open_class())
    return next(s.id for s in students if s.name == name)


def test_each_mistake_a_key_lists_is_named(visitor):
    """By the checker's stable name: the same mistake has one name in every problem and every topic."""
    _joined(visitor, "Mistaken Max")
    for topic in ("one-neuron", "partial-neuron", "chain-rule"):
        problem = visitor.open_problem(topic)
        for part in problem.parts:
            for mistake in part.entry.mistakes[:2]:
                result = visitor.check(problem, part.label, mistake.latex).json()
                assert result["verdict"] == "incorrect", (topic, part.label, mistake.latex)
                assert result["mistake"] in CATALOGUE, (topic, part.label, result)
                assert result["mistake_text"] == CATALOGUE[result["mistake"]]


HOSTILE = [
    r"\def\x{\x}\x",
    r"\input{/etc/passwd}",
    r"10^{10^{10^{10}}}",
    "9" * 1900,
    r"\frac{" * 40,
    "__import__('os').system('echo hacked')",
    "<script>alert('x')</script>",
    "\x00\x01\x02",
    "x" * 2500,
    r"\begin{matrix}" * 30,
    "((((((((((((((((((((((((((((((((((((((x))))))))))))))))))))))))))))))))))))))",
]


@pytest.mark.parametrize("answer", HOSTILE)
def test_hostile_answers_are_invalid_never_run(visitor, answer):
    _joined(visitor, "Mallory")
    problem = visitor.open_problem("derivative-power")
    response = visitor.check(problem, "a", answer)
    assert response.status_code == 200
    result = response.json()
    assert result["verdict"] in ("invalid", "incorrect")
    if result["verdict"] == "invalid":
        assert result["reason"] or result["feedback"]


def test_an_answer_far_over_the_readers_limit_is_refused_with_the_reason(visitor):
    _joined(visitor, "Long Lou")
    problem = visitor.open_problem("derivative-power")
    response = visitor.check(problem, "a", "x+" * 3000)
    assert response.status_code == 400 and "too long" in response.json()["error"]


def test_hostile_text_is_escaped_on_the_teachers_page(visitor):
    _joined(visitor, "<b>Bold</b>")
    problem = visitor.open_problem("derivative-power")
    visitor.check(problem, "a", "<script>alert('x')</script>")
    page = visitor.get("/teacher/class/open").text
    assert "<script>alert" not in page and "<b>Bold</b>" not in page
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page


@pytest.mark.parametrize("payload, status", [
    ({"topic": "one-neuron", "difficulty": "medium", "seed": "1a", "part": "a"}, 400),               # no answer
    ({"topic": "one-neuron", "difficulty": "medium", "seed": "1a", "part": "q", "answer": "x"}, 400),  # no such part
    ({"topic": "nothing", "difficulty": "medium", "seed": "1a", "part": "a", "answer": "x"}, 400),
    ({"topic": "one-neuron", "difficulty": "medium", "seed": "../../etc", "part": "a", "answer": "x"}, 400),
    ({"topic": "one-neuron", "difficulty": "medium", "seed": "1a", "part": "a", "answer": ["x"]}, 400),
    ({"topic": 7, "difficulty": "medium", "seed": "1a", "part": "a", "answer": "x"}, 400),
])
def test_malformed_checks_are_refused(visitor, payload, status):
    _joined(visitor, "Malformed Mo")
    response = visitor.api("/api/check", payload)
    assert response.status_code == status
    assert response.json()["error"]


def test_a_body_that_is_not_a_json_object(visitor):
    _joined(visitor, "Body Bo")
    headers = {"X-CSRF-Token": visitor.csrf, "Content-Type": "application/json"}
    assert visitor.http.post("/api/check", content=b"{not json", headers=headers).status_code == 400
    assert visitor.http.post("/api/check", content=b"[1, 2]", headers=headers).status_code == 400
    assert visitor.http.post("/api/check", content=b"\xff\xfe", headers=headers).status_code == 400


def test_checks_need_a_student(visitor):
    visitor.get("/")
    response = visitor.api("/api/check", {"topic": "one-neuron", "difficulty": "medium", "seed": "1a",
                                          "part": "a", "answer": "x"})
    assert response.status_code == 401


def test_the_live_preview_reads_without_checking(visitor):
    _joined(visitor, "Preview Pia")
    read = visitor.api("/api/read", {"answer": "2*(yhat - y)"}).json()
    assert "hat{y}" in read["latex"] and "verdict" not in read
    assert "error" in visitor.api("/api/read", {"answer": "x^^^"}).json()
    assert visitor.api("/api/read", {"answer": ""}).json() == {"latex": ""}


def test_the_preview_shows_the_answer_as_the_check_reads_it(visitor):
    """As typed (a product stays a product), with the notes on ambiguous spellings, as the check's echo."""
    _joined(visitor, "Preview Pete")
    problem = visitor.open_problem("one-neuron")
    typed = "2*(yhat - y)*sigmoid(z)*(1 - sigmoid(z))*x"
    preview = visitor.api("/api/read", {"answer": typed}).json()
    check = visitor.check(problem, "a", typed).json()
    assert preview["latex"] == check["read_latex"]
    assert preview["latex"].startswith(r"2 \left(\hat{y} - y\right)")
    # what the math field sends: spaces typed there are \: (a space), never a jump out of the brackets
    field = visitor.api("/api/read", {"answer": r"2\left(yhat\:-\:y\right)"}).json()
    assert field["latex"] == r"2 \left(\hat{y} - y\right)"
    assert visitor.api("/api/read", {"answer": "0,5"}).json()["notes"]


# ---------------------------------------------------------------------------
# hints and steps
# ---------------------------------------------------------------------------

def test_hint_then_step_reveal_the_worked_solution_in_order(visitor):
    _joined(visitor, "Stepping Stu")
    problem = visitor.open_problem("one-neuron")
    part = problem.part("b")
    hint = visitor.reveal(problem, "b", "hint").json()
    assert hint["index"] == 0 and "latex" not in hint and hint["hint"] == part.steps[0].hint
    first = visitor.reveal(problem, "b", "step").json()
    assert first["index"] == 0 and first["latex"] == part.steps[0].latex
    second = visitor.reveal(problem, "b", "step").json()
    assert second["index"] == 1 and second["latex"] == part.steps[1].latex
    page = visitor.get(f"/practice/one-neuron?difficulty=medium&seed={problem.seed}").text
    section = page.split('data-part="b"', 1)[1].split("</section>", 1)[0]
    assert section.count('<li class="step') == 2
    for _ in range(len(part.steps)):
        last = visitor.reveal(problem, "b", "step").json()
    assert last["done"] is True
    assert visitor.reveal(problem, "b", "peek").status_code == 400


def test_steps_come_from_the_derivations_document(visitor):
    problem = practice_problem("one-neuron", "medium", "3b")
    for part in problem.parts:
        assert part.steps, part.label
        assert all(step.latex and step.hint for step in part.steps)


def test_every_hint_names_what_comes_next():
    """A line with no rule of its own is named by its section and what it finds, never "the result"."""
    problem = practice_problem("one-neuron", "medium", "3b")
    assert [step.hint for step in problem.part("a").steps[:3]] == ["The neuron: z", "The neuron: ŷ", "The neuron: L"]
    assert problem.part("a").steps[3].hint.startswith("chain rule")
    for topic in ("backprop-delta", "gradient-step"):
        problem = practice_problem(topic, "medium", "3b")
        for part in problem.parts:
            assert not any(step.hint in ("the result", "find it") for step in part.steps), (topic, part.label)
    updates = [s for s in practice_problem("backprop-weight", "medium", "3b").parts[1].steps
               if s.section == "Update by gradient descent"]
    assert updates and updates[0].hint.startswith("Update by gradient descent: ") and "η" in updates[0].reason


def test_latex_prose_splits_text_and_math():
    pieces = latex_prose(r"Let $f(x) = x^2$ and \[y = 1\] cost 5\% -- done")
    assert pieces == [("text", "Let "), ("math", "f(x) = x^2"), ("text", " and "), ("display", "y = 1"),
                      ("text", " cost 5% – done")]


# ---------------------------------------------------------------------------
# explore
# ---------------------------------------------------------------------------

def test_explore_a_network_with_values(visitor):
    page = visitor.get("/explore?mode=network&net=neuron&wrt=W&at=x%3D2,W%3D0.5,b%3D-1,y%3D1").text
    assert "<svg" in page and 'data-parameter="b"' in page and 'data-name="W"' in page
    for level in (0, 1, 2):
        assert f'id="level-{level}"' in page
    assert "−0.5" in page or "-0.5" in page
    other = visitor.get("/explore?mode=network&net=2-2-1&wrt=w2_1_1").text
    assert 'class="node parameter chosen" data-name="w2_1_1"' in other


def test_explore_an_expression(visitor):
    page = visitor.get("/explore?mode=expression&expr=x%5E2&at=x%3D3").text
    assert 'class="error' not in page and "6" in page
    assert 'id="level-2"' in page
    # x feeds y = x²: the graph has the output, its value, and the edge's local derivative with its number
    assert 'data-name="y"' in page and "y = 9" in page and "∂y/∂x = 2x = 6" in page


def test_the_graph_of_an_expression_runs_to_its_value(visitor):
    """σ(w·x + b): w, x and b feed u = w·x + b, which feeds y = σ(u); each node with ∂y/∂node."""
    page = visitor.get("/explore?mode=expression&expr=sigmoid(w*x%2Bb)&wrt=w&at=w%3D0.5,x%3D2,b%3D-1").text
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    for name in ("w", "x", "b", "u", "y"):
        assert f'data-name="{name}"' in svg, name
    assert "∂y/∂u = σ(u)(1 − σ(u)) = 0.25" in svg and "y = 0.5" in svg
    assert "∂y/∂w = 0.5" in svg and "∂y/∂b = 0.25" in svg
    # the chain of w is drawn thick: w → u → y
    assert svg.count('class="edge on-path"') == 2


@pytest.mark.parametrize("query, message", [
    ("mode=expression&expr=x%5E%5E", "cannot read"),
    ("mode=expression&expr=x%5E2&wrt=q", "unknown variable"),
    ("mode=expression&expr=3", "no variable"),
    ("mode=network&net=100-100-1", "up to"),
    ("mode=network&net=2-2-2-2-2-2", "up to"),
    ("mode=network&net=neuron&wrt=zz", "zz"),
    ("mode=network&net=neuron&at=x%3Dabc", "not a number"),
    ("mode=network&net=banana", ""),
])
def test_explore_bad_input_says_what_is_wrong(visitor, query, message):
    response = visitor.get("/explore?" + query)
    assert response.status_code == 200
    assert 'class="error card"' in response.text
    assert message in response.text.lower() or message in response.text


# ---------------------------------------------------------------------------
# the teacher's view and exports
# ---------------------------------------------------------------------------

def test_the_teacher_sees_attempts_accuracy_mistakes_and_exports(app):
    with TestClient(app, base_url="http://127.0.0.1") as teacher_client, \
            TestClient(app, base_url="http://127.0.0.1") as student_client:
        teacher, student = Visitor(teacher_client), Visitor(student_client)
        code = teacher.form("/teacher/classes", {"name": "Export class"}, follow_redirects=False
                            ).headers["location"].rsplit("/", 1)[1]
        _joined(student, "Grace Hopper", code)
        problem = student.open_problem("one-neuron")
        student.check(problem, "a", problem.part("a").answer_latex)
        mistake = problem.part("b").entry.mistakes[0]
        named = student.check(problem, "b", mistake.latex).json()["mistake"]
        assert named in CATALOGUE
        student.check(problem, "b", "=1+")
        page = teacher.get(f"/teacher/class/{code}").text
        assert "Grace Hopper" in page and "33%" in page and named in page and CATALOGUE[named] in page
        gradebook = teacher.get(f"/teacher/class/{code}/gradebook.csv")
        assert gradebook.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(gradebook.text)))
        assert rows[0][:4] == ["student", "version", "total", "out_of"]
        assert rows[0][4:] == [f"part{n}" for n in range(1, 11)]
        assert rows[1][0] == "Grace Hopper" and rows[1][rows[0].index("part9")] == "0.5"
        attempts = list(csv.DictReader(io.StringIO(teacher.get(f"/teacher/class/{code}/attempts.csv").text)))
        assert [a["verdict"] for a in attempts] == ["correct", "incorrect", "invalid"]
        assert attempts[1]["mistake"] == named
        assert attempts[2]["answer"] == "'=1+"  # a formula-looking cell stays text in a spreadsheet
        assert teacher.get("/teacher/class/NOSUCH").status_code == 404


# ---------------------------------------------------------------------------
# safety: CSRF, tokens, rate and size limits
# ---------------------------------------------------------------------------

def _post_routes(app):
    return [route.path for route in app.routes if "POST" in (getattr(route, "methods", None) or ())]


def test_every_post_needs_the_csrf_token(visitor, app):
    _joined(visitor, "Cross Site")
    routes = _post_routes(app)
    assert set(routes) >= {"/join", "/leave", "/api/check", "/api/reveal", "/api/read", "/teacher/login",
                           "/teacher/logout", "/teacher/classes"}
    for path in routes:
        assert visitor.http.post(path, data={"name": "x"}).status_code == 403, path
        assert visitor.http.post(path, data={"name": "x", "csrf": "forged"}).status_code == 403, path
        assert visitor.http.post(path, json={"answer": "x"}, headers={"X-CSRF-Token": "forged"}).status_code == 403
    # another session's token is not this session's
    with TestClient(app, base_url="http://127.0.0.1") as other_client:
        other = Visitor(other_client)
        other.get("/")
        assert visitor.http.post("/join", data={"name": "x", "csrf": other.csrf}).status_code == 403


def test_a_malformed_form_is_refused(visitor):
    visitor.get("/")
    response = visitor.http.post("/join", content=b"--x\r\nnot a part", headers={
        "Content-Type": "multipart/form-data; boundary=x"})
    assert response.status_code in (400, 403)


def test_away_from_loopback_students_and_teacher_need_their_tokens(tmp_path):
    tokens = {"host": "0.0.0.0", "class_token": "class-secret", "teacher_token": "teacher-secret"}
    with own_room(tmp_path, **tokens) as (app, client):
        v = Visitor(client)
        assert "Class token" in v.get("/").text
        # explore derives for the class only
        assert v.get("/explore?mode=expression&expr=x%5E2", follow_redirects=False).status_code == 303
        assert v.join("Eve", "", token=None).status_code == 403
        assert v.join("Eve", "", token="wrong").status_code == 403
        assert v.join("Eve", "", token="teacher-secret").status_code == 403
        assert v.get("/practice", follow_redirects=False).status_code == 303
        assert v.join("Eve", "", token="class-secret").url.path == "/practice"
        assert "<svg" in v.get("/explore?mode=expression&expr=x%5E2").text
        # the student is no teacher
        assert "Teacher token" in v.get("/teacher").text
        assert v.get("/teacher/class/open").status_code == 401
        assert v.get("/teacher/class/open/gradebook.csv").status_code == 401
        assert v.form("/teacher/classes", {"name": "sneaky"}).status_code == 401
        assert v.form("/teacher/login", {"token": "class-secret"}).status_code == 403
        assert v.form("/teacher/login", {"token": "teacher-secret"}).url.path == "/teacher"
        assert v.get("/teacher/class/open/gradebook.csv").status_code == 200
        # the session cookie (signed, not encrypted) never carries the teacher token itself
        cookie = client.cookies["mathomong"]
        session = base64.b64decode(cookie.split(".")[0] + "==").decode()
        assert "teacher-secret" not in session and '"teacher"' in session
    # a token changed at the next start closes the old teacher sessions
    with own_room(tmp_path, **{**tokens, "teacher_token": "new-teacher-secret"}) as (_, client):
        client.cookies["mathomong"] = cookie
        assert client.get("/teacher/class/open").status_code == 401


def test_a_derivation_typed_on_explore_has_a_time_limit(tmp_path, monkeypatch):
    """Evaluating a deep nest of sigmoids at a point takes minutes: the worker is stopped and the page says why."""
    from mathomong_sym.render import document

    # the test's own line-width check would only slow the worker down further
    monkeypatch.setattr(document, "CHECKS", [])
    deep, shallow = "x", "x"
    for _ in range(23):
        deep = f"σ(x{deep})"
    for _ in range(6):
        shallow = f"σ(x{shallow})"
    product = f"{deep}*{shallow}"
    with own_room(tmp_path, explore_timeout=1.0) as (app, client):
        started = time.monotonic()
        page = client.get("/explore", params={"mode": "expression", "expr": product, "at": "x=0.5"})
        assert time.monotonic() - started < 30
        assert page.status_code == 200 and "takes longer than 1 s" in page.text
        # the next derivation runs in a fresh worker
        assert "<svg" in client.get("/explore?mode=expression&expr=x%5E3").text


def test_new_problems_per_student_are_limited(tmp_path):
    """Drawing a problem (and building a worked solution) costs the server; seeing one again costs nothing."""
    with own_room(tmp_path, problem_rate=0.01, problem_burst=3) as (app, client):
        v = Visitor(client)
        _joined(v, "Greedy Greta")
        assert v.get("/practice/derivative-power?difficulty=easy&seed=a1").status_code == 200
        assert v.get("/practice/derivative-power?difficulty=easy&seed=a2").status_code == 200
        problem = practice_problem("derivative-power", "easy", "a1")
        assert v.reveal(problem, "a", "step").status_code == 200          # builds part a's solution
        refused = v.get("/practice/derivative-power?difficulty=easy&seed=a3")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        fresh = {"topic": "derivative-power", "difficulty": "easy", "seed": "a4", "part": "a", "answer": "x"}
        assert v.api("/api/check", fresh).status_code == 429
        assert v.reveal(problem, "b", "step").status_code == 429          # part b's is not built yet
        # what is drawn and built already is free
        assert v.get("/practice/derivative-power?difficulty=easy&seed=a1").status_code == 200
        assert v.reveal(problem, "a", "step").status_code == 200
        assert v.check(problem, "a", "6*x + 2").status_code == 200


def test_checks_run_in_several_worker_processes(tmp_path):
    """Each problem is given to one lane (one worker process): two problems, two processes, both right."""
    with own_room(tmp_path, workers=2, check_rate=1000, check_burst=1000) as (app, client):
        v = Visitor(client)
        _joined(v, "Parallel Pat")
        checks = app.state.room.checks
        problems = [v.open_problem("derivative-power"), v.open_problem("one-neuron")]
        lanes = [checks._lane(p.key) for p in problems]
        assert lanes[0] is not lanes[1]
        assert set(lanes[0].pool.pids()).isdisjoint(lanes[1].pool.pids())
        for problem in problems:
            part = problem.parts[0]
            assert v.check(problem, part.label, part.answer_latex).json()["verdict"] == "correct"


def test_the_join_address_is_the_one_students_can_reach(tmp_path, monkeypatch):
    """A teacher on the server's own machine (127.0.0.1) gets the join link with the machine's network address."""
    from mathomong_sym.serve import app as room_app

    monkeypatch.setattr(room_app, "network_addresses", lambda: ["192.0.2.7"])
    with own_room(tmp_path, host="0.0.0.0", class_token="class-secret", teacher_token="teacher-secret",
                  base_url="http://127.0.0.1:8080") as (app, client):
        v = Visitor(client)
        v.form("/teacher/login", {"token": "teacher-secret"})
        page = v.get("/teacher/class/open").text
        assert "http://192.0.2.7:8080/?class=open" in page


def test_tokens_are_made_once_and_kept(tmp_path):
    first = make_app(tmp_path, host="0.0.0.0")
    tokens = (first.state.room.class_token, first.state.room.teacher_token)
    first.state.room.close()
    second = make_app(tmp_path, host="0.0.0.0")
    assert (second.state.room.class_token, second.state.room.teacher_token) == tokens
    assert all(len(t) >= 12 for t in tokens) and tokens[0] != tokens[1]
    second.state.room.close()
    loopback = make_app(tmp_path / "other")
    assert loopback.state.room.class_token is None and loopback.state.room.teacher_token is None
    loopback.state.room.close()


def test_requests_over_the_rate_are_refused(tmp_path):
    with own_room(tmp_path, rate=0.01, burst=5) as (app, client):  # no refill while the test runs, however slow
        codes = [client.get("/healthz").status_code for _ in range(8)]
        assert codes[:5] == [200] * 5 and 429 in codes[5:]
        refused = client.get("/healthz")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1


def test_checks_over_the_students_rate_are_refused(tmp_path):
    with own_room(tmp_path, check_rate=0.01, check_burst=2) as (app, client):
        v = Visitor(client)
        _joined(v, "Hasty Hal")
        problem = v.open_problem("derivative-power")
        codes = [v.check(problem, "b", "1").status_code for _ in range(4)]
        assert codes[:2] == [200, 200] and codes[2:] == [429, 429]
        assert len(app.state.room.storage.attempts_of(app.state.room.storage.student(1))) == 2


def test_explorations_and_previews_over_their_rate_are_refused(tmp_path):
    with own_room(tmp_path, explore_rate=0.01, explore_burst=2, check_rate=0.01, check_burst=2) as (app, client):
        v = Visitor(client)
        codes = [v.get(f"/explore?mode=expression&expr=x%5E{k}").status_code for k in (2, 3, 4)]
        assert codes == [200, 200, 429]
        assert v.get("/explore").status_code == 200  # the empty form costs nothing
        _joined(v, "Quick Quinn")
        codes = [v.api("/api/read", {"answer": f"x^{k}"}).status_code for k in range(6)]
        assert codes[:4] == [200] * 4 and 429 in codes[4:]
        # a long answer is refused before it costs a preview
        assert "up to 500" in v.api("/api/read", {"answer": "x+" * 300}).json()["error"]


def test_a_body_over_the_size_limit_is_refused_unread(tmp_path):
    with own_room(tmp_path, max_body=4096) as (app, client):
        v = Visitor(client)
        _joined(v, "Big Bertha")
        problem = v.open_problem("derivative-power")
        assert v.check(problem, "a", "x" * 5000).status_code == 413

        def chunks():  # no Content-Length: the limit still holds
            for _ in range(10):
                yield b"x" * 1000

        response = client.post("/api/check", content=chunks(), headers={"X-CSRF-Token": v.csrf})
        assert response.status_code == 413
        assert v.check(problem, "a", "9*x^2").status_code == 200
