"""Fill Solara's front-end asset cache from the npm registry, for machines without a CDN.

Solara's server fetches its JavaScript and CSS from a public CDN (jsDelivr) the first time
a page needs them and keeps them in ``solara.settings.assets.proxy_cache_dir`` (default
``$PREFIX/share/solara/cdn``; ``SOLARA_ASSETS_PROXY_CACHE_DIR`` moves it). Where the CDN
cannot be reached — CI, offline classrooms — the page stays blank ("solara is not
defined"). This module puts the same files there from the npm registry instead::

    python -m sim.app.assets            # or: trustmarket app --offline-assets

It finds the ``package@version`` names the installed solara, ipyvue/ipyvuetify, altair
and Mesa ask the CDN for (by reading their templates and sources), ``npm pack``s each one
and unpacks it as ``<cache>/<package>@<version>/``, the layout the CDN proxy reads.
Packages already there are skipped. Users with internet access do not need this.
"""

from __future__ import annotations

import argparse
import importlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

#: Front-end packages solara's pages load from the CDN (names, not versions).
PACKAGES = ("@widgetti/solara-vuetify-app", "@widgetti/solara-vuetify3-app",
            "@widgetti/vue-grid-layout", "requirejs", "font-awesome", "katex", "mermaid",
            "vega", "vega-lite", "vega-embed")
#: Python packages whose files name the versions.
SOURCES = ("solara", "ipyvue", "ipyvuetify", "altair", "mesa")
_SPEC = re.compile(r"(?<![\w-])((?:@[a-z0-9-]+/)?[a-z0-9-]+)@(\d+(?:\.\d+){0,2}"
                   r"(?:-[0-9A-Za-z.]+)?)")


def cache_dir() -> Path:
    """Solara's CDN proxy cache directory (respects SOLARA_ASSETS_PROXY_CACHE_DIR)."""
    import solara.server.settings

    return Path(solara.server.settings.assets.proxy_cache_dir)


def wanted_specs(sources: Iterable[str] = SOURCES) -> list[str]:
    """``package@version`` names in the installed packages' templates and sources."""
    found: set[str] = set()
    for name in sources:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        root = Path(module.__file__).parent
        for path in root.rglob("*"):
            if path.suffix not in (".py", ".html", ".j2", ".js", ".vue", ".json"):
                continue
            try:
                text = path.read_text(errors="ignore")
            except OSError:
                continue
            for package, version in _SPEC.findall(text):
                if package in PACKAGES:
                    found.add(f"{package}@{version}")
    found |= _altair_specs()
    return sorted(found)


def _altair_specs() -> set[str]:
    """vega, vega-lite and vega-embed as altair asks for them (major versions)."""
    try:
        import altair
    except ImportError:
        return set()
    return {f"vega@{altair.VEGA_VERSION}", f"vega-lite@{altair.VEGALITE_VERSION}",
            f"vega-embed@{altair.VEGAEMBED_VERSION}"}


def fetch(spec: str, target: Path, npm: str = "npm") -> None:
    """``npm pack`` one package and unpack its contents into ``target``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([npm, "pack", spec, "--silent", "--pack-destination", tmp],
                             capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise RuntimeError(f"npm pack {spec} failed: {out.stderr.strip()}")
        archive = next(Path(tmp).glob("*.tgz"))
        unpacked = Path(tmp) / "unpacked"
        with tarfile.open(archive) as tar:
            tar.extractall(unpacked, filter="data")
        inner = next(unpacked.iterdir())  # npm packs everything under "package/"
        partial = target.with_name(f".{target.name}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(inner), partial)
        partial.rename(target)  # the cache holds a package whole or not at all


def fill_cache(specs: Sequence[str] | None = None, directory: Path | None = None,
               quiet: bool = False) -> list[str]:
    """Fetch every missing package into the cache; return the ones fetched."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to fetch solara's front-end packages "
                         "(Debian: apt-get install npm)")
    directory = directory or cache_dir()
    fetched = []
    for spec in specs or wanted_specs():
        target = directory / spec
        if target.exists():
            continue
        if not quiet:
            print(f"fetching {spec} -> {target}", flush=True)
        fetch(spec, target, npm)
        fetched.append(spec)
    return fetched


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: fill the cache (``--list`` only prints what would be fetched)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--list", action="store_true", help="print the package@version names")
    p.add_argument("--dir", type=Path, help="cache directory (default: solara's)")
    args = p.parse_args(argv)
    if args.list:
        print("\n".join(wanted_specs()))
        return 0
    fetched = fill_cache(directory=args.dir)
    print(f"{len(fetched)} package(s) fetched into {args.dir or cache_dir()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
