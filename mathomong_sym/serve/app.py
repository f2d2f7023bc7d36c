"""The practice room's web application (Starlette): pages, the check API, the teacher's view.

``create_app(ServeConfig(...))`` returns an ASGI application; ``mathomong
serve`` runs it with uvicorn.  Pages are rendered on the server from jinja2
templates; small scripts typeset the math (KaTeX), give the answer box its
math field (MathLive) and send checks and reveals as JSON.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from ..check.checker import CheckResult
from ..check.mistakes import CATALOGUE
from ..errors import MathomongError
from ..parsing import MAX_LENGTH, read
from ..printing import to_latex
from . import content, reports
from .checking import CheckService, ExploreService
from .explore import LEVELS
from .security import (CSRF_FIELD, CSRF_HEADER, BodyLimit, ClientRateLimit, RateLimiter, csrf_token, is_loopback,
                       new_token, same_token, valid_csrf)
from .storage import OPEN_CLASS, Storage, database_url, normal_code

__all__ = ["ServeConfig", "create_app", "network_addresses"]

HERE = Path(__file__).parent
ASSETS = HERE.parent / "assets"
_MAX_NAME = 60
_MAX_FIELD = 200
_MAX_PREVIEW = 500


@dataclass
class ServeConfig:
    """How the server runs; the defaults are the single-machine, loopback ones."""

    data_dir: Path = Path("mathomong-data")
    database: str | None = None          # a SQLAlchemy URL; None: SQLite in data_dir
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2                     # checker worker processes
    check_timeout: float = 2.0           # seconds per check
    explore_timeout: float = 5.0         # seconds per derivation typed on the explore page
    class_token: str | None = None
    teacher_token: str | None = None
    require_tokens: bool | None = None   # None: required when host is not loopback
    worksheets: Path | None = None       # a folder of worksheet definitions to practise from
    max_body: int = 64 * 1024            # bytes per request
    rate: float = 30.0                   # requests per second per client address …
    burst: int = 200                     # … in bursts of this many
    check_rate: float = 3.0              # checks per second per student …
    check_burst: int = 15                # … in bursts of this many
    explore_rate: float = 1.0            # derivations explored per second per client address …
    explore_burst: int = 8               # … in bursts of this many
    problem_rate: float = 1.0            # problems drawn (or worked solutions built) per second per student …
    problem_burst: int = 20              # … in bursts of this many
    secure_cookies: bool = False         # set behind an HTTPS proxy
    warm: bool = True                    # read typical answers before the workers start
    extra: dict = field(default_factory=dict)

    @property
    def tokens_required(self) -> bool:
        if self.require_tokens is not None:
            return self.require_tokens
        return not is_loopback(self.host)


class Room:
    """What the handlers share: the database, the checker, the limits and the tokens."""

    def __init__(self, config: ServeConfig):
        self.config = config
        data_dir = Path(config.data_dir)
        if config.database is None:
            data_dir.mkdir(parents=True, exist_ok=True)
        self.storage = Storage(database_url(config.database, data_dir))
        self.secret = self.storage.setting("session_secret", lambda: secrets.token_urlsafe(32))
        required = config.tokens_required
        self.class_token = config.class_token or (self.storage.setting("class_token", new_token) if required else None)
        self.teacher_token = config.teacher_token or (
            self.storage.setting("teacher_token", new_token) if required else None)
        self.worksheets = content.Worksheets(config.worksheets)
        self.check_limit = RateLimiter(config.check_rate, config.check_burst)
        # a preview is asked for as the student types; a derivation to explore can take a second
        self.read_limit = RateLimiter(config.check_rate * 2, config.check_burst * 2)
        self.explore_limit = RateLimiter(config.explore_rate, config.explore_burst)
        # drawing a problem or building a worked solution costs the server a second or so
        self.problem_limit = RateLimiter(config.problem_rate, config.problem_burst)
        self._checks: CheckService | None = None
        self._explores: ExploreService | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Warm the reader and the checker here, then start the workers (which inherit both)."""
        if self.config.warm:
            content.warm_up()
        _ = self.checks  # the first use starts the checker workers
        _ = self.explores  # and the explore workers

    @property
    def checks(self) -> CheckService:
        with self._lock:
            if self._checks is None:
                self._checks = CheckService(self.config.workers, self.config.check_timeout)
            return self._checks

    @property
    def explores(self) -> ExploreService:
        with self._lock:
            if self._explores is None:
                self._explores = ExploreService(self.config.explore_timeout)
            return self._explores

    def teacher_mark(self) -> str | None:
        """What a teacher's session holds: a keyed digest of the teacher token, never the token itself."""
        if self.teacher_token is None:
            return None
        return hmac.new(self.secret.encode("utf-8"), b"teacher:" + self.teacher_token.encode("utf-8"),
                        "sha256").hexdigest()

    def close(self) -> None:
        with self._lock:
            for service in (self._checks, self._explores):
                if service is not None:
                    service.close()
            self._checks = self._explores = None
        self.storage.close()


def network_addresses() -> list[str]:
    """This machine's address on its network (what students type), when it can be found without sending anything."""
    import socket

    try:
        # a UDP socket "connected" to a documentation address picks the outgoing interface; no packet is sent
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            address = probe.getsockname()[0]
    except OSError:
        return []
    return [] if is_loopback(address) else [address]


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _room(request: Request) -> Room:
    return request.app.state.room


def _student(request: Request):
    student_id = request.session.get("student")
    if not isinstance(student_id, int):
        return None
    return _room(request).storage.student(student_id)


def _is_teacher(request: Request) -> bool:
    room = _room(request)
    if room.teacher_token is None:
        return True
    return same_token(request.session.get("teacher"), room.teacher_mark())


def _page(request: Request, name: str, status: int = 200, **context):
    room = _room(request)
    if "student" not in context:
        context["student"] = _student(request)
    context.update(request=request, csrf=csrf_token(request.session), teacher=_is_teacher(request),
                   tokens_required=room.class_token is not None)
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status)


def _error(request: Request, status: int, message: str, headers: Mapping[str, str] | None = None):
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    response = _page(request, "error.html", status, message=message)
    response.headers.update(headers or {})
    return response


async def _form(request: Request) -> dict:
    """The POSTed form, refused with 403 unless it carries the session's CSRF token."""
    try:
        form = await request.form(max_files=0, max_fields=20, max_part_size=MAX_LENGTH * 4)
    except Exception:  # malformed multipart or urlencoded body
        raise HTTPException(400, "The form could not be read.") from None
    if not valid_csrf(request.session, form.get(CSRF_FIELD)):
        raise HTTPException(403, "This form has expired; reload the page and try again.")
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def _json(request: Request) -> dict:
    """The POSTed JSON object, refused with 403 unless the CSRF header matches the session."""
    if not valid_csrf(request.session, request.headers.get(CSRF_HEADER)):
        raise HTTPException(403, "This page has expired; reload it and try again.")
    try:
        data = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise HTTPException(400, "The request is not JSON.") from None
    if not isinstance(data, dict):
        raise HTTPException(400, "The request must be a JSON object.")
    return data


def _text(data: dict, name: str, limit: int = _MAX_FIELD, *, required: bool = True) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise HTTPException(400, f"{name} must be text.")
    value = value.strip()
    if required and not value:
        raise HTTPException(400, f"{name} is missing.")
    if len(value) > limit:
        raise HTTPException(400, f"{name} is too long (at most {limit} characters).")
    return value


async def _problem(request: Request, student, topic: str, difficulty: str, seed: str,
                   status: int = 400) -> content.PracticeProblem:
    """The practice problem (topic, difficulty, seed); drawing a new one counts against the student's limit."""
    if not content.is_drawn(topic, difficulty, seed):
        wait = _room(request).problem_limit.allow(student.id)
        if wait:
            raise _Refused("Too many new problems at once: wait a moment.", wait)
    try:
        return await run_in_threadpool(content.practice_problem, topic, difficulty, seed)
    except MathomongError as exc:
        raise HTTPException(status, str(exc)) from None


async def _asked_problem(request: Request, student, data) -> content.PracticeProblem:
    """The practice problem a script request names."""
    return await _problem(request, student, _text(data, "topic", 64), _text(data, "difficulty", 16),
                          _text(data, "seed", 16))


class _Refused(HTTPException):
    """429: over a limit, with the seconds to wait."""

    def __init__(self, message: str, wait: float):
        super().__init__(429, message, headers={"Retry-After": str(max(1, int(wait + 0.999)))})


def _require_student(request: Request):
    student = _student(request)
    if student is None:
        raise HTTPException(401, "Join a class first.")
    return student


def _require_teacher(request: Request):
    if not _is_teacher(request):
        raise HTTPException(401, "The teacher's pages need the teacher token.")


# ---------------------------------------------------------------------------
# pages: joining
# ---------------------------------------------------------------------------

async def home(request: Request):
    code = request.query_params.get("class", "")[:32]
    return _page(request, "home.html", class_code=code, token=request.query_params.get("token", "")[:64])


async def join(request: Request):
    form = await _form(request)
    room = _room(request)
    name = " ".join(_text(form, "name", _MAX_NAME).split())
    code = _text(form, "class", 32, required=False) or OPEN_CLASS
    if room.class_token is not None and not same_token(form.get("token", "").strip(), room.class_token):
        return _page(request, "home.html", 403, class_code=code, error="That class token is not right: ask your teacher.")
    class_info = await run_in_threadpool(room.storage.class_by_code, code)
    if class_info is None:
        return _page(request, "home.html", 404, class_code=code,
                     error=f"There is no class with the code {normal_code(code)}: check it with your teacher.")
    student = await run_in_threadpool(room.storage.join, class_info, name)
    request.session["student"] = student.id
    return RedirectResponse("/practice", status_code=303)


async def _forget(request: Request, who: str):
    await _form(request)
    request.session.pop(who, None)
    return RedirectResponse("/", status_code=303)


async def leave(request: Request):
    return await _forget(request, "student")


# ---------------------------------------------------------------------------
# pages: practice
# ---------------------------------------------------------------------------

async def practice_index(request: Request):
    student = _student(request)
    if student is None:
        return RedirectResponse("/", status_code=303)
    rows = await run_in_threadpool(_room(request).storage.attempts_of, student)
    return _page(request, "practice.html", student=student, parts=content.parts_of_guide(),
                 progress=reports.progress(rows), sheets=_room(request).worksheets.definitions)


async def practice_topic(request: Request):
    """A problem of the topic: with ``?seed=`` that one, else new numbers (a redirect)."""
    student = _student(request)
    if student is None:
        return RedirectResponse("/", status_code=303)
    topic = request.path_params["topic"]
    difficulty = request.query_params.get("difficulty", "medium")
    seed = request.query_params.get("seed")
    if seed is None:
        try:
            content.check_difficulty(difficulty)
        except MathomongError as exc:
            return _error(request, 400, str(exc))
        url = request.url_for("practice_topic", topic=topic).include_query_params(
            difficulty=difficulty, seed=content.new_seed())
        if "sheet" in request.query_params:
            url = url.include_query_params(sheet=request.query_params["sheet"][:64])
        return RedirectResponse(str(url), status_code=303)
    problem = await _problem(request, student, topic, difficulty, seed[:32], status=404)
    room = _room(request)
    # the student reads the problem while its keys are prepared in the worker that will check it
    room.checks.prepare([part.entry for part in problem.parts], problem.key)
    storage = room.storage
    shown = await run_in_threadpool(storage.revealed, student, problem)
    earlier = await run_in_threadpool(storage.attempts_of, student, problem)
    last = {}
    for row in earlier:
        last[row.question] = row
    return _page(request, "problem.html", student=student, problem=problem, shown=shown, last=last,
                 sheet=request.query_params.get("sheet", "")[:64])


async def sheet(request: Request):
    student = _student(request)
    if student is None:
        return RedirectResponse("/", status_code=303)
    try:
        definition = _room(request).worksheets.get(request.path_params["sheet"])
    except MathomongError as exc:
        return _error(request, 404, str(exc))
    from ..worksheets import GENERATORS

    items = [(spec, GENERATORS[spec.topic]) for spec in definition.problems]
    return _page(request, "sheet.html", student=student, definition=definition, items=items)


# ---------------------------------------------------------------------------
# the API behind the practice page
# ---------------------------------------------------------------------------

async def api_check(request: Request):
    data = await _json(request)
    student = _require_student(request)
    room = _room(request)
    wait = room.check_limit.allow(student.id)
    if wait:
        raise _Refused("Too many checks at once: wait a moment.", wait)
    problem = await _asked_problem(request, student, data)
    try:
        part = problem.part(_text(data, "part", 8))
    except MathomongError as exc:
        raise HTTPException(400, str(exc)) from None
    # the reader refuses an answer over its limit with its own message; a little more is kept to show it
    answer = _text(data, "answer", MAX_LENGTH * 2)
    # waiting for the worker and for the disk holds no thread: a whole class may be waiting at once
    result = CheckResult.from_result(await asyncio.wrap_future(room.checks.submit(answer, part.entry, problem.key)))
    details = result.details
    # the checker's stable name (docs/answer-key-format.md): the same mistake has the same name in every problem
    mistake = details.get("mistake") or ""
    # shielded: a student who leaves the page while the attempt is written still has it written
    attempt = await asyncio.shield(asyncio.wrap_future(room.storage.submit_attempt(
        student, problem, question=part.label, answer=answer, verdict=result.verdict, mistake=mistake,
        read_latex=details.get("read_latex", ""), feedback=result.feedback, score=result.score)))
    return JSONResponse({
        "attempt": attempt,
        "verdict": result.verdict,
        "feedback": result.feedback,
        "message": content.feedback_message(result.feedback, details.get("read_latex", "")),
        "read_latex": details.get("read_latex", ""),
        "read_text": details.get("read_text", ""),
        "mistake": mistake,
        "mistake_text": CATALOGUE.get(mistake, ""),
        "reason": details.get("reason", ""),
        "score": result.score,
        "points": result.points,
    })


async def api_reveal(request: Request):
    """The next hint, or the next line of the worked solution, of one part."""
    data = await _json(request)
    student = _require_student(request)
    kind = _text(data, "kind", 8)
    if kind not in ("hint", "step"):
        raise HTTPException(400, "kind is hint or step.")
    problem = await _asked_problem(request, student, data)
    try:
        part = problem.part(_text(data, "part", 8))
    except MathomongError as exc:
        raise HTTPException(400, str(exc)) from None
    room = _room(request)
    if not part.steps_ready:
        wait = room.problem_limit.allow(student.id)
        if wait:
            raise _Refused("Too many worked solutions at once: wait a moment.", wait)
    storage = room.storage
    shown = (await run_in_threadpool(storage.revealed, student, problem)).get(part.label, {})
    index = shown.get("step", 0)
    try:
        steps = await run_in_threadpool(lambda: part.steps)
    except MathomongError as exc:  # a step that does not hold is never shown
        return JSONResponse({"error": f"The worked solution cannot be shown: {exc}"}, status_code=500)
    if index >= len(steps):
        return JSONResponse({"done": True, "index": index, "total": len(steps)})
    await run_in_threadpool(storage.record_reveal, student, problem, question=part.label, kind=kind, step=index)
    step = steps[index]
    payload = {"done": False, "index": index, "total": len(steps), "kind": kind, "hint": step.hint,
               "reason": step.reason, "depth": step.depth, "section": step.section}
    if kind == "step":
        payload["latex"] = step.latex
    return JSONResponse(payload)


async def api_read(request: Request):
    """How the package's reader reads what is typed so far (the live preview), without checking it.

    The answer is shown as it was typed (2(ŷ − y) stays a product), as the
    check's "We read your answer as" shows it, with what was ignored around
    it and how ambiguous spellings were read.
    """
    data = await _json(request)
    student = _require_student(request)
    text = _text(data, "answer", MAX_LENGTH * 2, required=False)
    if not text:
        return JSONResponse({"latex": ""})
    if len(text) > _MAX_PREVIEW:
        return JSONResponse({"error": f"the preview shows answers of up to {_MAX_PREVIEW} characters"})
    wait = _room(request).read_limit.allow(student.id)
    if wait:
        raise _Refused("Typing faster than the preview: it catches up in a moment.", wait)

    def read_it():
        try:
            reading = read(text)
            return {"latex": to_latex(reading.form), "notes": list(reading.notes), "ignored": list(reading.ignored)}
        except MathomongError as exc:
            return {"error": str(exc)}
        except RecursionError:
            return {"error": "the answer is nested too deeply"}

    return JSONResponse(await run_in_threadpool(read_it))


# ---------------------------------------------------------------------------
# explore
# ---------------------------------------------------------------------------

async def explore(request: Request):
    room = _room(request)
    if room.class_token is not None and _student(request) is None and not _is_teacher(request):
        # on a classroom network the page derives for the class only
        return RedirectResponse("/", status_code=303)
    q = request.query_params
    asks = any(q.get(name, "").strip() for name in ("expr", "net", "wrt", "at"))
    wait = room.explore_limit.allow((request.client or ("", 0))[0]) if asks else 0
    if wait:
        raise _Refused("Too many derivations at once: wait a moment and try again.", wait)
    mode = q.get("mode", "network")
    values = {name: q.get(name, "")[:_MAX_FIELD] for name in ("expr", "net", "wrt", "at", "activation", "loss")}
    try:
        level = int(q.get("level", "1"))
    except ValueError:
        level = 1
    level = level if level in LEVELS else 1
    result, error, task = None, "", None
    if mode == "expression" and values["expr"].strip():
        task = {"mode": "expression", "expr": values["expr"].strip(), "wrt": values["wrt"].strip(),
                "at": values["at"].strip()}
    elif mode == "network":
        task = {"mode": "network", "net": values["net"].strip() or "neuron", "wrt": values["wrt"].strip(),
                "at": values["at"].strip(), "activation": values["activation"] or "sigmoid",
                "loss": values["loss"] or "mse"}
    if task is not None:
        try:
            # in a worker process, with a time and a memory limit: what is typed here can ask for a lot
            result = await run_in_threadpool(room.explores.explore, task)
        except MathomongError as exc:
            error = str(exc)
    return _page(request, "explore.html", mode=mode, values=values, level=level, result=result, error=error,
                 levels=LEVELS)


# ---------------------------------------------------------------------------
# teacher
# ---------------------------------------------------------------------------

async def teacher(request: Request):
    if not _is_teacher(request):
        return _page(request, "teacher_login.html")
    classes = await run_in_threadpool(_room(request).storage.list_classes)
    return _page(request, "teacher.html", classes=[c for c in classes if c.code != OPEN_CLASS] +
                 [c for c in classes if c.code == OPEN_CLASS])


async def teacher_login(request: Request):
    form = await _form(request)
    room = _room(request)
    given = form.get("token", "").strip()
    if room.teacher_token is not None and not same_token(given, room.teacher_token):
        return _page(request, "teacher_login.html", 403, error="That teacher token is not right.")
    request.session["teacher"] = room.teacher_mark()
    return RedirectResponse("/teacher", status_code=303)


async def teacher_logout(request: Request):
    return await _forget(request, "teacher")


async def create_class(request: Request):
    form = await _form(request)
    _require_teacher(request)
    name = _text(form, "name", 100)
    class_info = await run_in_threadpool(_room(request).storage.create_class, name)
    return RedirectResponse(f"/teacher/class/{class_info.code}", status_code=303)


async def _class_data(request: Request):
    _require_teacher(request)
    storage = _room(request).storage
    class_info = await run_in_threadpool(storage.class_by_code, request.path_params["code"][:32])
    if class_info is None:
        raise HTTPException(404, "There is no class with that code.")
    rows = await run_in_threadpool(storage.class_attempts, class_info)
    names = [s.name for s in await run_in_threadpool(storage.class_students, class_info)]
    return class_info, rows, names


async def class_page(request: Request):
    class_info, rows, names = await _class_data(request)
    join_url = request.url_for("home").include_query_params(**{"class": class_info.code})
    if is_loopback(join_url.hostname or "") and not is_loopback(_room(request).config.host):
        # the teacher opened the page on this machine: the students need its address on the network
        addresses = network_addresses()
        if addresses:
            join_url = join_url.replace(hostname=addresses[0])
    return _page(request, "class.html", class_info=class_info, summary=reports.class_summary(rows, names),
                 recent=list(reversed(rows[-20:])), join_url=str(join_url))


async def class_gradebook(request: Request):
    class_info, rows, names = await _class_data(request)
    return _csv(reports.gradebook_csv(rows, names), f"{class_info.code}-gradebook.csv")


async def class_attempts(request: Request):
    class_info, rows, _ = await _class_data(request)
    return _csv(reports.attempts_csv(rows), f"{class_info.code}-attempts.csv")


def _csv(text: str, filename: str) -> Response:
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


async def health(request: Request):
    return PlainTextResponse("ok\n")


# ---------------------------------------------------------------------------
# the application
# ---------------------------------------------------------------------------

async def _http_error(request: Request, exc: HTTPException):
    return _error(request, exc.status_code, exc.detail, exc.headers)


class _Headers:
    """ASGI middleware: the pages load nothing from elsewhere and are never framed."""

    POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
              "font-src 'self' data:; script-src 'self'; media-src 'self'; frame-ancestors 'none'; "
              "form-action 'self'; base-uri 'none'")

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"content-security-policy", self.POLICY.encode()), (b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"same-origin")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(config: ServeConfig | None = None) -> Starlette:
    config = config or ServeConfig()
    room = Room(config)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["feedback_message"] = content.feedback_message
    templates.env.globals["mistake_text"] = lambda name: CATALOGUE.get(name, name.replace("_", " "))
    routes = [
        Route("/", home, name="home"),
        Route("/join", join, methods=["POST"]),
        Route("/leave", leave, methods=["POST"]),
        Route("/practice", practice_index),
        Route("/practice/{topic}", practice_topic, name="practice_topic"),
        Route("/sheet/{sheet}", sheet),
        Route("/api/check", api_check, methods=["POST"]),
        Route("/api/reveal", api_reveal, methods=["POST"]),
        Route("/api/read", api_read, methods=["POST"]),
        Route("/explore", explore),
        Route("/teacher", teacher),
        Route("/teacher/login", teacher_login, methods=["POST"]),
        Route("/teacher/logout", teacher_logout, methods=["POST"]),
        Route("/teacher/classes", create_class, methods=["POST"]),
        Route("/teacher/class/{code}", class_page),
        Route("/teacher/class/{code}/gradebook.csv", class_gradebook),
        Route("/teacher/class/{code}/attempts.csv", class_attempts),
        Route("/healthz", health),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
        Mount("/assets", app=StaticFiles(directory=str(ASSETS)), name="assets"),
    ]
    middleware = [
        Middleware(_Headers),
        Middleware(ClientRateLimit, limiter=RateLimiter(config.rate, config.burst)),
        Middleware(BodyLimit, limit=config.max_body),
        Middleware(SessionMiddleware, secret_key=room.secret, session_cookie="mathomong",
                   same_site="lax", https_only=config.secure_cookies, max_age=60 * 60 * 24 * 180),
    ]

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app):
        await run_in_threadpool(room.start)
        yield
        room.close()

    # Starlette types every handler as taking any Exception (its stub cannot say that a handler is called only
    # with the class it is registered for), so a handler of HTTPException does not fit it
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={HTTPException: _http_error},  # type: ignore[dict-item]
                    lifespan=lifespan)
    app.state.room = room
    app.state.templates = templates
    return app
