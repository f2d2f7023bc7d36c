"""``mathomong serve``: the practice room in the browser (needs the ``serve`` extra)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import ConfigError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "serve",
        help="the practice room: problems, instant feedback and a teacher's view, in the browser",
        description="Start the practice room, a local web application: students practise the guide's parts "
                    "with instant feedback and step-by-step solutions; a teacher creates classes and sees "
                    "their progress. Everything it needs is installed with the package (pip install "
                    "'mathomong_sym[serve]'); no internet is needed. See docs/serve.md.",
        epilog="examples:\n"
               "  mathomong serve                                  # http://127.0.0.1:8000, data in ./mathomong-data\n"
               "  mathomong serve --host 0.0.0.0 --port 8080       # a classroom network: tokens are printed\n"
               "  mathomong serve --database postgresql://club@localhost/club --workers 4",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1; any other needs the class and teacher tokens)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--data", default="mathomong-data", metavar="DIR",
                   help="folder of the SQLite database (default: ./mathomong-data)")
    p.add_argument("--database", metavar="URL",
                   help="a database URL instead of SQLite, e.g. postgresql://user:password@host/dbname")
    p.add_argument("--workers", type=int, default=2, help="checker worker processes (default: 2)")
    p.add_argument("--check-timeout", type=float, default=2.0, help="seconds one check may take (default: 2)")
    p.add_argument("--explore-timeout", type=float, default=5.0,
                   help="seconds one derivation typed on the explore page may take (default: 5)")
    p.add_argument("--class-token", help="the token students type to join (default: made once and kept)")
    p.add_argument("--teacher-token", help="the teacher's token (default: made once and kept)")
    p.add_argument("--worksheets", metavar="DIR",
                   help="a folder of worksheet definitions to practise from (default: the club's sheets, installed with the package)")
    p.add_argument("--rate", type=float, default=30.0, help="requests per second per client address (default: 30)")
    p.add_argument("--check-rate", type=float, default=3.0, help="checks per second per student (default: 3)")
    p.add_argument("--max-body", type=int, default=64, metavar="KB", help="largest request body in kB (default: 64)")
    p.add_argument("--no-warm", dest="warm", action="store_false",
                   help="start at once, without reading typical answers first (the first checks are slower)")
    p.add_argument("--proxy", action="store_true",
                   help="behind a reverse proxy on this machine: trust its X-Forwarded-For and mark cookies secure")
    p.set_defaults(func=run_serve)


def build_config(args):
    from ..serve.app import ServeConfig

    if not 0 < args.port < 65536:
        raise ConfigError(f"--port must be 1–65535, not {args.port}")
    if args.workers < 1:
        raise ConfigError("--workers must be at least 1")
    if args.check_timeout <= 0:
        raise ConfigError("--check-timeout must be positive")
    if args.explore_timeout <= 0:
        raise ConfigError("--explore-timeout must be positive")
    if args.max_body < 1:
        raise ConfigError("--max-body must be at least 1 kB")
    from ..worksheets.club import club_folder

    # by default the club's sheets, installed with the package
    worksheets = Path(args.worksheets) if args.worksheets else club_folder()
    if args.worksheets and not worksheets.is_dir():
        raise ConfigError(f"--worksheets {args.worksheets}: no such folder")
    return ServeConfig(
        data_dir=Path(args.data), database=args.database, host=args.host, port=args.port, workers=args.workers,
        check_timeout=args.check_timeout, explore_timeout=args.explore_timeout, class_token=args.class_token, teacher_token=args.teacher_token,
        worksheets=worksheets if worksheets.is_dir() else None, max_body=args.max_body * 1024, rate=args.rate,
        check_rate=args.check_rate, secure_cookies=args.proxy, warm=args.warm,
    )


def run_serve(args) -> int:
    try:
        import uvicorn

        from ..serve.app import create_app
    except ModuleNotFoundError as exc:
        raise ConfigError(f"mathomong serve needs the serve extra ({exc.name} is missing): "
                          "pip install 'mathomong_sym[serve]'") from None
    config = build_config(args)
    app = create_app(config)
    room = app.state.room
    shown_host = "127.0.0.1" if config.host in ("0.0.0.0", "::") else config.host
    if ":" in shown_host:
        shown_host = f"[{shown_host}]"
    print(f"mathomong serve: the practice room is at http://{shown_host}:{config.port}/", flush=True)
    if config.host in ("0.0.0.0", "::"):
        from ..serve.app import network_addresses

        for address in network_addresses():
            print(f"  on the network:          http://{address}:{config.port}/", flush=True)
    print(f"  data: {room.storage.url.split('@')[-1] if config.database else config.data_dir}", flush=True)
    if room.class_token:
        print(f"  class token (students):  {room.class_token}", flush=True)
    if room.teacher_token:
        print(f"  teacher token:           {room.teacher_token}", flush=True)
    print("  stop with Ctrl-C" + (" (warming up the checker first: a few seconds)" if config.warm else ""),
          flush=True)
    uvicorn.run(app, host=config.host, port=config.port, log_level="warning", proxy_headers=args.proxy,
                forwarded_allow_ips="127.0.0.1" if args.proxy else None, server_header=False)
    return 0

