"""The command that starts the classroom app in the browser."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_app(p: argparse.ArgumentParser) -> None:
    """The arguments of ``trustmarket app``."""
    p.add_argument("scenario", nargs="?", type=Path, default=None,
                   help="scenario file (default: scenarios/leaky_bucket.toml, else the headline)")
    p.add_argument("--host", default="localhost", help="interface to listen on (default localhost)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 for any free)")
    p.add_argument("--offline-assets", action="store_true",
                   help="first fill solara's front-end asset cache from the npm registry "
                        "(for machines that cannot reach its CDN; needs npm)")


def cmd_app(args: argparse.Namespace) -> int:
    """Start the classroom app (a Solara page) in the browser: the leaky bucket, the trust
    ladder, profit and the customer network, with live levers (see docs/classroom.md)."""
    import os
    import subprocess

    from sim.scenario import load_scenario

    if args.scenario is not None:  # a bad file is reported here, not as a blank page
        load_scenario(args.scenario)
    from sim.app.page import SCENARIO_ENV, default_scenario

    scenario = (args.scenario or default_scenario()).resolve()
    load_scenario(scenario)
    if args.offline_assets:
        from sim.app.assets import fill_cache

        fill_cache()
    print(f"trustmarket app: http://{args.host}:{args.port}/  (scenario {scenario}; "
          "Ctrl-C stops it)", flush=True)
    env = {**os.environ, SCENARIO_ENV: str(scenario), "SOLARA_THEME_SHOW_BANNER": "False"}
    command = [sys.executable, "-m", "solara", "run", "sim.app.page", "--host", args.host,
               "--port", str(args.port), "--production", "--no-open"]
    return subprocess.call(command, env=env)
