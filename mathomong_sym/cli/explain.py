"""``mathomong explain`` (a derivative, step by step) and ``mathomong derive`` (∂L/∂θ of a network).

Both read everything the user types without evaluating it: the expression
goes through :func:`mathomong_sym.parsing.parse_expression`, the numbers of
``--at`` through :class:`fractions.Fraction`, names are looked up among the
expression's (or the network's) own symbols.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from fractions import Fraction

from ..errors import IncompatibleError, ParseError, UnknownNameError
from .inputs import text_argument
from .limits import add_timeout_option

FORMATS = ("text", "latex", "markdown", "json")
LEVELS = (0, 1, 2)


def register(subparsers) -> None:
    _register_explain(subparsers)
    _register_derive(subparsers)


def _add_output_options(parser, *, example: bool = False) -> None:
    parser.add_argument("--at", action="append", default=[], metavar="NAME=VALUE,…",
                        help="a point: each line is then shown again with its numbers (repeatable)"
                             + ("; --at example draws every value from --seed" if example else ""))
    parser.add_argument("--level", type=int, choices=LEVELS, default=1,
                        help="detail: 0 the chain of named factors (or the outermost rule), "
                             "1 each factor by its rule, 2 the algebra inside each rule (default: 1)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--standalone", action="store_true",
                        help="with --format latex: a complete document pdflatex compiles")
    parser.add_argument("--no-verify", dest="verify", action="store_false",
                        help="skip checking every step against sympy.diff")
    parser.add_argument("--hints", action="store_true",
                        help="text and markdown: each step's hint first, its worked lines after a ▸ "
                             "(markdown: a <details> to open per step)")
    parser.add_argument("--lr", type=float, default=0.1, metavar="η",
                        help="learning rate of the gradient-descent step shown with --at (default: 0.1)")
    add_timeout_option(parser)
    # a failure asked for as JSON answers in the version of the derivation document
    parser.set_defaults(json_format_version=_derivation_format_version)


def _derivation_format_version() -> int:
    from ..render.json_format import FORMAT_VERSION

    return FORMAT_VERSION


def _register_explain(subparsers) -> None:
    p = subparsers.add_parser(
        "explain",
        help="differentiate an expression step by step",
        description="Differentiate an expression step by step, naming the rule of every step, "
                    "optionally with numbers plugged in. The expression may be LaTeX or plain "
                    "calculator syntax (x^2 + 3*y, sigmoid(w*x + b)).",
        epilog="examples:\n"
               "  mathomong explain 'x^2' --wrt x --at x=3\n"
               "  mathomong explain 'sigmoid(w*x + b)' --wrt w --level 2\n"
               "  mathomong explain '\\tanh(x^2)' --format latex --standalone\n"
               "  mathomong explain '(prediction - target)^2' --names prediction,target --wrt prediction\n"
               "  echo 'x^3 + 2x' | mathomong explain -",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("expression", help="the expression, in LaTeX or plain syntax ('-': read it from standard input)")
    p.add_argument("--wrt", metavar="VARIABLE",
                   help="the variable to differentiate by (default: the only variable of the expression)")
    p.add_argument("--syntax", choices=("auto", "latex", "plain"), default="auto",
                   help="how to read the expression (default: auto)")
    p.add_argument("--names", metavar="NAME,…", default="",
                   help="words to read as one name each, never as letters (--names prediction,target)")
    _add_output_options(p)
    p.set_defaults(func=run_explain)


def _register_derive(subparsers) -> None:
    p = subparsers.add_parser(
        "derive",
        help="derive ∂L/∂θ of a network parameter by the chain rule",
        description="Derive the derivative of a network's loss with respect to one weight or bias, "
                    "by the chain rule and backpropagation, every step named and checked.",
        epilog="examples:\n"
               "  mathomong derive --net neuron --wrt W --at x=2,W=0.5,b=-1,y=1\n"
               "  mathomong derive --net neuron:2 --wrt all --at x_1=1,x_2=2,W_1=0.5,W_2=-0.5,b=0,y=1\n"
               "  mathomong derive --net 2-2-1 --activation sigmoid --loss mse --wrt w1_1_1 --level 0\n"
               "  mathomong derive --net 2-2-2 --wrt w1_1_1 --at example --seed 3 --dot",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--net", required=True, metavar="SIZES",
                   help="layer sizes such as 2-2-1, or 'neuron' / 'neuron:N' for the guide's neuron with N inputs")
    p.add_argument("--activation", default="sigmoid", help="hidden activation (default: sigmoid)")
    p.add_argument("--output-activation", default=None,
                   help="output activation of an MLP (default: sigmoid)")
    p.add_argument("--loss", default="mse", help="loss (default: mse)")
    p.add_argument("--wrt", required=True, metavar="PARAMETER",
                   help="the weight or bias, by its plain name (w1_1_1, b2_1; W, b for a neuron), several "
                        "separated by commas, or 'all' for every partial and the gradient")
    p.add_argument("--dot", action="store_true",
                   help="print the computation graph as Graphviz dot (values and gradients with --at)")
    p.add_argument("--seed", type=int, default=0, help="the seed of --at example (default: 0)")
    _add_output_options(p, example=True)
    p.set_defaults(func=run_derive)


# ---------------------------------------------------------------------------
# reading the arguments
# ---------------------------------------------------------------------------

MAX_NUMBER_TEXT = 60


def _fits_a_float(text: str) -> bool:
    """Is *text* a number a float can hold (checked before Fraction builds 10^exponent exactly)?"""
    exponent = re.search(r"[eE]\s*([+-]?\d+)\s*$", text)
    if exponent and abs(int(exponent.group(1))) > 400:
        return False
    try:
        return math.isfinite(float(text))
    except ValueError:
        return True  # not a decimal: Fraction says what is wrong with it


def parse_point(items) -> list[tuple[str, Fraction]]:
    """``["x=2,W=0.5", "b=-1"]`` → [("x", 2), ("W", 1/2), ("b", −1)], read without evaluating anything."""
    pairs = []
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if not part:
                continue
            name, sep, value = part.partition("=")
            name, value = name.strip(), value.strip()
            if not sep or not name or not value:
                raise ParseError(f"--at wants NAME=VALUE, got {part!r}")
            if len(value) > MAX_NUMBER_TEXT or not _fits_a_float(value):
                raise ParseError(f"--at {name}: {value[:40]!r} is beyond the range of numbers "
                                 f"(about ±1.8e308, at most {MAX_NUMBER_TEXT} characters)")
            try:
                number = Fraction(value)
            except (ValueError, ZeroDivisionError):
                raise ParseError(f"--at {name}: {value!r} is not a number") from None
            pairs.append((name, number))
    return pairs


def _point(pairs, allowed: dict, what: str) -> dict:
    import sympy

    point = {}
    for name, number in pairs:
        if name not in allowed:
            raise UnknownNameError(what, name, allowed)
        point[allowed[name]] = sympy.Rational(number.numerator, number.denominator)
    return point


def _variable(expr, wrt: str | None):
    symbols = {s.name: s for s in expr.free_symbols}
    if wrt is None:
        if len(symbols) == 1:
            return next(iter(symbols.values()))
        if not symbols:
            raise ParseError("the expression has no variable to differentiate by")
        raise ParseError(f"the expression has several variables ({', '.join(sorted(symbols))}); "
                         "choose one with --wrt")
    if wrt in symbols:
        return symbols[wrt]
    # the variable may be typed the way it prints (\hat{y}, ŷ, w^{(1)}_{11})
    from ..parsing import parse_expression

    try:
        parsed = parse_expression(wrt)
    except ParseError:
        parsed = None
    if parsed is not None and getattr(parsed, "is_Symbol", False) and parsed.name in symbols:
        return symbols[parsed.name]
    raise UnknownNameError("variable", wrt, symbols) if symbols else \
        ParseError(f"--wrt {wrt!r}: the expression has no variable")


def _render(derivations, args) -> str:
    """One document for *derivations* (one, or several of one network), verified unless --no-verify."""
    from ..derivation import verify_all
    from ..render.document import build_document

    derivations = derivations if isinstance(derivations, list) else [derivations]
    report = verify_all(derivations).raise_if_failed() if args.verify else None
    document = build_document(derivations, args.level, report=report, learning_rate=_learning_rate(args.lr))
    if args.format == "json":
        from ..render.json_format import json_document

        return json.dumps(json_document(document), ensure_ascii=False, indent=2) + "\n"
    if args.format == "text":
        from ..render.text import document_text

        return document_text(document, hints=args.hints)
    if args.format == "markdown":
        from ..render.markdown import document_markdown

        return document_markdown(document, hints=args.hints)
    from ..render.latex import document_latex, standalone_latex

    body = document_latex(document)
    return standalone_latex(body) if args.standalone else body + "\n"


def _learning_rate(value: float):
    import sympy

    if not math.isfinite(value) or value <= 0:
        raise ParseError(f"--lr {value:g}: the learning rate must be a positive number")
    fraction = Fraction(str(value))
    return sympy.Rational(fraction.numerator, fraction.denominator)


def _complete(point: dict, needed, what: str, hint: str = "") -> None:
    """Refuse a point that leaves some of *needed* without a value, naming them."""
    missing = [s.name for s in needed if s not in point]
    if missing and point:
        shown = ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
        raise ParseError(f"--at gives no value for {shown}: every {what} needs one{hint}")


def _emit(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


# ---------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def _read_expression(text: str, syntax: str, names: str):
    """The expression as typed, with the --names words read as one name each."""
    from ..parsing import NotAFormula, parse_expression

    declared = [name.strip() for name in names.split(",") if name.strip()]
    bad = [name for name in declared if not _NAME.fullmatch(name)]
    if bad:
        raise ParseError(f"--names {bad[0]!r}: a name is letters, digits and _, starting with a letter")
    try:
        return parse_expression(text, syntax=syntax, keep_form=True, conventions={"symbols": declared})
    except NotAFormula as exc:
        if not exc.words:
            raise
        which = "it as a name" if len(exc.words) == 1 else "them as names"
        raise ParseError(f"{exc}; to read {which}, give --names {','.join(exc.words)}") from None


def run_explain(args) -> int:
    import sympy

    from ..calculus import diff_steps

    # as typed: x*x stays a product (the product rule), 2(x + 1) a multiple of a sum
    expr = _read_expression(text_argument(args, args.expression, "the expression"), args.syntax, args.names)
    if not isinstance(expr, sympy.Expr):
        raise ParseError("explain needs a single scalar expression")
    variable = _variable(expr, args.wrt)
    pairs = parse_point(args.at)
    derivation = diff_steps(expr, variable)
    if pairs:
        allowed = {s.name: s for s in expr.free_symbols}
        point = _point(pairs, allowed, "variable")
        _complete(point, sorted(expr.free_symbols, key=lambda s: s.name), "variable of the expression")
        derivation = derivation.at(point)
    _emit(_render(derivation, args))
    return 0


def build_network(spec: str, activation: str, output_activation: str | None, loss: str):
    """The network ``--net`` names: ``2-2-1`` (an MLP), ``neuron`` or ``neuron:N``."""
    from ..network import MLP, Neuron

    text = spec.strip().lower()
    if text == "neuron" or text.startswith("neuron:"):
        count = text.partition(":")[2] or "1"
        if not count.isdigit():
            raise ParseError(f"--net {spec!r}: write neuron or neuron:N with N a whole number")
        if output_activation is not None and output_activation != activation:
            raise IncompatibleError("a single neuron has one activation: give it with --activation")
        return Neuron(int(count), activation=activation, loss=loss)
    return MLP(spec, activation=activation, output_activation=output_activation or "sigmoid", loss=loss)


def _parameters(net, wrt: str) -> list:
    """The parameters --wrt names: one, several separated by commas, or 'all'."""
    names = [name.strip() for name in wrt.split(",") if name.strip()]
    if names == ["all"]:
        if net.n_parameters > AT_LIMIT:
            raise IncompatibleError(
                f"--wrt all derives every one of the {net.n_parameters:,} parameters of {net.description} "
                f"(it works up to {AT_LIMIT:,}): name the ones you want, such as --wrt w1_1_1,b1_1")
        return list(net.parameters)
    if not names:
        raise ParseError("--wrt needs a parameter name, several separated by commas, or 'all'")
    chosen = []
    for name in names:
        parameter = net.parameter(name)
        if parameter not in chosen:
            chosen.append(parameter)
    return chosen


#: the most parameters a network may have for --at (each gets a number, printed beside every line)
AT_LIMIT = 1000


def run_derive(args) -> int:
    net = build_network(args.net, args.activation, args.output_activation, args.loss)
    parameters = _parameters(net, args.wrt)
    derivations = [net.derive(p) for p in parameters]
    example = [item.strip() for item in args.at] == ["example"]
    pairs = [] if example else parse_point(args.at)
    if (example or pairs) and net.n_parameters > AT_LIMIT:
        raise IncompatibleError(
            f"--at puts a number into every input, parameter and target, and {net.description} has "
            f"{net.n_parameters:,} parameters (--at works up to {AT_LIMIT:,}): derive it without --at, "
            "or train it (mathomong train) to see its numbers")
    if example:
        from ..derive import example_values

        point = example_values(net, seed=args.seed)
    elif pairs:
        allowed = {s.name: s for s in [*net.inputs, *net.targets, *net.parameters]}
        point = _point(pairs, allowed, "input, target or parameter")
        _complete(point, [*net.inputs, *net.parameters, *net.targets], "input, parameter and target",
                  " (or use --at example)")
    else:
        point = {}
    if point:
        derivations = [d.at(point) for d in derivations]
    if args.dot:
        if len(derivations) > 1:
            raise IncompatibleError("--dot draws the graph of one parameter: give one --wrt")
        from ..render.dot import render_dot

        _emit(render_dot(derivations[0]))
        return 0
    _emit(_render(derivations, args))
    return 0


__all__ = ["register", "run_explain", "run_derive", "parse_point", "build_network"]
