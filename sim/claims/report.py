"""The claims report: evaluate the catalogue, print the table, write claims.csv,
claims.md and the figures (``trustmarket claims``)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.claims.assumptions import assumption_lines
from sim.claims.catalogue import CLAIMS
from sim.claims.profit import ADAPTIVE_MIN_REPLICATIONS
from sim.claims.runner import FULL, QUICK, SCENARIO_DIR, ClaimRunner, Size
from sim.claims.verdicts import CSV_COLUMNS, MOSTLY, Claim, ClaimResult, Finding, combine


# --------------------------------------------------------------------------- the report
@dataclass
class ClaimsReport:
    """Every claim's result, in order."""

    results: dict[str, ClaimResult]
    size: Size
    seconds: float

    def table(self) -> pd.DataFrame:
        """One row per finding plus one summary row per claim (the claim's verdict)."""
        rows = []
        for claim in CLAIMS:
            if claim.key not in self.results:
                continue
            found = self.results[claim.key].findings
            rows += [f.as_row() for f in found]
            rows.append(summary_finding(claim, found).as_row())
        return pd.DataFrame(rows, columns=list(CSV_COLUMNS))


def summary_finding(claim: Claim, findings: Sequence[Finding]) -> Finding:
    """The claim's own row: the share of its tests that hold, the combined verdict, and
    the conditions under which its tests held and failed."""
    verdicts = [f.verdict for f in findings]
    groups = {v: list(dict.fromkeys(f.conditions for f in findings if f.verdict == v))
              for v in ("holds", "fails", "inconclusive")}
    verdict = combine(verdicts)
    conditions = " | ".join(f"{v}: " + "; ".join(c) for v, c in groups.items() if c)
    share = float(np.mean([v == "holds" for v in verdicts])) if verdicts else np.nan
    return Finding(claim.key, claim.source, f"CLAIM: {claim.statement} (share of its "
                   f"{len(verdicts)} tests that hold)", share, np.nan, np.nan, verdict,
                   conditions)


def evaluate_claims(runner: ClaimRunner, only: Sequence[str] | None = None) -> ClaimsReport:
    """Evaluate the claims (all, or those whose keys are in ``only``)."""
    start = time.perf_counter()
    unknown = set(only or ()) - {c.key for c in CLAIMS}
    if unknown:
        raise ValueError(f"unknown claim(s) {sorted(unknown)}; known: "
                         f"{', '.join(c.key for c in CLAIMS)}")
    results = {}
    for claim in CLAIMS:
        if only and claim.key not in only:
            continue
        runner.log(f"{claim.key}:")
        results[claim.key] = claim.evaluate(claim, runner)
    return ClaimsReport(results, runner.size, time.perf_counter() - start)


def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


#: How verdicts are computed, in words (printed and written with every report).
VERDICT_RULES = (
    "Each test is a metric's mean over replications with its 95 % confidence interval. "
    "Against a threshold, a test holds if the whole interval lies on the claimed side, "
    "fails if it lies wholly on the other side, and is inconclusive if it contains the "
    f"threshold. Against a published range, a test holds if the estimate lies in the range "
    f"and at least {MOSTLY:.0%} of the interval's length lies inside it; it is inconclusive "
    "if the interval covers the whole range (too wide to tell); otherwise it fails. Fewer "
    "replications widen the interval and so can only make a test inconclusive, never make "
    "it hold or fail. An inconclusive test states the replications it would need to be "
    "decided if its mean and standard deviation stayed as observed. A claim holds if all "
    "its tests hold; if none holds, it fails if any fails, else it is inconclusive; "
    "otherwise it is conditional, with the conditions of each kind of test listed.")


def _needed(value: float) -> str:
    if not np.isfinite(value):
        return "more than 1,000,000" if value == np.inf else ""
    return f"{value:,.0f}"


def format_table(report: ClaimsReport) -> str:
    """The table printed by ``trustmarket claims``: every claim's tests, its conditions,
    its notes (the discovered regions, the ablations), then the verdict rules and the
    model's built-in assumptions."""
    lines = []
    table = report.table()
    for claim in CLAIMS:
        part = table[table["claim"] == claim.key]
        if part.empty:
            continue
        summary = part.iloc[-1]
        lines.append(f"\n[{summary['verdict'].upper()}] {claim.key}: {claim.statement}")
        lines.append(f"    seed: {claim.source}")
        for r in part.iloc[:-1].itertuples():
            needs = (f" (needs ~{_needed(r.replications_needed)} replications)"
                     if r.verdict == "inconclusive" else "")
            lines.append(f"    {r.verdict:<12} {_fmt(r.value):>10} [{_fmt(r.ci_low)}, "
                         f"{_fmt(r.ci_high)}]  {r.metric}{needs}")
        if summary["verdict"] != "holds":
            lines.append(f"    conditions: {summary['conditions']}")
        lines += [f"    note: {note}" for note in report.results[claim.key].notes]
    lines += ["", "Verdict rules: " + VERDICT_RULES, "",
              "Built into the model (assumed, not tested by these claims):"]
    lines += [f"  - {line}" for line in assumption_lines()]
    return "\n".join(lines)


def write_report(report: ClaimsReport, out_dir: Path, command: Sequence[str] = ()) -> list[Path]:
    """Write ``claims.csv``, ``claims.md`` and one PNG per claim figure into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    table = report.table()
    written = []
    csv = out_dir / "claims.csv"
    table[list(CSV_COLUMNS)].to_csv(csv, index=False)
    written.append(csv)
    size = ("quick (a fifth of the customers, 4 replications; adaptive claims "
            f"{ADAPTIVE_MIN_REPLICATIONS}; the conditions sweep {QUICK.sweep_samples} points "
            f"x {QUICK.sweep_replications})" if report.size == QUICK else
            f"customer share {report.size.customer_share:g}, replications "
            f"{report.size.replications or 'as in each file'}")
    md = ["# Claims report", "",
          f"Size: {size}. Run time {report.seconds:.0f} s. Command: `{' '.join(command)}`.",
          "", "Each claim comes from a seed idea (MODEL.md); each metric is a mean over "
          "replications with its 95 % confidence interval, and its verdict is computed from "
          "those numbers by the rule shown.", "", "**Verdict rules.** " + VERDICT_RULES, "",
          "| claim | verdict | tests holding |", "|---|---|---|"]
    for claim in CLAIMS:
        part = table[table["claim"] == claim.key]
        if not part.empty:
            s = part.iloc[-1]
            md.append(f"| {claim.key}: {claim.statement} | **{s['verdict']}** | "
                      f"{s['value']:.0%} |")
    for claim in CLAIMS:
        if claim.key not in report.results:
            continue
        result = report.results[claim.key]
        part = table[table["claim"] == claim.key]
        s = part.iloc[-1]
        md += ["", f"## {claim.key}: {claim.statement}", "",
               f"*Seed:* {claim.source}. *Scenarios:* "
               + ", ".join(f"`scenarios/{n}.toml`" for n in claim.scenarios)
               + f". *Verdict:* **{s['verdict']}**.", ""]
        if s["verdict"] != "holds":
            md += [f"*Conditions:* {s['conditions']}", ""]
        md += ["| metric | value | 95 % CI | verdict | replications (needed) | rule | "
               "conditions |", "|---|---|---|---|---|---|---|"]
        for r in part.iloc[:-1].itertuples():
            needs = (f" (needs {_needed(r.replications_needed)})"
                     if r.verdict == "inconclusive" else "")
            md.append(f"| {r.metric} | {_fmt(r.value)} | [{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]"
                      f" | {r.verdict} | {r.replications}{needs} | {r.rule} | {r.conditions} |")
        md += ["", *result.notes]
        for name, fig in result.figures.items():
            path = out_dir / f"{claim.key}_{name}.png"
            fig.savefig(path, dpi=100)
            plt.close(fig)
            written.append(path)
            md += ["", f"![{claim.key} {name}]({path.name})"]
    md += ["", "## Built into the model (assumed, not tested by these claims)", ""]
    md += [f"* {line}" for line in assumption_lines()]
    path = out_dir / "claims.md"
    path.write_text("\n".join(md) + "\n", encoding="utf-8")
    written.append(path)
    return written


# --------------------------------------------------------------------------- CLI
def cmd_claims(args: argparse.Namespace) -> int:
    """Run each seed claim's scenarios with replications; print and write the claims table
    (claims.csv, claims.md with figures) with a verdict per claim."""
    def log(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    size = QUICK if args.quick else FULL
    runner = ClaimRunner(args.scenarios or SCENARIO_DIR, size, args.workers, log,
                         sweep_dir=args.out / "sweeps")
    try:
        report = evaluate_claims(runner, args.only)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_table(report))
    written = write_report(report, args.out, command=["trustmarket", *sys.argv[1:]])
    print(f"\n{len(report.results)} claims in {report.seconds:.0f} s; wrote "
          f"{len(written)} files to {args.out}/")
    return 0
