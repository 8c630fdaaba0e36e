"""The project stands on its own: every source it cites is published and in docs/sources.md.

No file may point a reader at notes outside the repository — the early design notes, the
research notes or the original practitioner articles (cited instead by their publisher,
title and year) — nor at those notes' numbering of articles and validation targets.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCOPE = ("sim/", "docs/", "notebooks/", "tests/", "benchmarks/", "README.md")

# Built from pieces so that this file does not match itself.
OUTSIDE = {
    "the design notes": re.compile(r"\b" + "DES" + r"IGN\b"),
    "the research notes": re.compile("liter" + r"ature\.md", re.I),
    "an original article by number": re.compile(r"\bseed[ -]?" + "0" + r"0\d", re.I),
    "the original articles": re.compile(r"\bseed[ -]" + "art" + r"icles?\b", re.I),
    "a numbered validation target": re.compile(r"\bvalidation " + "tar" + r"get \d", re.I),
    "the shared folder": re.compile(r"shared/" + "se" + "eds|shared/" + "rese" + "arch"),
    "the shared research and style notes": re.compile(
        "performance" + r"_baseline\.md|\bpeers" + r"\.md|\bSTY" + r"LE\.md"
    ),
}


def project_files() -> list[Path]:
    """Tracked and new (not ignored) files in scope; every file in scope without git."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *SCOPE],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        listed = [
            str(path.relative_to(ROOT))
            for part in SCOPE
            for path in ([ROOT / part] if (ROOT / part).is_file() else (ROOT / part).rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts
        ]
    return [ROOT / name for name in sorted(set(listed)) if (ROOT / name).is_file()]


def text_of(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:  # images and other binary files
        return None


def test_no_file_points_outside_the_project():
    files = project_files()
    assert any(path.name == "README.md" for path in files)
    found = []
    for path in files:
        text = text_of(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            for what, pattern in OUTSIDE.items():
                if pattern.search(line):
                    where = f"{path.relative_to(ROOT)}:{number}"
                    found.append(f"{where} cites {what}: {line.strip()[:100]}")
    assert not found, "cite the published source, or docs/sources.md, instead of:\n" + "\n".join(
        found
    )


def test_sources_page_exists_and_the_readme_links_it():
    sources = ROOT / "docs" / "sources.md"
    assert sources.is_file()
    assert "(docs/sources.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_section_cited_in_the_sources_page_exists():
    """A pointer like "docs/sources.md §14" names a numbered section of the page."""
    page = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## (\d+)\. ", page, re.M))
    cited = set()
    for path in project_files():
        text = text_of(path) or ""
        cited |= {
            (m, path.name) for m in re.findall(r"sources(?:\.md|\]\(sources\.md\)) §(\d+)", text)
        }
    missing = sorted(f"§{number} (in {name})" for number, name in cited if number not in sections)
    assert not missing, f"docs/sources.md has no section {', '.join(missing)}"
