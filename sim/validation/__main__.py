"""``python -m sim.validation [PATH]``: run every validation check, write docs/validation.md."""

import sys

from sim.validation import verdict, write

results = write(sys.argv[1] if len(sys.argv) > 1 else "docs/validation.md")
sys.exit(1 if any(verdict(checks) for checks in results.values()) else 0)
