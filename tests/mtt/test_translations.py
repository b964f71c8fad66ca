"""The German catalogues are complete and compiled, and German is what people see by default.

The catalogues are read with a small parser (CI may lack GNU gettext): every German entry has a
translation, none is fuzzy, placeholders survive translation, and the committed .mo files say
the same as the .po files they were compiled from.
"""

import gettext
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from patients import services
from programs.models import Program
from tests import factories

ROOT = Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", "node_modules", "var", ".git"}


def catalogues(language: str) -> list[Path]:
    """Every ``LC_MESSAGES/django.po`` of the project for ``language`` (project and app level)."""
    found = []
    for path in ROOT.rglob(f"locale/{language}/LC_MESSAGES/*.po"):
        if not SKIP_DIRS.intersection(path.relative_to(ROOT).parts):
            found.append(path)
    return sorted(found)


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


_UNESCAPE = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def _unquote(text: str) -> str:
    body = text.strip()[1:-1]
    return re.sub(r"\\(.)", lambda m: _UNESCAPE.get(m.group(1), "\\" + m.group(1)), body)


def parse_po(path: Path) -> list[Entry]:
    """The live entries of a .po file (obsolete ``#~`` entries are left out)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int | None] | None = None

    def finish():
        nonlocal entry
        if entry is not None:
            entries.append(entry)
        entry = None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            target = None
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if entry is not None and entry.msgstr:
                finish()
            if line.startswith("#,"):
                entry = entry or Entry(line=number)
                entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            assert entry is not None and target is not None, f"{path}:{number}: stray string"
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, name, (getattr(entry, name) or "") + _unquote(line))
            continue
        if keyword in ("msgctxt", "msgid") and entry is not None and entry.msgstr:
            finish()
        entry = entry or Entry(line=number)
        match = re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword)
        if match:
            index = int(match.group(1) or 0)
            entry.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        elif keyword in ("msgid", "msgid_plural", "msgctxt"):
            setattr(entry, keyword, _unquote(rest))
            target = (keyword, None)
        else:
            raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
    finish()
    return [entry for entry in entries if entry.msgid != ""]


# No space flag: "50 % over" is prose, not "% o" (octal).
PYTHON_FORMAT = re.compile(r"%(?:\([^)]+\))?[-#0+]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
BRACE_FORMAT = re.compile(r"\{[^{}]*\}")


def _placeholders(entry: Entry, text: str) -> list[str]:
    found = []
    if "python-format" in entry.flags:
        found += PYTHON_FORMAT.findall(text.replace("%%", ""))
    if "python-brace-format" in entry.flags:
        found += BRACE_FORMAT.findall(text)
    return sorted(found)


GERMAN = catalogues("de")


def test_the_project_and_app_catalogues_are_found():
    relative = {str(path.relative_to(ROOT)) for path in GERMAN}
    assert "locale/de/LC_MESSAGES/django.po" in relative
    assert "reminders/locale/de/LC_MESSAGES/django.po" in relative
    for path in GERMAN:
        assert len(parse_po(path)) > 0, path


@pytest.mark.parametrize("path", GERMAN, ids=lambda p: str(p.relative_to(ROOT)))
def test_german_catalogue_has_no_untranslated_or_fuzzy_entries(path):
    entries = parse_po(path)

    fuzzy = [entry.msgid for entry in entries if "fuzzy" in entry.flags]
    forms = lambda entry: 2 if entry.msgid_plural is not None else 1  # noqa: E731
    untranslated = [
        entry.msgid
        for entry in entries
        if any(not entry.msgstr.get(index) for index in range(forms(entry)))
    ]
    assert fuzzy == []
    assert untranslated == []


@pytest.mark.parametrize("path", GERMAN, ids=lambda p: str(p.relative_to(ROOT)))
def test_german_translations_keep_the_placeholders(path):
    wrong = []
    for entry in parse_po(path):
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural is not None else [])
        for index, source in enumerate(sources):
            if _placeholders(entry, source) != _placeholders(entry, entry.msgstr.get(index, "")):
                wrong.append((entry.msgid, entry.msgstr.get(index)))
    assert wrong == []


@pytest.mark.parametrize(
    "path", catalogues("de") + catalogues("en"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_the_committed_mo_file_matches_its_po_file(path):
    """``compilemessages`` was run after the last change to the catalogue."""
    mo = path.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run compilemessages"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in parse_po(path):
        if "fuzzy" in entry.flags or not entry.msgstr.get(0) or entry.msgctxt is not None:
            continue
        if entry.msgid_plural is None:
            if compiled.gettext(entry.msgid) != entry.msgstr[0]:
                stale.append(entry.msgid)
        elif compiled.ngettext(entry.msgid, entry.msgid_plural, 2) != entry.msgstr[1]:
            stale.append(entry.msgid)
    assert stale == []


def test_the_parser_reads_plurals_flags_and_continuation_lines(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: de\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\n#| msgid "old"\n'
        'msgid "%(n)d set"\nmsgid_plural "%(n)d sets"\nmsgstr[0] "%(n)d Satz"\nmsgstr[1] ""\n\n'
        'msgid ""\n"Say \\"hi\\"\\n"\nmsgstr "Sag "\n"\\"hallo\\"\\n"\n\n'
        '#~ msgid "gone"\n#~ msgstr "weg"\n',
        encoding="utf-8",
    )

    first, second = parse_po(po)

    assert first.flags == {"fuzzy", "python-format"}
    assert (first.msgid, first.msgid_plural) == ("%(n)d set", "%(n)d sets")
    assert first.msgstr == {0: "%(n)d Satz", 1: ""}
    assert (second.msgid, second.msgstr) == ('Say "hi"\n', {0: 'Sag "hallo"\n'})


def test_key_strings_are_german():
    with translation.override("de"):
        assert translation.gettext("Log in") == "Anmelden"
        assert translation.gettext("Today") == "Heute"
        assert translation.gettext("session") == "Trainingseinheit"
        assert translation.gettext("effort (Borg CR10)") == "Anstrengung (Borg CR10)"
        assert translation.ngettext("%(sets)s set", "%(sets)s sets", 3) == "%(sets)s Sätze"
    with translation.override("en"):
        assert translation.gettext("Log in") == "Log in"
        assert translation.ngettext("%(sets)s set", "%(sets)s sets", 1) == "%(sets)s set"


# --- pages render German by default ------------------------------------------------------------


@pytest.mark.django_db
def test_the_login_page_is_german_by_default(client):
    response = client.get(reverse("login"))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'lang="de"' in page
    assert "<h1>Anmelden</h1>" in page
    assert "Passwort vergessen oder Einladung abgelaufen?" in page
    assert "Benutzername oder E-Mail-Adresse" in page
    assert "Log in" not in page


@pytest.mark.django_db
def test_the_login_page_follows_an_english_browser(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert 'lang="en"' in page
    assert "<h1>Log in</h1>" in page


@pytest.mark.django_db
def test_a_patient_sees_the_today_page_in_german(client, django_user_model):
    therapist = factories.TherapistFactory(username="t.weber", email="weber@example.org")
    patient = services.patient_create(
        username="anna",
        email="anna@example.org",
        first_name="Anna",
        last_name="Schmidt",
        therapist=therapist,
        created_by=therapist,
    )
    services.screening_record(patient=patient, screened_by=therapist, signs=[])
    services.assignment_create(
        patient=patient,
        program=Program.objects.get(slug="master"),
        created_by=therapist,
        start_date=timezone.localdate() - timedelta(days=3),
    )
    client.force_login(patient.user)

    response = client.get(reverse("portal:today"))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'lang="de"' in page
    assert "<title>Heute · MTT Rücken</title>" in page
    assert "Heute fällig" in page
    assert "Geführte Trainingseinheit beginnen" in page
    assert ">Verlauf<" in page and ">Fortschritt<" in page and ">Abmelden<" in page
    assert "Due today" not in page


def test_the_placeholder_check_sees_a_lost_or_renamed_placeholder():
    entry = Entry(flags={"python-format", "python-brace-format"})

    assert _placeholders(entry, "%(count)d of {total}, 50 % off, 100 %%") == [
        "%(count)d",
        "{total}",
    ]
    assert _placeholders(entry, "%(count)d von {total}") == _placeholders(
        entry, "%(count)d of {total}"
    )
    assert _placeholders(entry, "%(anzahl)d von {total}") != _placeholders(
        entry, "%(count)d of {total}"
    )
    assert _placeholders(entry, "von {total}") != _placeholders(entry, "%(count)d of {total}")
