"""``python -m grok_jupyter.emulator``: serve the emulated xAI API until Ctrl-C."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grok_jupyter.emulator",
        description="Serve a local, deterministic emulator of the xAI (Grok) REST API. "
        "Prints XAI_BASE_URL=... and serves until interrupted.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="port to listen on; 0 picks a free one (default: %(default)s)",
    )
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help="accept only this key (repeat for several); default: any key starting with 'xai-'",
    )
    parser.add_argument(
        "--rpm", type=int, default=None, help="enforce this many requests per minute"
    )
    parser.add_argument("--tpm", type=int, default=None, help="enforce this many tokens per minute")
    parser.add_argument(
        "--rate-window",
        choices=("sliding", "smooth"),
        default="sliding",
        help="how --rpm is enforced: any minute holds at most RPM requests (sliding), or a "
        "bucket of one second's worth refilled at RPM/60 per second (smooth) "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--corpus",
        metavar="FOLDER",
        default=None,
        help="a folder with pages.json/posts.json added to the web and X search corpus",
    )
    parser.add_argument(
        "--code-execution",
        choices=("on", "off"),
        default="on",
        help="'on' runs the prompt's fenced Python block on this machine for the "
        "code_interpreter tool, as a cell would; 'off' refuses the tool (default: "
        "%(default)s). Contained: a clean environment (no API key), no access to the "
        "emulator's /proc files, uid nobody when run as root, limits on memory, CPU, "
        "processes and time, every process killed with the request. Not contained: the "
        "network and the files its user may read or write: use 'off' for untrusted prompts",
    )
    parser.add_argument(
        "--allowed-host",
        action="append",
        dest="allowed_hosts",
        default=[],
        metavar="HOST:PORT",
        help="serve this Host header too (repeat for several); by default only the bound "
        "address, localhost, 127.0.0.1 and [::1] with the port are answered, others get 421",
    )
    parser.add_argument(
        "--retired",
        choices=("redirect", "error"),
        default="redirect",
        help="a retired model id: answered by its successor, as the API does, or 404 "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--batch-delay",
        type=float,
        default=None,
        metavar="SECONDS",
        help="seconds before a queued batch request is answered (default: 0.5)",
    )
    parser.add_argument(
        "--max-file-bytes",
        type=int,
        default=None,
        metavar="N",
        help="uploaded files larger than this get 413 (default: 50 MiB)",
    )
    parser.add_argument(
        "--speed",
        default="instant",
        metavar="PROFILE",
        help="how fast answers come: 'instant', 'realistic' (each model's measured time to "
        "first token and tokens per second), or key=value pairs for every model, e.g. "
        "'answer_s=2' (each answer takes exactly 2 s) or 'ttft_s=0.5,tokens_per_s=80' "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--script",
        metavar="FILE.json",
        help="queue exact model turns from a JSON list before serving: each chat or "
        "Responses request takes the next one (text, or {\"tool\": NAME, \"arguments\": "
        "{...}}); see emu.script",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Imported after parsing, so ``--help`` answers without loading the server.
    from ._server import base_url_of, bind_socket, build_state, make_server

    options = {
        name: value
        for name, value in (
            ("batch_delay", args.batch_delay),
            ("max_file_bytes", args.max_file_bytes),
        )
        if value is not None
    }
    try:
        state = build_state(
            api_keys=args.api_keys,
            rpm=args.rpm,
            tpm=args.tpm,
            rate_window=args.rate_window,
            corpus=args.corpus,
            code_execution=args.code_execution,
            retired=args.retired,
            speed=args.speed,
            **options,
        )
    except ValueError as exc:  # a bad --speed: say so as argparse would (exit 2)
        parser.error(str(exc))
    if args.script:
        import json

        try:
            with open(args.script, encoding="utf-8") as handle:
                turns = json.load(handle)
            if not isinstance(turns, list):
                raise ValueError("the file must hold a JSON list of turns")
            state.queue_script(turns)
        except (OSError, ValueError) as exc:
            parser.error(f"--script {args.script}: {exc}")
    sock = bind_socket(args.host, args.port)
    # The socket already listens, so a client that reads this line can connect at once.
    print(f"XAI_BASE_URL={base_url_of(sock)}", flush=True)
    server = make_server(state, allowed_hosts=args.allowed_hosts)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
