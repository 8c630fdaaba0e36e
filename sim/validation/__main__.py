"""``python -m sim.validation [PATH]``: run every validation check, write docs/validation.md."""

import sys

from sim.validation import verdict, write


def main(argv: list[str]) -> int:
    """Write the page to ``argv[0]`` (default docs/validation.md); 1 if a check failed."""
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print("usage: python -m sim.validation [PATH]  (default docs/validation.md)")
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    results = write(argv[0] if argv else "docs/validation.md")
    return 1 if any(verdict(checks) for checks in results.values()) else 0


if __name__ == "__main__":  # worker processes import this module too
    sys.exit(main(sys.argv[1:]))
