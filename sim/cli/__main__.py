"""``python -m sim.cli``: the ``trustmarket`` command."""

from sim.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
