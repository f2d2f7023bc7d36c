r"""The reader's labelled corpus: what people type, and the sympy expression it means, built by hand.

No label here comes from parsing: every meaning is a sympy expression built
from the project's symbols and functions, so the corpus can catch the reader
reading a text wrongly in the same way as the key.  Each ``meaning(...)``
lists the spellings of one expression — plain, LaTeX, Unicode, the teacher's
spaced plain syntax — with the rule of ``docs/reading-answers.md`` it shows
and the near misses it must never be accepted against (``wx^2`` is not
(wx)²).  ``invalid(...)`` lists what must be refused, with a word of the
reason.

:func:`cases` also types every spelling in a few ways the doc says change
nothing: spaces around ``+``/``−`` with a Unicode minus, and math
delimiters around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy
from sympy import Abs, Heaviside, Piecewise, Rational, Tuple, cos, exp, log, pi, sin, sqrt, tanh

from mathomong_sym.activations import leaky_relu, relu, sigmoid
from mathomong_sym.naming import sym

__all__ = ["Case", "cases", "MEANINGS", "INVALID"]

(x, y, z, w, b, h, W, a, c, g, f, p, t, j, theta, e_sym) = (
    sym(n) for n in ("x", "y", "z", "w", "b", "h", "W", "a", "c", "g", "f", "p", "t", "j", "theta", "e"))
yhat, eta, alpha, delta, lam = sym("yhat"), sym("eta"), sym("alpha"), sym("delta"), sym("lambda")
x_1, x_2, x_i, w_1, w_2, b_1, b_2, W_1, W_2 = (sym(n) for n in ("x_1", "x_2", "x_i", "w_1", "w_2", "b_1", "b_2",
                                                                "W_1", "W_2"))
W_12, w_12, x_12, x_21 = sym("W_12"), sym("w_12"), sym("x_12"), sym("x_21")
w2_1_3, w2_1_13, a1_2, a2_1, yhat_1, delta1_1, z1_1 = (sym(n) for n in (
    "w2_1_3", "w2_1_13", "a1_2", "a2_1", "yhat_1", "delta1_1", "z1_1"))
prediction, target = sym("prediction"), sym("target")
s = sigmoid(z)
E = sympy.E
half = Rational(1, 2)


@dataclass(frozen=True)
class Case:
    text: str
    means: object = None          # the sympy expression (None: the text must be refused)
    rule: str = ""
    wrong: tuple = ()             # near misses the text must never be accepted against
    variables: tuple | None = None  # the question's names, when it declares them
    reason: str = ""              # a word of the reason an invalid text is refused
    key: object = None            # the key an invalid text is checked against


MEANINGS: list = []
INVALID: list = []


def meaning(means, texts, rule, wrong=(), variables=None):
    MEANINGS.append((means, tuple(texts), rule, tuple(wrong), variables))


def invalid(texts, reason, key=None, rule="", variables=None):
    INVALID.append((tuple(texts), reason, key if key is not None else x, rule, variables))


# ------------------------------------------------------------------ products and powers

R = "a script takes one token unless braced"
meaning(w * x**2, ["wx^2", "w x^2", "wx^{2}", r"w\cdot x^2", "w*x**2", "wx²", "w·x²", "w*x^2", "x^2w", "x^{2} w"], R,
        wrong=[(w * x)**2, w**2 * x**2])
meaning(a * b**2, ["ab^2", "a b^2", "a*b^2", "ab²", r"a\,b^{2}", "b^2a"], R, wrong=[(a * b)**2, a**2 * b**2])
meaning((a * b)**2, ["(ab)^2", "(a b)^2", "(a*b)**2", r"\left(ab\right)^2", "(ab)²", "a^2b^2", "a^2 b^2"], R,
        wrong=[a * b**2])
meaning(2 * x * y**2, ["2xy^2", "2 x y^2", "2*x*y^2", "2xy²", r"2x\cdot y^2", "2 * x * y**2"], R,
        wrong=[2 * x**2 * y**2, (2 * x * y)**2])
meaning(2 * x**2 * y**2, ["2x^2y^2", "2x^2 y^2", "2(xy)^2", "2x²y²", "2*x^2*y^2"], R, wrong=[2 * x * y**2])
meaning(w**2 * x**2, ["w^2x^2", "(wx)^2", "w²x²", "w^{2}x^{2}"], R, wrong=[w * x**2])
meaning(x_1 * x_2, ["x_1x_2", "x_1 x_2", "x_{1}x_{2}", "x₁x₂", "x1 x2", "x_1*x_2", r"x_1 \cdot x_2", "x₁·x₂"], R,
        wrong=[sym("x_1x_2"), x_12])
meaning(w_2 * h, ["w_2h", "w_2 h", "w_{2}h", "w₂h", "h w_2", "w_2*h"], R, wrong=[sym("w_2h"), w_2])
meaning(w_1 * x_1 + w_2 * x_2 + b, ["w_1x_1+w_2x_2+b", "w_1 x_1 + w_2 x_2 + b", "w₁x₁ + w₂x₂ + b",
                                    "w_1*x_1 + w_2*x_2 + b", r"w_{1}x_{1}+w_{2}x_{2}+b", "b + w_1x_1 + w_2x_2"], R,
        wrong=[w_1 * x_1 + w_2 * x_2, w_1 * x_1 + w_2 * x_1 + b])
meaning(W * yhat, ["Wy_hat", "W y_hat", r"W\hat{y}", "Wŷ", "W*yhat", "y_hat W"], R, wrong=[W * y, sym("Wyhat")])
meaning(x_1**2, ["x^2_1", "x_1^2", "x_{1}^{2}", "x₁²", "(x_1)^2", "x^{2}_{1}"], R, wrong=[x**21, x**2 * 1])
meaning(E**2 * x, ["e^2x", "e^2 x", "x e^2", r"\mathrm{e}^2x", "e²x"], R, wrong=[exp(2 * x)])
meaning(exp(2 * x), ["e^{2x}", "e^(2x)", r"\exp(2x)", "exp(2*x)", r"\mathrm{e}^{2x}", r"e^{2\cdot x}", "exp(2x)"], R,
        wrong=[E**2 * x, exp(x)**3])
meaning(x**23, ["x^23", "x^{23}", "x²³", "x**23"], "a number is one token, all its digits",
        wrong=[3 * x**2, x**2 * 3])
meaning(3 * x**2, ["3x^2", "x^2*3", "3*x**2", "3x²", r"3x^{2}"], "a number is one token", wrong=[x**23])
meaning(W_12 * x_2, ["W_12x_2", "W_{12}x_2", "W_12 x_2", "W₁₂x₂", "W12 x2", "W_{1,2} x_2"], "a number is one token",
        wrong=[2 * W_1 * x_2, sym("W_12x_2")])
meaning(exp(-x), ["e^-x", "e^{-x}", "e^(-x)", r"\exp(-x)", "exp(-x)", "1/e^x", r"\frac{1}{e^x}", "e⁻ˣ"],
        "a sign may lead a script", wrong=[E - x, -exp(x)])
meaning(1 / x, ["x^-1", "x^{-1}", "x**-1", "x⁻¹", "1/x", r"\frac{1}{x}", "x^(-1)"], "a sign may lead a script",
        wrong=[x - 1, -x])
meaning(x**(y**z), ["x^y^z", "x^{y^z}", "x^(y^z)", "x**(y**z)"], "powers stack to the right",
        wrong=[(x**y)**z, x**(y * z)])
meaning(exp(sigmoid(z)), ["e^sigma(z)", r"e^{\sigma(z)}", r"\exp(\sigma(z))", "exp(sigmoid(z))", "e^(sigma(z))"],
        "a script may take a function with its argument", wrong=[E**sigmoid(1) * z, exp(z)])
R = "juxtaposition is a product across spaces, brackets and names"
meaning(2 * (yhat - y) * yhat * (1 - yhat) * x,
        ["2 (yhat - y) yhat (1 - yhat) x", "2(yhat-y)yhat(1-yhat)x", r"2(\hat{y}-y)\hat{y}(1-\hat{y})x",
         "2(ŷ − y)ŷ(1 − ŷ)x", "2 * (yhat - y) * yhat * (1 - yhat) * x", r"2x(\hat y - y)\hat y(1 - \hat y)",
         r"2 \left(\hat{y} - y\right) \hat{y} \left(1 - \hat{y}\right) x", "2 (y_hat - y) y_hat (1 - y_hat) x"], R,
        wrong=[2 * (yhat - y) * yhat * (1 - yhat), 2 * (y - yhat) * yhat * (1 - yhat) * x])
meaning(x * (1 - x), ["x(1-x)", "x (1 - x)", "x*(1-x)", r"x\left(1-x\right)", "x(1 − x)", "(1-x)x", "x - x^2"], R,
        wrong=[1 - x, x - x**3])
meaning(2 * x * (yhat - y), ["2x(yhat-y)", "2x(yhat - y)", r"2x(\hat{y}-y)", "2x(ŷ−y)", "2 x (yhat - y)",
                             "2*x*(yhat-y)", "2(yhat - y)x", "2xyhat - 2xy"], R,
        wrong=[2 * x * (y - yhat), 2 * (yhat - y), 2 * x * yhat - y])
meaning(8 * (4 * x - 2), ["8 (4x - 2)", "8(4x-2)", "8*(4*x - 2)", r"8\left(4x-2\right)", "32x - 16", "8 · (4x − 2)"], R,
        wrong=[8 * (4 * x - 2) + 1, 4 * x - 2])
meaning(2 * s * (1 - s), ["2 sigma(z) (1 - sigma(z))", r"2\sigma(z)(1-\sigma(z))", "2σ(z)(1 − σ(z))",
                          "2*sigmoid(z)*(1 - sigmoid(z))", r"2 \sigma(z) \left(1 - \sigma(z)\right)", "2σ′(z)",
                          r"2\sigma'(z)"], R,
        wrong=[s * (1 - s), 2 * s * (1 + s)])
meaning(2 * (yhat - y), ["2(yhat-y)", "2(yhat - y)", r"2(\hat{y}-y)", "2(ŷ − y)", "2 (y_hat - y)", "2*(yhat - y)",
                         "2yhat - 2y", r"2\hat{y} - 2y", "-2(y - yhat)", r"2\left(\hat{y}-y\right)"], R,
        wrong=[2 * (y - yhat), yhat - y, 2 * yhat - y])
meaning(W * x + b, ["Wx+b", "W x + b", "W*x + b", r"W\cdot x+b", "b + Wx", "W·x + b"], "two letters are two names",
        wrong=[w * x + b, W * x - b])
meaning(w * x, ["wx", "w x", "xw", "w*x", r"w \cdot x", r"w \times x", "w·x", "w×x"], "two letters are two names",
        wrong=[w + x, w * x**2])
meaning(x**2, ["x**2", "x^2", "x²", "x*x", "x x", r"x \cdot x", "x^{2}", "(x)^2"],
        "*, **, \\cdot, \\times, ·, × are spellings of one thing", wrong=[2 * x, x**3])
meaning(2 * x, [r"2 \times x", "2*x", "2x", "2 x", r"2\cdot x", "x*2", "x+x", "2·x", "2×x"],
        "*, **, \\cdot, \\times, ·, × are spellings of one thing", wrong=[x**2, 2 + x])
meaning(w * x * b, ["wxb", "w x b", "w*x*b", "bwx"], "an unknown run splits into declared names",
        wrong=[w * x + b], variables=("w", "x", "b"))

# ------------------------------------------------------------------ names and functions

meaning(w_1 * x, ["w_1(x)", "w_1 (x)", "w_1*x", "w₁(x)", "x w_1"], "a bracket after a name is a product",
        wrong=[w_2 * x, w_1])
meaning(w_2 * x, ["w_2(x)", "w_2 x", "w₂(x)"], "a bracket after a name is a product", wrong=[w_1 * x])
meaning(f * x, ["f(x)", "f (x)", "fx", "f*x"], "a bracket after a name is a product", wrong=[g * x, f + x])
meaning(g * x, ["g(x)", "g x", "xg"], "an undefined function never appears in a reading", wrong=[f * x])
meaning(s * (1 - s), [r"\sigma(z)(1-\sigma(z))", "sigma(z)(1 - sigma(z))", "sigmoid(z)*(1-sigmoid(z))",
                      "σ(z)(1 − σ(z))", r"\sigma'(z)", r"\sigma^\prime(z)", r"\sigma^{\prime}(z)", "σ′(z)",
                      r"\sigma z (1 - \sigma z)", r"\sigma(z) - \sigma(z)^2", r"\sigma(z)-\sigma^2(z)",
                      r"\frac{e^{-z}}{(1+e^{-z})^2}", "exp(-z)/(1 + exp(-z))^2", r"\sigma(z)\sigma(-z)",
                      "sigmoid'(z)", "σ'(z)"],
        "a bracket after a function holds its argument", wrong=[s, s * (1 + s), 1 - s, s**2])
meaning(tanh(z) * x, [r"\tanh(z)(x)", r"\tanh(z) x", "tanh(z)*x", "x tanh(z)", r"x\tanh z"],
        "a bracket after a function holds its argument", wrong=[s * x, tanh(z * x), tanh(z)])
meaning(s * x, [r"\sigma(z)(x)", "sigma(z)(x)", "σ(z)(x)", "σ(z)·x", "x sigmoid(z)"],
        "a bracket after a function holds its argument", wrong=[s * (1 - s) * x, tanh(z) * x, sigmoid(z * x)])
meaning(s * (1 - s) * x, ["σ′(z)(x)", r"\sigma'(z)(x)", r"\sigma'(z) x", "x σ(z)(1 − σ(z))"],
        "a prime on a function belongs to the function", wrong=[s * x, tanh(z) * x])
meaning(sin(2 * x), [r"\sin 2x", r"\sin(2x)", "sin(2x)", "sin(2*x)", r"\sin\left(2x\right)", "2sin(x)cos(x)"],
        "without brackets a function takes the product that follows", wrong=[2 * sin(x), sin(2) * x])
meaning(sin(x) * cos(x), [r"\sin x \cos x", r"\sin(x)\cos(x)", "sin(x) cos(x)", "sin(x)*cos(x)", "sinx cosx",
                          r"\frac{\sin(2x)}{2}"],
        "without brackets a function takes the product that follows", wrong=[sin(x * cos(x)), sin(x) + cos(x)])
meaning(tanh(x)**2, ["tanh^2(x)", r"\tanh^2 x", r"\tanh^{2}(x)", "tanh(x)^2", r"\tanh^2\left(x\right)", "(tanh x)^2",
                     "tanh²(x)", r"\tanh(x)\tanh(x)"],
        "a power on a function name belongs to the function", wrong=[tanh(x**2), tanh(x)])
meaning(sin(x)**2, ["sin^2 x", r"\sin^2 x", r"\sin^2(x)", "sin(x)^2", "sin(x)**2", "1 - cos(x)^2"],
        "a power on a function name belongs to the function", wrong=[sin(x**2), sin(x) * 2])
meaning(1 - tanh(z)**2, [r"\tanh'(z)", r"1-\tanh^2(z)", "1 - tanh(z)^2", r"\operatorname{sech}^2(z)", "sech(z)^2",
                         r"\frac{1}{\cosh^2 z}", "1 − tanh²(z)", r"\tanh^\prime(z)"],
        "a prime on a function belongs to the function", wrong=[1 - tanh(z), 1 + tanh(z)**2])
meaning(Heaviside(z), ["H(z)", r"\theta(z)", "step(z)", "heaviside(z)", r"\operatorname{ReLU}'(z)", "relu'(z)"],
        "H and theta are the step function before a bracket", wrong=[theta * z, relu(z)])
meaning(theta * z, [r"\theta z", "theta z", "θz", "θ z", r"z\theta", "theta*z"],
        "H and theta are the step function only before a bracket", wrong=[Heaviside(z)])
meaning(sigmoid(z), ["sigmoid(z)", "sigma(z)", r"\sigma(z)", "σ(z)", r"\sigma z", r"\frac{1}{1+e^{-z}}",
                     "1/(1 + exp(-z))", r"\sigma\left(z\right)", "Sigmoid(z)"], "known words are functions",
        wrong=[z, tanh(z), sym("sigma") * z])
meaning(eta * x, ["eta x", r"\eta x", "ηx", "η·x", "x eta", r"\eta\cdot x"], "known words are names",
        wrong=[sym("e") * sym("t") * sym("a") * x, x])
meaning(yhat - y, ["y_hat - y", "yhat - y", r"\hat{y}-y", r"\hat y - y", "ŷ − y", "ŷ-y", r"\widehat{y} - y",
                   "-(y - yhat)", "-y + yhat"], "known words are names", wrong=[y - yhat, y * h * a * t - y])
meaning(relu(z), ["relu(z)", "ReLU(z)", r"\operatorname{ReLU}(z)", r"\text{ReLU}(z)", r"\max(0,z)", "max(0, z)",
                  r"\mathrm{ReLU}(z)", r"\begin{cases} z & z > 0 \\ 0 & z \le 0 \end{cases}",
                  "{z if z > 0; 0 otherwise}", "z if z > 0 else 0"],
        "known words are functions", wrong=[z, Abs(z), leaky_relu(z)])
meaning(exp(x), ["exp(x)", r"\exp(x)", "e^x", "e^{x}", r"\mathrm{e}^x", "ℯ^x", r"\exp x"],
        "e is Euler's number", wrong=[e_sym * x, E * x])
meaning(log(x), [r"\ln x", r"\ln(x)", "ln(x)", "ln x", r"\log x", "log(x)", r"\log(x)", "lnx", r"\ln\left(x\right)"],
        "log is the natural logarithm", wrong=[log(x, 10), log(x**2), sym("l") * sym("n") * x])
meaning(log(x), [r"\ln x", "ln(x)", r"\log x"], "a point where the key is defined and the answer is not counts against it",
        wrong=[log(Abs(x)), log(x**2) / 2])
meaning(relu(z), [r"\begin{cases} z & z > 0 \\ 0 & z \le 0 \end{cases}"], "a piecewise answer must cover the key's domain",
        wrong=[Piecewise((z, z > 0)), Abs(z)])
meaning(Piecewise((z, z > 0)), [r"\begin{cases} z & z > 0 \end{cases}", "{z if z > 0}"],
        "a piecewise answer must cover the key's domain", wrong=[relu(z), leaky_relu(z), Abs(z), z])
meaning(log(Abs(x)), [r"\ln|x|", r"\ln\left|x\right|", "ln|x|", "log(abs(x))", r"\ln(|x|)", "ln(abs(x))"],
        "a point where the key is defined and the answer is not counts against it", wrong=[log(x + 1), log(Abs(x)) + 1])
meaning(sqrt(x), [r"\sqrt{x}", "sqrt(x)", "√x", "√(x)", r"\sqrt x", "x^{1/2}", "x^0.5", "x**(1/2)"],
        "known words are functions", wrong=[x / 2, x**2])
meaning(sqrt(x_1), ["√x₁", r"\sqrt x_1", r"\sqrt{x_1}", "sqrt(x_1)"], "a root of one name takes its subscript",
        wrong=[sqrt(x) * 1, sqrt(x)])
meaning(sin(x), ["sinx", r"\sin x", "sin(x)", r"\sin(x)", "sin x"], "a function next to one letter", wrong=[sym("s") * sym("i") * sym("n") * x])
meaning(x * sin(x), ["xsin(x)", r"x\sin x", "x sin(x)", r"x\sin(x)", "sin(x) x"], "a function next to one letter",
        wrong=[sin(x**2), sin(x)])
meaning(x * log(x), ["xlnx", r"x\ln x", "x ln(x)", "x*log(x)", r"x\log(x)"], "a function next to one letter",
        wrong=[log(x**2), log(x)])
meaning((prediction - target)**2, ["(prediction - target)^2", "(prediction-target)**2", "(prediction − target)²",
                                   r"\left(\mathrm{prediction}-\mathrm{target}\right)^2",
                                   r"(\text{prediction} - \text{target})^2"],
        "a declared name is one name", wrong=[(prediction + target)**2, prediction - target],
        variables=("prediction", "target"))
meaning(2 * (prediction - target), ["2(prediction - target)", "2*(prediction-target)", "2 prediction - 2 target"],
        "a declared name is one name", wrong=[prediction - target], variables=("prediction", "target"))
meaning(w2_1_3, [r"w^{(2)}_{13}", r"w^{[2]}_{13}", "w2_1_3", r"w^{(2)}_{1,3}", r"w^{(2)}_{1 3}"],
        "a name is the project's symbol", wrong=[w**2 * sym("w_13"), w2_1_13])
meaning(w2_1_13, [r"w^{(2)}_{1,13}", "w2_1_13"], "a name is the project's symbol", wrong=[w2_1_3])
meaning(a1_2, [r"a^{[1]}_2", r"a^{(1)}_2", r"a^{(1)}_{2}", "a1_2", r"a_2^{(1)}", r"a^{[1]}_{2}"],
        "a^{[l]} is a^{(l)}", wrong=[a2_1, a * sym("a_2"), sym("a_2")])
meaning(a2_1 * (1 - a2_1), [r"a^{[2]}_1(1-a^{[2]}_1)", r"a^{(2)}_1\left(1-a^{(2)}_1\right)", "a2_1(1 - a2_1)"],
        "a^{[l]} is a^{(l)}", wrong=[a1_2 * (1 - a1_2)])
meaning(yhat_1 - sym("y_1"), [r"\hat{y}_1 - y_1", "yhat_1 - y_1", "ŷ₁ − y₁", r"\hat y_1-y_1"],
        "a name is the project's symbol", wrong=[yhat - sym("y_1")])
meaning(delta1_1 * x_1, [r"\delta^{(1)}_1 x_1", "delta1_1 x_1", "delta1_1*x_1", r"x_1\delta^{(1)}_1"],
        "a name is the project's symbol", wrong=[delta * x_1])
meaning(x_1 + x_2, ["x1 + x2", "x_1 + x_2", "x₁ + x₂", "x_{1}+x_{2}"], "x1 is x_1", wrong=[x + 3, x_12])
meaning(w_12, ["w_{1,2}", "w_{12}", "w12", "w_12", "w₁₂", "w_{1, 2}"], "single-digit indices with or without a comma",
        wrong=[w_1 * 2, w_2 * 1, sym("w_21")])
meaning(x_i * j, ["x_ij", "x_i j", "j x_i"], "a subscript is one letter unless braced", wrong=[sym("x_ij")])
meaning(sym("x_ij"), ["x_{ij}", "x_{i j}", "x_{i,j}"], "a subscript is one letter unless braced", wrong=[x_i * j])
meaning(W, ["W"], "case matters", wrong=[w])
meaning(w, ["w"], "case matters", wrong=[W])
meaning(pi * x, [r"\pi x", "pi x", "πx", "π x", "x*pi"], "pi is π", wrong=[p * x, x])
meaning(2 * E - 1, ["2e - 1", r"2\mathrm{e}-1", "2e^{1}-1", "2 e - 1", "2*e - 1", "2ℯ − 1", "2exp(1) - 1"],
        "scientific notation needs no spaces: 2e - 1 is 2e − 1", wrong=[Rational(1, 5), 2 * E + 1])
meaning(leaky_relu(z), ["leaky_relu(z)", r"\operatorname{LReLU}(z)", "LeakyReLU(z)"], "known words are functions",
        wrong=[relu(z)])

# ------------------------------------------------------------------ numbers

R = "a decimal is exact"
meaning(Rational(157, 10000), ["0.0157", ".0157", "157/10000", r"\frac{157}{10000}", "1.57e-2", "0,0157", "1.57 \\times 10^{-2}"],
        R, wrong=[Rational(157, 1000), Rational(16, 1000)])
meaning(Rational(1, 5), ["2e-1", "0.2", "2E-1", "1/5", r"\frac{1}{5}", "0,2", "20e-2", ".2"],
        "scientific notation is a number", wrong=[2 * E - 1, Rational(2, 10) + Rational(1, 100)])
meaning(sympy.Integer(1500), ["1.5e3", "1500", "1.5E3", "15e2", r"1.5 \times 10^3"],
        "scientific notation is a number", wrong=[sympy.Integer(150)])
meaning(Rational(1, 2), ["0,5", "0.5", "½", r"\frac12", r"\frac{1}{2}", r"{1 \over 2}", "1/2", r"\tfrac{1}{2}",
                         r"\dfrac12", "5e-1", "0.50"],
        "a decimal comma where it cannot be a list", wrong=[Rational(5, 10) + Rational(1, 100), Rational(1, 5)])
meaning(x / 2, ["½x", r"\frac x2", r"\frac{x}{2}", "x/2", "0.5x", r"\frac{1}{2}x", "(1/2)x", r"{x \over 2}", "x÷2"],
        "vulgar fractions are numbers", wrong=[1 / (2 * x), 2 * x])
meaning(Rational(5, 2), ["2½", "2.5", "5/2", r"\frac{5}{2}", "2,5"], "vulgar fractions are numbers",
        wrong=[sympy.Integer(1), Rational(5, 4)])
meaning(x**4, ["x⁴", "x^4", "x**4", "x^{4}", "(x^2)^2", "x x x x"], "superscripts are numbers", wrong=[4 * x, x**3])
meaning(Rational(229, 500), [r"\approx 0.458", "≈ 0.458", "= 0.458", "0.458", "approx 0.458", "0.458 (approx.)",
                             "x ≈ 0.458", r"x \approx 0.458"], "what surrounds an answer is stripped",
        wrong=[Rational(458, 100), Rational(23, 50)])
meaning(Rational(8777, 10000), ["0.8777 (4 d.p.)", "0.8777 to 4dp", "0.8777 (to 4 decimal places)", "0.8777.",
                                "0.8777 (4dp)", "≈ 0.8777 (4 d.p.)"], "what surrounds an answer is stripped",
        wrong=[Rational(88, 100), Rational(8777, 1000)])
meaning(Rational(46, 100), ["0.46 (2 s.f.)", "0.46 to 2 s.f.", "0.46"], "what surrounds an answer is stripped",
        wrong=[Rational(47, 100)])
meaning(2 * x, [r"\(2x\)", r"\[2x\]", "$2x$", "$$2x$$", "2x.", "y' = 2x", r"\frac{dy}{dx} = 2x", "= 2x",
                r"\frac{d}{dx}x^2 = 2x"],
        "what surrounds an answer is stripped", wrong=[x**2, 2 + x])
meaning(Rational(143, 50), ["W ← 2.86", "W := 2.86", r"W \leftarrow 2.86", "W = 2.86", "2.86", "W ≔ 2.86"],
        "the left side of an update is stripped", wrong=[Rational(286, 10), Rational(287, 100)])
meaning(2 * (yhat - y) * s * (1 - s) * x,
        [r"\frac{\partial L}{\partial W} = 2(\hat{y}-y)\sigma'(z)x", "∂L/∂W = 2(ŷ − y)σ′(z)x",
         r"\frac{\partial L}{\partial W} \approx 2(\hat{y}-y)\sigma(z)(1-\sigma(z))x"],
        "the left side of an equation is stripped", wrong=[2 * (y - yhat) * s * (1 - s) * x])

meaning(sqrt(x)**2, ["√x²", r"\sqrt x^2", "sqrt(x)^2", r"\left(\sqrt{x}\right)^2", "(√x)²"],
        "a root takes a group, a bracket or one name; a power stays outside", wrong=[Abs(x), sqrt(x)])
meaning(sqrt(x**2), [r"\sqrt{x^2}", "√(x²)", "sqrt(x^2)", "|x|"],
        "a root takes a group, a bracket or one name; a power stays outside", wrong=[x, sqrt(x)])

# ------------------------------------------------------------------ numbers: exact values exactly, rounded by their places

R = "two exact numbers are compared exactly"
s7, t7 = sigmoid(7), tanh(7)
meaning(s7, [r"\sigma(7)", "sigmoid(7)", "σ(7)", r"\frac{1}{1+e^{-7}}", "1/(1 + exp(-7))", r"1 - \sigma(-7)"], R,
        wrong=[t7, sympy.Integer(1), Rational(9991, 10000), sigmoid(8)])
meaning(t7, [r"\tanh(7)", "tanh(7)", r"2\sigma(14) - 1", r"\frac{e^{14}-1}{e^{14}+1}"], R,
        wrong=[s7, sympy.Integer(1), Rational(99999834, 10**8)])
meaning(sympy.Integer(1), ["1", r"\sigma(3) + \sigma(-3)", r"\frac{2}{2}"], R,
        wrong=[tanh(12), s7, sigmoid(20)])
meaning(pi, [r"\pi", "π", "pi", r"4\arctan(1)"], R, wrong=[Rational(22, 7), Rational(157, 50), Rational(355, 113)])
meaning(tanh(40) - 1, [r"\tanh(40) - 1", r"-\frac{2}{e^{80}+1}", "tanh(40) - 1"], R, wrong=[sympy.Integer(0)])
R = "a decimal is the key rounded to its places"
meaning(Rational(9991, 10000), ["0.9991", "≈ 0.9991", "0,9991", "0.9991 (4 d.p.)", "9.991e-1",
                                r"9.991 \times 10^{-1}"], R, wrong=[t7, sympy.Integer(1), Rational(9992, 10000)])
meaning(Rational(999, 1000), ["0.999", "≈ 0.999"], R, wrong=[t7, sympy.Integer(1), Rational(9984, 10000)])
meaning(sympy.Integer(1), ["1.0"], R, wrong=[Rational(94, 100), sympy.Integer(2)])  # 1.0 is σ(20) to one place
meaning(Rational(99909, 100000), ["0.99909", "≈ 0.99909"], R, wrong=[t7, Rational(9990, 10000), Rational(9991, 10000) + Rational(1, 10**4)])
meaning(Rational(99999834, 10**8), ["0.99999834"], R, wrong=[s7, sympy.Integer(1), Rational(999998, 10**6)])
meaning(Rational(1000, 1000), ["1.000"], R, wrong=[s7, Rational(9991, 10000)])
meaning(Rational(6001, 1000), ["6.001", "≈ 6.001"], R, wrong=[sympy.Integer(6)])
meaning(sympy.Integer(6), ["6.000", "6.0000"], R, wrong=[Rational(6001, 1000), Rational(59, 10)])
meaning(sympy.Integer(6), ["6.0"], R, wrong=[Rational(61, 10), Rational(607, 100)])  # 6.0 is 6.001 to one place
meaning(sympy.Integer(6), ["6", r"2 \cdot 3", "12/2"], "two exact numbers are compared exactly",
        wrong=[Rational(6001, 1000), Rational(59, 10)])
meaning(Rational(4576, 10000), ["0.4576", "0,4576", "W ← 0.4576"], R,
        wrong=[sigmoid(Rational(-1, 10)), Rational(46, 100), Rational(4575, 10000), Rational(4577, 10000)])
meaning(Rational(46, 100), ["0.46", "0.46 (2 s.f.)"], R, wrong=[sigmoid(Rational(-17, 100)), Rational(4576, 10000)])
meaning(Tuple(Rational(4576, 10000), Rational(1192, 10000)), ["(0.4576, 0.1192)", "0.4576, 0.1192",
                                                              r"\begin{pmatrix} 0.4576 \\ 0.1192 \end{pmatrix}"], R,
        wrong=[Tuple(sigmoid(Rational(-17, 100)), sigmoid(-1)), Tuple(Rational(46, 100), Rational(12, 100))])

# ------------------------------------------------------------------ whole answers

meaning(Tuple(2 * x, 3 * y), ["(2x, 3y)", "2x, 3y", "[2x, 3y]", r"\begin{pmatrix} 2x \\ 3y \end{pmatrix}",
                              r"\left(2x, 3y\right)", r"\begin{bmatrix} 2x \\ 3y \end{bmatrix}"],
        "a list or vector", wrong=[Tuple(3 * y, 2 * x), Tuple(2 * x, 3 * x)])
meaning(Tuple(1, 2), ["1,2", "(1, 2)", "[1, 2]"], "a comma is a list when the key is one", wrong=[Tuple(1, 3)])
meaning(Piecewise((1, z > 0), (0, True)),
        [r"\begin{cases} 1 & z > 0 \\ 0 & \text{otherwise} \end{cases}", "{1 if z > 0; 0 otherwise}",
         "1 if z > 0 else 0", r"\begin{cases} 1 & \text{if } z > 0 \\ 0 & \text{otherwise} \end{cases}"],
        "a piecewise answer", wrong=[Piecewise((1, z > 0), (Rational(1, 100), True)), sympy.Integer(1)])
meaning(Abs(x), [r"|x|", r"\left|x\right|", "abs(x)", r"\begin{cases} x & x \ge 0 \\ -x & x < 0 \end{cases}",
                 r"\sqrt{x^2}"], "a piecewise answer must cover the key's domain",
        wrong=[x, Piecewise((x, x > 0), (0, True))])

# ------------------------------------------------------------------ the teacher's spaced plain syntax

R = "the teacher's spaced plain syntax"
meaning(2 * (yhat - y) * s * (1 - s) * x, ["2 * (yhat - y) * sigmoid(z) * (1 - sigmoid(z)) * x",
                                         "2 (yhat - y) sigma(z) (1 - sigma(z)) x",
                                         "2 (yhat - y) sigmoid'(z) x", "2 x (yhat - y) sigma(z) (1 - sigma(z))"], R,
        wrong=[2 * (yhat - y) * s * x, (yhat - y) * s * (1 - s) * x])
meaning(W - eta * 2 * (yhat - y) * x, ["W - eta * 2 * (yhat - y) * x", "W - eta 2 (yhat - y) x",
                                      r"W - \eta \cdot 2(\hat{y} - y)x", "W − η·2(ŷ − y)x"], R,
        wrong=[W + eta * 2 * (yhat - y) * x, W - 2 * (yhat - y) * x])
meaning(sigmoid(W * x + b), ["sigmoid(W * x + b)", "sigma(W x + b)", r"\sigma(Wx+b)", "σ(Wx + b)"], R,
        wrong=[sigmoid(W * x) + b, sigmoid(w * x + b)])
meaning((yhat - y)**2, ["(yhat - y)^2", "(yhat - y) ** 2", r"(\hat{y}-y)^2", "(ŷ − y)²", "(y - yhat)^2",
                        r"\left(\hat y - y\right)^{2}"], R, wrong=[yhat**2 - y**2, yhat - y])
meaning(-(y * log(yhat) + (1 - y) * log(1 - yhat)),
        ["-(y log(yhat) + (1 - y) log(1 - yhat))", r"-\left(y\ln\hat{y} + (1-y)\ln(1-\hat{y})\right)",
         r"-y\ln(\hat{y}) - (1-y)\ln(1-\hat{y})", "-y*ln(yhat) - (1 - y)*ln(1 - yhat)"], R,
        wrong=[y * log(yhat) + (1 - y) * log(1 - yhat), -(y * log(yhat))])
meaning(-y / yhat + (1 - y) / (1 - yhat),
        [r"-\frac{y}{\hat{y}} + \frac{1-y}{1-\hat{y}}", "-y/yhat + (1 - y)/(1 - yhat)",
         r"\frac{\hat{y}-y}{\hat{y}(1-\hat{y})}", "(yhat - y)/(yhat (1 - yhat))"], R,
        wrong=[y / yhat + (1 - y) / (1 - yhat), -y / yhat])
meaning(x_1 * W_1 + x_2 * W_2 + b, ["W_1 x_1 + W_2 x_2 + b", "W_1*x_1 + W_2*x_2 + b", "W₁x₁ + W₂x₂ + b",
                                    r"W_{1}x_{1} + W_{2}x_{2} + b"], R, wrong=[W_1 * x_1 + W_2 * x_2])

# ------------------------------------------------------------------ non-answers and what must be refused

invalid(["idk", "IDK", "N/A", "n/a", "?", "??", "none", "no idea", "-", "I don't know", "dunno", "skip", "...", "TBD"],
        "no answer", rule="a non-answer")
invalid(["the derivative is 2x", "see above", "t h e  a n s w e r", "same as before", "it is two x",
         "the answer is x", "not sure, maybe 2x", "see my working", "it equals zero"],
        "words", rule="prose is not a formula")
invalid([r"\text{hello}", r"\text{see above}"], "text", rule="\\text holds words, not names")
invalid(["prediction - y", "(prediction - y)^2", "prediction"], "could not read", key=sym("p") - y,
        rule="an unknown word is not split")
invalid(["2 3", "2 3x", "x 2 3", "x^2 3"], "two numbers", key=6 * x, rule="two numbers side by side")
invalid(["1/2x", "a/bc", "x/2 y", r"1/\sigma(z)(1-\sigma(z))"], "ambiguous", key=x / 2, rule="a division then a product")
invalid([r"\sigma^{-1}(z)", "sigma^-1(z)"], "ambiguous", key=z, rule="an inverse function is ambiguous")
invalid(["1_000", "1_000x"], "subscript", key=1000 * x, rule="no digit separators")
invalid(["1,234", "2,345x"], "ambiguous", key=Rational(1234, 1000), rule="an ambiguous comma")
invalid(["1e400", "1e-400", "2.5e999x"], "floating point", key=x, rule="scientific notation within floating point")
invalid(["x > 0", "x < y", r"x \le 1", "x ≥ 2"], "comparison", key=x, rule="a comparison is not an answer")
invalid([r"\int x dx", r"\sum_{i=1}^n x_i", r"\infty", "∞", r"\pm x", "±x"], "", key=x,
        rule="integrals, sums, infinity and ± are not answers")
invalid([r"\frac{", "(x + 1", "x +", "x + )", "((x)", r"\frac{1}{2", "x^", "x_", "2x))"], "", key=x,
        rule="unbalanced or unfinished")
invalid(["__import__('os').system('true')", "lambda: 0", "eval('1')", "x; import os", "os.system"], "", key=x,
        rule="code is not a formula")
invalid(["1/0", "x/0", r"\frac{1}{0}", "0^{-1}"], "", key=x, rule="division by zero")
invalid([r"\frac{d}{dx}", "∂L/∂W", r"\frac{\partial L}{\partial W}", r"\frac{dy}{dx}"], "derivative",
        key=x, rule="derivative notation on its own is not an answer")
invalid([r"\nabla L", "∇L"], "∇", key=x, rule="derivative notation on its own is not an answer")


# ------------------------------------------------------------------ the cases

_BINARY = re.compile(r"(?<=[\w)}])\s*([+-])\s*(?=[\w(\\])")
_SCIENTIFIC = re.compile(r"\d[eE]-\d")


def _spaced(text: str) -> str | None:
    """*text* with spaces around + and − and a Unicode minus, where that changes no token."""
    if _SCIENTIFIC.search(text) or "_{" in text or text.startswith(("{", "[")) or "\\begin" in text:
        return None
    spaced = _BINARY.sub(lambda m: " + " if m.group(1) == "+" else " − ", text)
    return spaced if spaced != text else None


def _delimited(text: str) -> str | None:
    if text.startswith(("$", "\\(", "\\[", "=", "≈", "\\approx", "approx")) or "=" in text or "←" in text \
            or ":=" in text or "≔" in text or "\\leftarrow" in text or text.endswith("."):
        return None
    return rf"\({text}\)" if "\\" in text else f"${text}$"


@dataclass
class _Builder:
    seen: set = field(default_factory=set)
    out: list = field(default_factory=list)

    def add(self, case: Case):
        marker = (case.text, str(case.means), case.variables)
        if marker not in self.seen:
            self.seen.add(marker)
            self.out.append(case)


def cases() -> list[Case]:
    """Every case: each spelling as written, spaced with a Unicode minus, and between math delimiters."""
    built = _Builder()
    for means, texts, rule, wrong, variables in MEANINGS:
        for text in texts:
            built.add(Case(text, means, rule, wrong, variables))
            for variant in (_spaced(text), _delimited(text)):
                if variant is not None:
                    built.add(Case(variant, means, rule, wrong, variables))
    for texts, reason, key, rule, variables in INVALID:
        for text in texts:
            built.add(Case(text, None, rule, (), variables, reason, key))
            if text not in ("-", "?", "??", "...") and not text.startswith(("$", "\\(")):
                built.add(Case(f"${text}$", None, rule, (), variables, reason, key))
    return built.out
