"""mathomong_sym: the calculus of neural networks, derived symbolically.

Networks are sympy expression trees; the derivative of the loss with respect
to every weight and bias is derived with the chain rule, explained step by
step, compiled to numpy, checked against numeric gradients, printed as
worksheets and used to check students' answers.

The public API is re-exported here.  Submodules are imported on first use,
so ``import mathomong_sym`` stays fast.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> submodule that defines it
_EXPORTS = {
    # errors
    "MathomongError": "errors",
    "UnknownNameError": "errors",
    "IncompatibleError": "errors",
    "ShapeError": "errors",
    "ParseError": "errors",
    "VerificationError": "errors",
    "TrainingError": "errors",
    "GradientCheckError": "errors",
    "ConfigError": "errors",
    # building blocks
    "Activation": "activations",
    "register_activation": "activations",
    "get_activation": "activations",
    "sigmoid": "activations",
    "relu": "activations",
    "leaky_relu": "activations",
    "softplus": "activations",
    "softmax": "activations",
    "step": "activations",
    "Loss": "losses",
    "register_loss": "losses",
    "get_loss": "losses",
    "to_latex": "printing",
    "to_text": "printing",
    "format_number": "printing",
    "render_text": "render",
    "render_latex": "render",
    "render_markdown": "render",
    "render_json": "render",
    "render_dot": "render",
    # networks and their derivations
    "Neuron": "network",
    "MLP": "network",
    "Network": "network",
    "Input": "graph",
    "Dense": "graph",
    "GraphNetwork": "graph",
    "Step": "derivation",
    "Derivation": "derivation",
    "LocalDerivative": "derivation",
    "VerificationReport": "derivation",
    "diff_steps": "calculus",
    # compiled code and numeric checks
    "CompiledNetwork": "compile",
    "numeric_gradient": "gradcheck",
    "complex_step_gradient": "gradcheck",
    "gradient_check": "gradcheck",
    "GradientCheckReport": "gradcheck",
    # training, data, descent, plots
    "train": "training",
    "TrainingResult": "training",
    "GradientDescent": "training",
    "Momentum": "training",
    "Adam": "training",
    "get_optimizer": "training",
    "initial_parameters": "training",
    "Dataset": "datasets",
    "load_dataset": "datasets",
    "load_csv": "datasets",
    "descend": "descent",
    "DescentPath": "descent",
    "plot_loss": "plots",
    "plot_descent": "plots",
    "plot_decision_boundary": "plots",
    "plot_landscape": "plots",
    # worksheets
    "GENERATORS": "worksheets",
    "load_worksheet": "worksheets",
    "build_worksheet": "worksheets",
    "build_all": "worksheets",
    "WorksheetDefinition": "worksheets",
    # reading expressions and checking answers
    "parse_expression": "parsing",
    "check_answer": "check",
    "CheckResult": "check",
    "AnswerKey": "check.key",
    "AnswerEntry": "check.key",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mathomong_sym' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
