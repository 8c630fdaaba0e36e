"""``python -m sim``: run the default scenario and print the report (see :mod:`sim.cli`)."""

from sim.cli import main

raise SystemExit(main())
