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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Imported after parsing, so ``--help`` answers without loading the server.
    from ._server import base_url_of, bind_socket, make_server
    from ._state import EmulatorState

    state = EmulatorState(api_keys=args.api_keys, rpm=args.rpm, tpm=args.tpm)
    sock = bind_socket(args.host, args.port)
    # The socket already listens, so a client that reads this line can connect at once.
    print(f"XAI_BASE_URL={base_url_of(sock)}", flush=True)
    server = make_server(state)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
