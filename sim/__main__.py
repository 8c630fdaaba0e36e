"""``python -m sim``: run the default scenario and print the report (see :mod:`sim.cli`)."""

from sim.cli import main

if __name__ == "__main__":  # worker processes re-import this module; they must not re-run it
    raise SystemExit(main())
