"""``tracegrad data fetch NAME [--cache-dir DIR] [--force]``: download a data set that is
too big to ship into the local cache (`nn.data.fetch`)."""

from __future__ import annotations

import argparse
import os
import sys

from tracegrad.args import Parser, folder_problem, run_error


def run_fetch(parser: Parser, args: argparse.Namespace) -> int:
    """Fetch ``args.name`` into ``args.cache_dir`` (default: $TRACEGRAD_DATA or
    ~/.cache/tracegrad) and print its path; 0, 1 (the download failed) or 130 (Ctrl-C)."""
    from nn.data.cache import data_dir
    from nn.data.fetch import FETCHERS, FetchError

    if problem := folder_problem(data_dir(args.cache_dir)):
        env = os.environ.get("TRACEGRAD_DATA")
        if args.cache_dir is None and env:
            parser.error(f"TRACEGRAD_DATA={env}: {problem}; set it to a folder or give --cache-dir")
        parser.fail("--cache-dir", problem)
    try:
        path = FETCHERS[args.name](args.cache_dir, force=args.force, log=print)
    except KeyboardInterrupt:
        return 130
    except FetchError as err:  # keeps pip's last lines: they say what went wrong
        print(f"tracegrad data fetch {args.name}: error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        return run_error(f"data fetch {args.name}", err)
    print(path)
    return 0
