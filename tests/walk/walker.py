"""Walk every page a role can reach from its first page and collect what a reader should never
see: raw won figures, long decimals, raw machine words and (in Korean) English UI words.

Used by tests/walk/test_walk_pages.py (Django test client) and by the browser walk."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

# Never followed: side effects, downloads, other languages, the API, and the admin beyond its
# index (its change lists show the stored records as they are, English data columns included;
# tests/walk/test_admin_labels.py checks the admin's own words).
SKIP = re.compile(
    r"^/(accounts/logout|i18n/|api/|static/|media/|healthz|admin/.)"
    r"|/export|\.csv|\.xlsx|/(pdf|xlsx|csv)/|/evidence/\d+|/delete/|/logout|/password"
    r"|/history/\d+/$"
)
RAW_DIGITS = re.compile(r"\d[\d,]*\d")
LONG_DECIMAL = re.compile(r"\d\.\d{5,}")
# A machine key a person should not read: lower-case words joined by underscores.
MACHINE_WORD = re.compile(r"(?<![\w/.-])[a-z]+(?:_[a-z]+)+(?![\w/.-])")
# English words of the interface that must not appear on a Korean page.
ENGLISH_UI = re.compile(
    r"\b(Programmes?|Status|Budget|Ministry|Ministries|Search|Filter|Export|Download|Submit|"
    r"Save|Cancel|Reports?|Review|Board|Briefing|Total|Yes|No|Not started|No data|On track|"
    r"Off track|At risk|Achieved|trillion|billion|million|won|Overdue|Expected|Actual|Target|"
    r"Forecast|Executed|Allocation|Period|Evidence|Approved|Submitted|Draft|Rejected|Log out|"
    r"Next|Previous|persons|teachers|schools|fellowships|applications|productivity|capacity|"
    r"energy reduction|increase|GPUs|ratio|Korea's AI Budget)\b"
)


@dataclass
class Finding:
    url: str
    kind: str
    text: str

    def __str__(self) -> str:
        return f"{self.url}: {self.kind}: {self.text!r}"


class _Page(HTMLParser):
    """The visible text of a page (attributes, scripts and styles left out) and its links."""

    SILENT = {"script", "style", "code", "textarea", "option"}

    VOID = {"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col", "area", "base"}

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.text: list[str] = []
        self.data: list[str] = []  # text marked as data (another language, or not translated)
        self.links: list[str] = []
        self._silent = 0
        self._stack: list[tuple[str, bool]] = []  # (tag, marks data)
        self._hints: list[int] = []  # stack depths of open form hints

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in self.SILENT:
            self._silent += 1
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"] or "")
        if tag in self.VOID:
            return
        lang = attributes.get("lang")
        # A form hint's example of what to type may show the digits a person types.
        hint = "hint" in (attributes.get("class") or "").split()
        marks = (lang is not None and lang != self.language) or attributes.get("translate") == "no"
        if hint:
            self._silent += 1
            self._stack.append((tag, False))
            self._hints.append(len(self._stack))
            return
        self._stack.append((tag, marks))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SILENT and self._silent:
            self._silent -= 1
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                while self._hints and self._hints[-1] > i:
                    self._hints.pop()
                    self._silent -= 1
                del self._stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if self._silent:
            return
        if any(marks for _tag, marks in self._stack):
            self.data.append(data)
        else:
            self.text.append(data)


def page_findings(url: str, html: str, language: str) -> tuple[list[Finding], list[str]]:
    parser = _Page(language)
    parser.feed(html)
    text = " ".join(" ".join(parser.text).split())
    data = " ".join(" ".join(parser.data).split())
    found: list[Finding] = []
    # Figures count wherever they are shown; words only outside quoted data.
    shown = f"{text} {data}"
    for match in RAW_DIGITS.finditer(shown):
        if len(match.group().replace(",", "")) >= 9:
            found.append(
                Finding(url, "raw figure", shown[max(0, match.start() - 30) : match.end()])
            )
    for match in LONG_DECIMAL.finditer(shown):
        found.append(Finding(url, "long decimal", shown[max(0, match.start() - 30) : match.end()]))
    for match in MACHINE_WORD.finditer(text):
        found.append(Finding(url, "machine word", text[max(0, match.start() - 30) : match.end()]))
    if language == "ko":
        for match in ENGLISH_UI.finditer(text):
            found.append(
                Finding(url, "English", text[max(0, match.start() - 30) : match.end() + 20])
            )
    return found, parser.links


def normalise(href: str, base: str) -> str | None:
    """The site path of a link worth following, or None."""
    href, _ = urldefrag(href)
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not href:
        return None
    path = parts.path or urlsplit(base).path
    if not path.startswith("/") or SKIP.search(path):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def pattern(url: str) -> str:
    """Pages that differ only in ids or query values count once."""
    parts = urlsplit(url)
    keys = ",".join(sorted({q.split("=")[0] for q in parts.query.split("&") if q}))
    return re.sub(r"\d+", "N", parts.path) + "?" + keys


@dataclass
class Walk:
    get: Callable[[str], tuple[int, str, str]]  # url -> (status, content type, body)
    language: str
    limit: int = 120
    visited: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def run(self, start: Iterable[str]) -> Walk:
        queue = list(start)
        seen_patterns: set[str] = set()
        while queue and len(self.visited) < self.limit:
            url = queue.pop(0)
            key = pattern(url)
            if key in seen_patterns:
                continue
            seen_patterns.add(key)
            status, content_type, body = self.get(url)
            self.visited.append(url)
            if status >= 500:
                self.errors.append(f"{url}: HTTP {status}")
                continue
            if status != 200 or "html" not in content_type:
                continue
            found, links = page_findings(url, body, self.language)
            self.findings.extend(found)
            for href in links:
                link = normalise(href, url)
                if link and pattern(link) not in seen_patterns:
                    queue.append(link)
        return self
