"""End to end in a real browser: Debian's Chromium driven by Playwright, against `mathomong serve`.

A teacher creates a class; a student joins with its code, answers the guide's
neuron right and wrong (plain typing and the math field), sees the verdicts and
the named mistake, reveals two steps; the teacher sees the attempts.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import Server, in_ci
from mathomong_sym.check.mistakes import CATALOGUE
from mathomong_sym.serve.content import practice_problem

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if in_ci():
            pytest.fail("CI must install Debian's chromium (apt-get install -y chromium)")
        pytest.skip("Debian's chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("room") / "data")
    yield running
    running.stop()


class Watch:
    """What a page asked for outside this server (refused: the network is closed), and what went wrong in it."""

    def __init__(self, page, origin):
        self.outside, self.errors = [], []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        # a vendored file missing (a font, a script) is an error too
        page.on("response", lambda r: r.status >= 400 and self.errors.append(f"{r.status} {r.url}"))

        def route(r):
            if urlparse(r.request.url).netloc != origin and not r.request.url.startswith("data:"):
                self.outside.append(r.request.url)
                return r.abort()
            return r.continue_()

        page.route("**/*", route)


def test_a_student_practises_and_the_teacher_sees_it(browser, server, tmp_path):
    origin = urlparse(server.url).netloc
    shots = Path(os.environ.get("MATHOMONG_SCREENSHOTS", tmp_path))
    teacher = browser.new_context(viewport={"width": 1100, "height": 900})
    student = browser.new_context(viewport={"width": 1000, "height": 900})
    try:
        tpage = teacher.new_page()
        twatch = Watch(tpage, origin)
        tpage.goto(server.url + "/teacher")
        tpage.fill("input[name=name]", "E2E club")
        tpage.click("text=Create class")
        tpage.wait_for_url(re.compile(r".*/teacher/class/[A-Z0-9]{6}$"))
        code = tpage.url.rsplit("/", 1)[1]

        page = student.new_page()
        watch = Watch(page, origin)
        page.goto(server.url + "/")
        page.fill("input[name=name]", "Ada")
        page.fill("input[name=class]", code.lower())
        page.click("text=Start practising")
        page.wait_for_url("**/practice")
        page.click("text=The one-neuron chain rule")
        page.wait_for_selector("math-field")
        seed = re.search(r"seed=([0-9a-f]+)", page.url).group(1)
        problem = practice_problem("one-neuron", "medium", seed)

        part_a = page.locator('section.part-box[data-part="a"]')
        part_a.locator("button.toggle").click()
        box = part_a.locator("textarea.plain")
        box.type("2*(yhat - y)*sigmoid(z)*(1 - sigmoid(z))*x")
        part_a.locator(".preview .katex").wait_for()
        part_a.locator("button.check").click()
        part_a.locator(".result.correct").wait_for()
        assert part_a.locator(".reading .katex").count() == 1

        box.fill("")
        box.type("2*(y - yhat)*sigmoid(z)*(1 - sigmoid(z))*x")
        part_a.locator("button.check").click()
        wrong = part_a.locator(".result.incorrect")
        wrong.wait_for()
        assert "sign" in wrong.inner_text().lower()
        # the named mistake: the checker's stable name, and what it means
        assert part_a.locator(".mistake code").inner_text().strip() == "sign_flipped"
        assert CATALOGUE["sign_flipped"] in part_a.locator(".mistake").inner_text()

        # part b in the math field, typed as a beginner types, spaces and all; the preview reads it as the check
        page.wait_for_function("() => customElements.get('math-field') !== undefined")
        part_b = page.locator('section.part-box[data-part="b"]')
        part_b.locator("math-field").focus()
        page.keyboard.type("2(yhat - y) sigma(z)(1 - sigma(z))")
        part_b.locator(".preview .katex").wait_for()
        part_b.locator("button.check").click()
        part_b.locator(".result.correct").wait_for()

        # part c in the math field, typed key by key
        part_c = page.locator('section.part-box[data-part="c"]')
        part_c.locator("math-field").focus()
        page.keyboard.type(problem.part("c").answer_latex.replace("−", "-"))
        part_c.locator("button.check").click()
        part_c.locator(".result.correct").wait_for()

        # part d on the on-screen keyboard, as on a tablet: its first page has the neuron's names and the digits
        part_d = page.locator('section.part-box[data-part="d"]')
        part_d.locator("math-field").focus()
        page.evaluate("() => window.mathVirtualKeyboard.show()")
        keys = page.locator(".MLK__layer.is-visible .MLK__keycap")
        keys.first.wait_for()
        assert keys.filter(has_text=re.compile(r"^σ\(□\)$")).count() == 1
        for char in problem.part("d").answer_latex:
            keys.filter(has_text=re.compile("^" + re.escape({"-": "−"}.get(char, char)) + "$")).first.click()
        page.evaluate("() => window.mathVirtualKeyboard.hide()")
        part_d.locator("button.check").click()
        part_d.locator(".result.correct").wait_for()

        part_a.locator("button.hint").click()
        part_a.locator("li.hint-only").wait_for()
        part_a.locator("button.next").click()
        part_a.locator("button.next").click()
        steps = part_a.locator("li.step:not(.hint-only)")
        steps.nth(1).wait_for()
        assert steps.count() == 2 and part_a.locator("li.step .line .katex").count() == 2
        assert steps.nth(0).locator(".rule").inner_text() == problem.part("a").steps[0].hint
        page.screenshot(path=str(shots / "student-problem.png"), full_page=True)

        tpage.reload()
        table = tpage.locator("#student-table")
        assert "Ada" in table.inner_text()
        latest = tpage.locator("#latest tbody tr")
        assert latest.count() == 5  # the newest first: d, c, b, then a wrong, a right
        assert "incorrect" in latest.nth(3).inner_text() and "sign_flipped" in latest.nth(3).inner_text()
        assert "correct" in latest.nth(4).inner_text()
        assert CATALOGUE["sign_flipped"] in tpage.locator("body").inner_text()
        tpage.screenshot(path=str(shots / "teacher-class.png"), full_page=True)

        assert not watch.outside and not twatch.outside, watch.outside + twatch.outside
        assert not watch.errors and not twatch.errors, watch.errors + twatch.errors
    finally:
        teacher.close()
        student.close()


def test_explore_follows_a_parameters_chain(browser, server, tmp_path):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    watch = Watch(page, urlparse(server.url).netloc)
    try:
        page.goto(server.url + "/explore?mode=network&net=2-2-1&at=x_1%3D1,x_2%3D0.5,y_1%3D1,w1_1_1%3D0.1,"
                  "w1_1_2%3D-0.2,w1_2_1%3D0.3,w1_2_2%3D0.4,b1_1%3D0,b1_2%3D0.1,w2_1_1%3D0.5,w2_1_2%3D-0.5,"
                  "b2_1%3D0.2")
        page.locator("svg.graph").wait_for()
        page.click('a[data-parameter="w2_1_2"]')
        page.wait_for_url(re.compile(r".*wrt=w2_1_2.*"))
        assert page.locator('g.node.chosen[data-name="w2_1_2"]').count() == 1
        assert page.locator("g.edge.on-path").count() >= 3
        page.click('a[data-level="2"]')
        assert page.locator("#level-2").is_visible() and not page.locator("#level-1").is_visible()
        assert page.locator("#level-2 .katex").count() > 5
        shots = Path(os.environ.get("MATHOMONG_SCREENSHOTS", tmp_path))
        page.screenshot(path=str(shots / "explore.png"), full_page=True)
        assert not watch.outside and not watch.errors, watch.outside + watch.errors
    finally:
        page.close()
