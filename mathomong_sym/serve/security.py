"""What keeps the practice room safe on a classroom network.

* Request size: a body larger than the limit is refused with 413 before any
  handler reads it.
* Rate: each client address has a token bucket; a client over its rate gets
  429 with ``Retry-After``.  Checks have a second, smaller bucket per
  student (see :class:`RateLimiter` in the app).
* CSRF: every session has a random token; every form carries it in a hidden
  field and every script request in the ``X-CSRF-Token`` header, and a POST
  without the session's token is refused with 403.
* Tokens: away from loopback the class token lets students in and a separate
  teacher token opens the teacher's pages (compared in constant time).
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import threading
import time

from starlette.responses import PlainTextResponse

__all__ = ["BodyLimit", "RateLimiter", "ClientRateLimit", "csrf_token", "valid_csrf", "same_token",
           "is_loopback", "new_token"]

CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf"


def new_token() -> str:
    return secrets.token_urlsafe(12)


def same_token(given, expected: str | None) -> bool:
    if not expected or not isinstance(given, str):
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def csrf_token(session) -> str:
    token = session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(24)
        session[CSRF_FIELD] = token
    return token


def valid_csrf(session, given) -> bool:
    return same_token(given, session.get(CSRF_FIELD))


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class RateLimiter:
    """Token buckets: *rate* requests a second, bursts of *burst*, per key."""

    def __init__(self, rate: float, burst: int, max_keys: int = 10000):
        self.rate = float(rate)
        self.burst = float(burst)
        self.max_keys = max_keys
        self._buckets: dict = {}
        self._lock = threading.Lock()

    def allow(self, key) -> float:
        """0 when the request may go ahead, else the seconds until it may."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                self._forget_idle(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate

    def _forget_idle(self, now: float) -> None:
        if len(self._buckets) <= self.max_keys:
            return
        full = self.burst / self.rate
        for key, (_, last) in list(self._buckets.items()):
            if now - last > full:
                del self._buckets[key]


def _too_many(wait: float):
    return PlainTextResponse("Too many requests: wait a moment and try again.\n", status_code=429,
                             headers={"Retry-After": str(max(1, int(wait + 0.999)))})


class ClientRateLimit:
    """ASGI middleware: a token bucket per client address for every HTTP request."""

    def __init__(self, app, limiter: RateLimiter):
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.limiter.allow(client)
        if wait:
            return await _too_many(wait)(scope, receive, send)
        return await self.app(scope, receive, send)


class BodyLimit:
    """ASGI middleware: a request body over *limit* bytes is answered with 413, unread."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        refuse = PlainTextResponse(f"The request is too large (the limit is {self.limit // 1024} kB).\n",
                                   status_code=413)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    if int(value) > self.limit:
                        return await refuse(scope, receive, send)
                except ValueError:
                    return await PlainTextResponse("Bad Content-Length.\n", status_code=400)(scope, receive, send)
        # a chunked body has no length up front: read it here, up to the limit, and replay it
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                return await refuse(scope, receive, send)
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        delivered = False

        async def replay():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)
