"""The dashboard's XSS rules, read from its static files: scripts put data in as text only
(no HTML parsing of strings) and pages carry no inline script or style (the CSP forbids both,
so one would silently not run)."""

import re
from pathlib import Path

import pytest

from fraud_dashboard.routes.pages import STATIC

SCRIPTS = sorted(STATIC.glob("*.js"))
PAGES = sorted(STATIC.glob("*.html"))
HTML_SINKS = re.compile(r"\.(innerHTML|outerHTML|insertAdjacentHTML)\b|document\.write|\beval\(")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_scripts_never_parse_strings_as_html(script: Path) -> None:
    assert not HTML_SINKS.findall(script.read_text())


@pytest.mark.parametrize("page", PAGES, ids=lambda path: path.name)
def test_pages_load_their_scripts_and_styles_from_files(page: Path) -> None:
    html = page.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # every script from a file
    assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html)
    for src in re.findall(r'(?:src|href)="/static/([^"]+)"', html):
        assert (STATIC / src).exists() or src.startswith("vendor/"), src


def test_every_page_and_script_is_covered() -> None:
    assert {path.name for path in PAGES} == {
        "index.html", "queue.html", "decision.html", "sign-in.html", "rules.html", "models.html"
    }  # fmt: skip
    assert len(SCRIPTS) >= 13
