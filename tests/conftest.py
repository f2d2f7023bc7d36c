import os
import shutil

import pytest

# hypothesis: few examples and no deadline in CI (symbolic work varies a lot in time)
try:
    from hypothesis import settings

    settings.register_profile("ci", max_examples=20, deadline=None, derandomize=True)
    settings.register_profile("dev", max_examples=20, deadline=None)
    settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))
except ImportError:  # pragma: no cover
    pass


def _pdflatex_available() -> bool:
    return shutil.which("pdflatex") is not None


@pytest.fixture(scope="session")
def require_pdflatex():
    """Skip without pdflatex, except under CI=true, where its absence is a failure."""
    if not _pdflatex_available():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("pdflatex is required in CI (apt-get install texlive-latex-extra latexmk)")
        pytest.skip("pdflatex is not installed")
    return shutil.which("pdflatex")


@pytest.fixture(autouse=True)
def every_explanation_reads_in_order():
    """Every document a test builds is read in order (nothing is used before the line that derives it)
    and its text keeps within the line budget."""
    from mathomong_sym.render import document
    from mathomong_sym.render.text import WIDTH, document_text, width

    def check(built):
        problems = document.reading_problems(built)
        assert not problems, problems[:5]
        # and every line of its text fits the budget, worked through or as hints
        for hints in (False, True):
            for line in document_text(built, hints=hints).splitlines():
                assert width(line) <= WIDTH, line

    document.CHECKS.append(check)
    yield
    document.CHECKS.remove(check)


@pytest.fixture
def restore_registries():
    """Activations and losses a test registers (or replaces) are gone after it."""
    from mathomong_sym.activations import ACTIVATIONS
    from mathomong_sym.losses import LOSSES

    saved = [(registry, dict(registry), dict(registry.aliases)) for registry in (ACTIVATIONS, LOSSES)]
    yield
    for registry, items, aliases in saved:
        registry.clear()
        registry.update(items)
        registry.aliases.clear()
        registry.aliases.update(aliases)
