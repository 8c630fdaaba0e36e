"""``python -m sim.validation [PATH]``: run every validation check, write docs/validation.md."""

import sys

from sim.validation import write

results = write(sys.argv[1] if len(sys.argv) > 1 else "docs/validation.md")
sys.exit(0 if all(c.passed for checks in results.values() for c in checks) else 1)
