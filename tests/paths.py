"""Where the tests find the repository, its fixtures and the sample article: defined once here,
imported by conftest.py, the helpers (clirun, hostile, ...) and the test files."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
PAGES = FIXTURES / "pages"
"""Saved news pages (HTML) the extraction, resume and batch tests read."""
SAMPLE = REPO / "assets" / "articles" / "zad-jordan-musk-trump-interview.ar.txt"
"""The sample article bundled with qari."""
