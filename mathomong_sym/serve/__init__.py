"""``mathomong serve``: the practice room, a local web application over the engine.

Needs the ``serve`` extra (Starlette, uvicorn, SQLAlchemy).  ``create_app``
builds the ASGI application from a :class:`ServeConfig`; see ``docs/serve.md``.
"""

from __future__ import annotations

__all__ = ["create_app", "ServeConfig"]


def __getattr__(name):
    # the web framework is imported only when the server is asked for
    if name in __all__:
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
