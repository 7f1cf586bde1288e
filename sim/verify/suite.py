"""The whole verification suite: ``trustmarket verify``."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.verify.analytic import (
    BASS_PAIRS,
    COLUMNS,
    Check,
    bass_checks,
    bucket_check,
    clv_check,
    reach_checks,
)
from sim.verify.corners import corner_cases
from sim.verify.mechanisms import mechanism_checks
from sim.verify.reference_docking import EQUIVALENCE_SCENARIOS, equivalence


def run_all(quick: bool = False, curves: dict[str, Any] | None = None,
            progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Every check as one table (columns :data:`COLUMNS`).

    ``quick`` runs fewer Bass pairs and replications (the analytic tolerances stay).
    """
    say = progress or (lambda _msg: None)
    rows: list[Check] = []
    say("Bass diffusion")
    rows += bass_checks(pairs=BASS_PAIRS[:1] if quick else BASS_PAIRS, curves=curves)
    say("leaky bucket, lifetime value, word-of-mouth reach")
    rows.append(bucket_check(replications=2 if quick else 4))
    rows.append(clv_check())
    rows += reach_checks()
    say("single mechanisms: trust ladder, churn hazard, reference price, deal dependence")
    rows += mechanism_checks()
    say("corner cases")
    rows += corner_cases()
    for name in EQUIVALENCE_SCENARIOS:
        say(f"docking with the reference model: {name}")
        rows += equivalence(name, replications=30)
    return pd.DataFrame([r.__dict__ for r in rows], columns=COLUMNS)


def bass_figure(curves: Mapping[tuple[float, float], Mapping[str, np.ndarray]]):
    """Simulated vs Bass adoption curves, one panel per (p, q)."""
    import matplotlib.pyplot as plt

    columns = min(3, len(curves))
    rows = -(-len(curves) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(5 * columns, 4 * rows), squeeze=False)
    for ax in axes.flat[len(curves):]:
        ax.set_visible(False)
    for ax, ((p, q), c) in zip(axes.flat, curves.items(), strict=False):
        ax.plot(c["t"], c["continuous"], color="black", lw=1, label="Bass, continuous")
        ax.plot(c["t"], c["weekly"], color="tab:blue", lw=2, alpha=0.7,
                label="simulated, weekly steps")
        ax.plot(c["years"], c["recursion"], "s", mfc="none", color="black",
                label="Bass, discrete recursion")
        ax.plot(c["years"], c["yearly"], "o", color="tab:orange", ms=4,
                label="simulated, yearly steps")
        ax.set(title=f"p = {p}, q = {q}", xlabel="years", ylabel="share adopted", ylim=(0, 1))
        ax.grid(alpha=0.3)
    axes[0][0].legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def format_table(table: pd.DataFrame) -> str:
    """The verification table as aligned text."""
    lines = [f"{'check':<92} {'expected':>10} {'measured':>10} {'s.e.':>8} {'tolerance':>10}"
             "  result"]
    for r in table.itertuples():
        se = f"{r.standard_error:>8.2g}" if np.isfinite(r.standard_error) else f"{'':>8}"
        lines.append(f"{r.check[:92]:<92} {r.expected:>10.4g} {r.measured:>10.4g} {se} "
                     f"{r.tolerance:>10.3g}  {'pass' if r.passed else 'FAIL'}")
    return "\n".join(lines)


def cmd_verify(args: argparse.Namespace) -> int:
    """Run the docking suite; print and write verify.csv and bass.png; exit 1 on a failure."""
    import sys
    import time

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    started = time.perf_counter()
    curves: dict[str, Any] = {}
    table = run_all(quick=args.quick, curves=curves,
                    progress=None if args.quiet else
                    (lambda msg: print(f"... {msg}", file=sys.stderr, flush=True)))
    print(format_table(table))
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "verify.csv", index=False)
    fig = bass_figure(curves)
    fig.savefig(out / "bass.png", dpi=110)
    plt.close(fig)
    failed = int((~table["passed"]).sum())
    print(f"\n{len(table) - failed}/{len(table)} checks passed in "
          f"{time.perf_counter() - started:.0f} s; wrote {out / 'verify.csv'} and "
          f"{out / 'bass.png'}")
    return 1 if failed else 0
