// The practice room's small scripts: typeset math, the answer box, check / hint / next step.
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  function typeset(root) {
    if (!window.katex) return;
    (root || document).querySelectorAll(".tex:not(.done)").forEach(function (el) {
      const source = el.textContent;
      try {
        katex.render(source, el, {displayMode: el.classList.contains("display"), throwOnError: false,
                                  strict: "ignore", trust: false, maxSize: 20, maxExpand: 200});
      } catch (e) {
        el.textContent = source;
      }
      el.classList.add("done");
    });
  }

  function make(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function tex(latex, display) {
    const el = make("span", "tex" + (display ? " display" : ""), latex);
    return el;
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify(body)
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = {error: "The server did not answer (" + response.status + ")."}; }
    if (!response.ok && !data.error) data.error = "The server said " + response.status + ".";
    return data;
  }

  // -- the practice page ------------------------------------------------------
  function setUpPart(problem, box) {
    const ids = {topic: problem.dataset.topic, difficulty: problem.dataset.difficulty, seed: problem.dataset.seed,
                 part: box.dataset.part};
    const form = box.querySelector("form.answer");
    const field = box.querySelector("math-field");
    const plain = box.querySelector("textarea.plain");
    const preview = box.querySelector(".preview");
    const verdict = box.querySelector(".verdict");
    const steps = box.querySelector("ol.steps");
    const left = box.querySelector(".steps-left");
    let usePlain = !window.customElements || !customElements.get("math-field");
    let previewTimer = null;

    function showPlain(on) {
      usePlain = on;
      plain.hidden = !on;
      if (field) field.hidden = on;
      box.querySelector(".toggle").textContent = on ? "use the math field" : "type as text";
      preview.textContent = "";
      (on ? plain : field).focus();
    }
    if (usePlain) showPlain(true);

    function answer() {
      return usePlain ? plain.value : (field ? field.value : "");
    }

    box.querySelector(".toggle").addEventListener("click", function () { showPlain(!usePlain); });

    // live preview of what is typed (plain or in the math field), as the package's reader reads it
    function schedulePreview() {
      clearTimeout(previewTimer);
      previewTimer = setTimeout(async function () {
        const text = answer();
        if (!text.trim()) { preview.textContent = ""; return; }
        const data = await post("/api/read", {answer: text});
        if (answer() !== text) return;
        preview.replaceChildren();
        if (data.latex) {
          preview.append("Reads as ", tex(data.latex, false));
          const notes = (data.ignored || []).map(function (i) { return "ignoring " + i; })
            .concat((data.notes || []).map(function (n) { return "reading " + n; }));
          if (notes.length) preview.append(make("span", "muted", " (" + notes.join("; ") + ")"));
          typeset(preview);
        } else if (data.error) {
          preview.append(make("span", "muted", data.error));
        }
      }, 250);
    }
    plain.addEventListener("input", schedulePreview);
    if (field) field.addEventListener("input", schedulePreview);
    plain.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    });
    if (field) {
      field.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); form.requestSubmit(); }
      });
    }

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const text = answer();
      if (!text.trim()) { (usePlain ? plain : field).focus(); return; }
      const button = form.querySelector("button.check");
      button.disabled = true;
      verdict.replaceChildren(make("p", "muted", "Checking…"));
      let data;
      try {
        data = await post("/api/check", Object.assign({answer: text}, ids));
      } finally {
        button.disabled = false;
      }
      verdict.replaceChildren();
      if (data.error) { verdict.append(make("p", "error", data.error)); return; }
      const result = make("div", "result " + data.verdict);
      result.append(make("strong", "label", data.verdict));
      if (data.read_latex) {
        const reading = make("div", "reading", "We read your answer as ");
        reading.append(tex(data.read_latex, false));
        result.append(reading);
      }
      const message = make("p", "feedback");
      (data.message || [["text", data.feedback]]).forEach(function (piece) {
        message.append(piece[0] === "text" ? document.createTextNode(piece[1]) : tex(piece[1], piece[0] === "display"));
      });
      result.append(message);
      if (data.mistake) {
        const mistake = make("p", "mistake", "The mistake: " + (data.mistake_text || data.mistake) + " ");
        mistake.append(make("code", "", data.mistake));
        result.append(mistake);
      }
      verdict.append(result);
      typeset(verdict);
    });

    async function reveal(kind) {
      const data = await post("/api/reveal", Object.assign({kind: kind}, ids));
      if (data.error) { left.textContent = data.error; return; }
      if (data.done) { left.textContent = "The whole worked solution is shown."; return; }
      const pending = steps.querySelector("li.hint-only");
      if (pending) pending.remove();
      const item = make("li", "step depth-" + data.depth + (kind === "hint" ? " hint-only" : ""));
      item.append(make("span", "rule", data.hint));
      if (data.reason) item.append(make("span", "reason", data.reason));
      if (data.latex) {
        const line = make("div", "line");
        line.append(tex(data.latex, true));
        item.append(line);
      }
      steps.append(item);
      typeset(item);
      const remaining = data.total - data.index - (kind === "step" ? 1 : 0);
      left.textContent = remaining > 0 ? remaining + " step" + (remaining === 1 ? "" : "s") + " left in the worked solution"
                                       : "The whole worked solution is shown.";
    }
    box.querySelector("button.hint").addEventListener("click", function () { reveal("hint"); });
    box.querySelector("button.next").addEventListener("click", function () { reveal("step"); });
  }

  function setUpPractice() {
    const problem = document.querySelector("article.problem");
    if (!problem) return;
    if (window.MathfieldElement) {
      MathfieldElement.fontsDirectory = "/assets/mathlive/fonts";
      MathfieldElement.soundsDirectory = null;
    }
    if (window.mathVirtualKeyboard) {
      // the keys the guide's answers need first; MathLive's numbers and Greek letters after them
      window.mathVirtualKeyboard.layouts = [{
        label: "σ ŷ", tooltip: "the neuron's names",
        rows: [
          ["\\hat{y}", "y", "x", "W", "b", "z", "w", "[separator]", "7", "8", "9", "\\frac{#@}{#?}"],
          [{latex: "\\sigma(#0)", label: "σ(□)"}, {latex: "\\sigma'(#0)", label: "σ′(□)"},
           {latex: "\\tanh(#0)", label: "tanh"}, {latex: "e^{#0}"},
           {latex: "\\ln(#0)", label: "ln"}, "(", ")", "[separator]", "4", "5", "6", "\\cdot"],
          ["#@^{2}", "#@^{#?}", "#@_{#?}",
           "\\delta", "\\eta", "L", "a", "[separator]", "1", "2", "3", "-"],
          ["[left]", "[right]", "[backspace]", "[hide-keyboard]", "[separator]", "0", ".", "+"]
        ]
      }, "numeric", "greek"];
    }
    // a space typed in the math field is a space (the reader ignores it), not a jump out of the brackets:
    // "2(y - 1)" must not become 2(y) − 1)
    problem.querySelectorAll("math-field").forEach(function (field) { field.mathModeSpace = "\\:"; });
    problem.querySelectorAll("section.part-box").forEach(function (box) { setUpPart(problem, box); });
  }

  // -- explore ------------------------------------------------------------------
  function setUpExplore() {
    const form = document.getElementById("explore-form");
    if (!form) return;
    document.querySelectorAll(".levels a[data-level]").forEach(function (tab) {
      tab.addEventListener("click", function (event) {
        event.preventDefault();
        document.querySelectorAll(".levels a").forEach(function (t) { t.classList.toggle("active", t === tab); });
        document.querySelectorAll("ol.derivation").forEach(function (list) {
          list.hidden = list.id !== "level-" + tab.dataset.level;
        });
        form.querySelector('input[name="level"]').value = tab.dataset.level;
      });
    });
    document.querySelectorAll(".graph-box a[data-parameter]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        form.querySelector('input[name="wrt"]').value = link.dataset.parameter;
        form.submit();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    typeset(document);
    setUpPractice();
    setUpExplore();
  });
})();
