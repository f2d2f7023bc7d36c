"""One module per topic of the guide; importing them fills GENERATORS."""

from . import (  # noqa: F401  (imported for their registrations, in the guide's order)
    sensitivity,
    derivatives,
    losses,
    gradient_descent,
    partials,
    chain_rule,
    backprop,
    activations,
    one_neuron,
    landscape,
)
