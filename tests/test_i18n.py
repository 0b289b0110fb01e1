"""The translations: Korean complete, nothing fuzzy, the committed .mo files up to date.

Workflow (also `make messages`), after adding or changing any user-facing string:

    DEBUG=1 .venv/bin/python manage.py makemessages -l ko -l en --no-obsolete \
        --ignore=.venv --ignore=tests
    # translate every new or changed msgid in locale/ko/LC_MESSAGES/django.po (Korean msgstr;
    # remove the "#, fuzzy" flag makemessages puts on guesses once the guess is checked);
    # locale/en/LC_MESSAGES/django.po may keep empty msgstr (English = the msgid)
    DEBUG=1 .venv/bin/python manage.py compilemessages --ignore=.venv

and commit the .po and the .mo files (the .mo files are committed because the machines that run
the application may lack gettext). An app with its own ``<app>/locale/`` directory gets its strings
there instead of in ``locale/``: those catalogues are checked here too.

The .po files are read with the small parser below (polib is not a dependency). The .mo files are
read with the standard library's ``gettext`` and compared, message by message, with their .po: a .mo
compiled from an older .po fails here, whatever tool compiled it.
"""

from __future__ import annotations

import ast
import gettext
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
KO_PO = LOCALE / "ko" / "LC_MESSAGES" / "django.po"
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"


def catalogs(language: str) -> list[Path]:
    """The project's catalogue of a language and any app's own (``<app>/locale/``): makemessages
    puts an app's strings in the app's catalogue when the app has one, so every one is checked."""
    project = LOCALE / language / "LC_MESSAGES" / "django.po"
    apps = sorted(ROOT.glob(f"*/locale/{language}/LC_MESSAGES/django.po"))
    return [project, *(path for path in apps if path != project)]


def _ids(paths: list[Path]) -> list[str]:
    return [str(path.relative_to(ROOT)) for path in paths]


KO_CATALOGS = catalogs("ko")
ALL_CATALOGS = KO_CATALOGS + catalogs("en")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    line: int = 0

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def catalog_key(self) -> str | tuple[str, int]:
        """The key the stdlib ``gettext`` catalog uses (context joined with EOT)."""
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


def _unquote(text: str, path: Path, number: int) -> str:
    text = text.strip()
    if not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"{path}:{number}: expected a quoted string, got {text!r}")
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[Entry]:
    """Every entry of a .po file, obsolete ("#~") entries left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # which string continuation lines extend

    def finish() -> None:
        nonlocal current, target
        if current is not None and (current.msgstr or current.msgid or current.line):
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if current is None:
            current = Entry(line=number)
        if line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#:"):
            current.references.extend(line[2:].split())
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            current.msgctxt, target = _unquote(line[8:], path, number), ("msgctxt", 0)
        elif line.startswith("msgid_plural "):
            current.msgid_plural = _unquote(line[13:], path, number)
            target = ("msgid_plural", 0)
        elif line.startswith("msgid "):
            current.line = number
            current.msgid, target = _unquote(line[6:], path, number), ("msgid", 0)
        elif line.startswith("msgstr["):
            index = int(line[7 : line.index("]")])
            current.msgstr[index] = _unquote(line[line.index("]") + 1 :], path, number)
            target = ("msgstr", index)
        elif line.startswith("msgstr "):
            current.msgstr[0], target = _unquote(line[7:], path, number), ("msgstr", 0)
        elif line.startswith('"') and target is not None:
            more = _unquote(line, path, number)
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += more
            else:
                setattr(current, name, (getattr(current, name) or "") + more)
        else:
            raise ValueError(f"{path}:{number}: cannot read {raw!r}")
    finish()
    return entries


def _messages(path: Path) -> list[Entry]:
    return [entry for entry in parse_po(path) if not entry.is_header]


def _header(path: Path) -> Entry:
    headers = [entry for entry in parse_po(path) if entry.is_header]
    assert len(headers) == 1, f"{path}: expected one header entry"
    return headers[0]


def _where(entry: Entry) -> str:
    places = ", ".join(entry.references[:3]) or "no reference"
    return f"line {entry.line}: {entry.msgid!r} ({places})"


@pytest.mark.parametrize("path", [KO_PO, EN_PO], ids=["ko", "en"])
def test_po_files_exist_and_are_readable(path: Path) -> None:
    assert path.exists(), f"{path} is missing: run makemessages (see this module's docstring)"
    assert len(_messages(path)) > 50


@pytest.mark.parametrize("path", KO_CATALOGS, ids=_ids(KO_CATALOGS))
def test_every_korean_msgid_has_a_translation(path: Path) -> None:
    missing = [
        _where(entry)
        for entry in _messages(path)
        if not entry.msgstr or any(not text.strip() for text in entry.msgstr.values())
    ]
    assert not missing, f"{len(missing)} msgid without Korean in {path}:\n" + "\n".join(missing)


@pytest.mark.parametrize("path", ALL_CATALOGS, ids=_ids(ALL_CATALOGS))
def test_no_entry_is_fuzzy(path: Path) -> None:
    fuzzy = [_where(entry) for entry in parse_po(path) if "fuzzy" in entry.flags]
    assert not fuzzy, f"fuzzy entries in {path} (check them, then drop the flag):\n" + "\n".join(
        fuzzy
    )


@pytest.mark.parametrize("path", KO_CATALOGS, ids=_ids(KO_CATALOGS))
def test_korean_plural_forms_and_placeholders(path: Path) -> None:
    header = _header(path).msgstr[0]
    assert "Plural-Forms: nplurals=1; plural=0;" in header
    assert "Language: ko" in header
    problems = []
    for entry in _messages(path):
        if entry.msgid_plural is not None and set(entry.msgstr) != {0}:
            problems.append(f"{_where(entry)}: Korean has one plural form (msgstr[0] only)")
        # Every named placeholder of the English must survive in the Korean.
        for text in entry.msgstr.values():
            for source in filter(None, [entry.msgid, entry.msgid_plural]):
                for name in _placeholders(source):
                    if name not in text:
                        problems.append(f"{_where(entry)}: {name} is missing from {text!r}")
    assert not problems, "\n".join(problems)


def _placeholders(text: str) -> set[str]:
    import re

    return set(re.findall(r"%\([a-z_0-9]+\)[sd]|\{[a-z_0-9]+\}", text))


@pytest.mark.parametrize("po", ALL_CATALOGS, ids=_ids(ALL_CATALOGS))
def test_compiled_catalog_matches_its_po_file(po: Path) -> None:
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run compilemessages and commit it"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    expected: dict[object, str] = {}
    for entry in _messages(po):
        if "fuzzy" in entry.flags:
            continue
        if entry.msgid_plural is not None:
            for index, text in entry.msgstr.items():
                if text:
                    expected[(entry.catalog_key, index)] = text
        elif entry.msgstr.get(0):
            expected[entry.catalog_key] = entry.msgstr[0]
    compiled_messages = {key: value for key, value in compiled.items() if key != ""}
    stale = sorted(str(key) for key in expected if compiled_messages.get(key) != expected[key])
    extra = sorted(str(key) for key in compiled_messages if key not in expected)
    assert not stale and not extra, (
        f"{mo} does not match {po}: run compilemessages and commit the .mo.\n"
        f"differs or missing in the .mo: {stale[:10]}\nonly in the .mo: {extra[:10]}"
    )


def test_the_application_speaks_korean() -> None:
    with translation.override("ko"):
        assert translation.gettext("Budget") == "예산"
        assert translation.gettext("Log in") == "로그인"
        assert translation.gettext("Share of total") == "전체 대비 비중"
    with translation.override("en"):
        assert translation.gettext("Budget") == "Budget"


def test_model_labels_and_choices_are_translated() -> None:
    from budget.models import COFOG, BudgetNode
    from kpis.models import KPIKind

    with translation.override("ko"):
        assert str(BudgetNode._meta.verbose_name) == "예산 항목"
        assert str(COFOG.EDUCATION.label) == "교육"
        assert str(KPIKind.LEVEL.label) == "수준"


def test_the_parser_sees_what_the_checks_rely_on(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    po.write_text(
        "\n".join(
            [
                'msgid ""',
                'msgstr ""',
                '"Language: ko\\n"',
                "",
                "#: a.py:1",
                "#, fuzzy, python-format",
                'msgid "Hello %(name)s"',
                'msgstr "안녕 %(name)s"',
                "",
                'msgctxt "menu"',
                'msgid ""',
                '"Two "',
                '"lines"',
                'msgstr ""',
                "",
                'msgid "one"',
                'msgid_plural "many"',
                'msgstr[0] "여럿 \\"따옴표\\""',
                "",
                '#~ msgid "gone"',
                '#~ msgstr "사라짐"',
            ]
        ),
        encoding="utf-8",
    )
    header, fuzzy, context, plural = parse_po(po)
    assert header.is_header and header.msgstr[0] == "Language: ko\n"
    assert fuzzy.flags == {"fuzzy", "python-format"} and fuzzy.references == ["a.py:1"]
    assert context.msgid == "Two lines" and context.msgstr == {0: ""}
    assert context.catalog_key == "menu\x04Two lines"
    assert plural.msgid_plural == "many" and plural.msgstr == {0: '여럿 "따옴표"'}
