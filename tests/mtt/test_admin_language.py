"""Every admin page speaks one language: German for a German user, English for an English one.

The pages are found, not listed: each registered ModelAdmin's URLs (changelist, add, change of a
real object, history, delete confirmation and its own views) and the admin site's own pages, so a
new model or view is covered when it is added. Each is rendered for the practice admin, who sees
them all; its visible texts (text nodes and the attributes people read: title, placeholder,
aria-label, alt, button values) are compared with the catalogues — this project's and Django's
own (core, admin, auth). In German a text that is an English msgid with another German wording is
a leftover (Django 6.1's catalogue lacks some of its new strings, "Run" and "- Select an option
-" among them: ``mtt/django_strings.py`` gives them to ours); in English a text that is a German
translation of another msgid leaks. Texts that are data (names of exercises, users, programmes)
are not the catalogue's business and are left out. That no German entry of ours is empty or
fuzzy is tests/mtt/test_translations.py.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import django
import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.api.conftest import module_world
from tests.mtt.test_translations import catalogues, parse_po
from tests.two_factor import login_verified

__all__ = ["module_world"]

DJANGO = Path(django.__file__).parent
DJANGO_CATALOGUES = ("conf", "contrib/admin", "contrib/auth", "contrib/contenttypes")
FORMAT = re.compile(r"%(\(\w+\))?[sd]|\{\w*\}")


def _norm(text: str) -> str:
    """Compare as a reader would: spacing, a label's colon and the capital letter Django's
    ``capfirst`` adds do not make another text."""
    text = " ".join(text.split()).rstrip(":").strip()
    return text[:1].lower() + text[1:]


def _pairs(path: Path):
    for entry in parse_po(path):
        if entry.msgid_plural is None:
            yield entry.msgid, entry.msgstr.get(0, "")
        else:
            yield entry.msgid, entry.msgstr.get(0, "")
            yield entry.msgid_plural, entry.msgstr.get(1, "")


def _translations(language: str) -> dict[str, str]:
    """msgid → translation as the site shows it: Django's catalogues, ours over them."""
    found: dict[str, str] = {}
    paths = [
        DJANGO / part / f"locale/{language}/LC_MESSAGES/django.po" for part in DJANGO_CATALOGUES
    ]
    for path in [*paths, *catalogues(language)]:
        for msgid, msgstr in _pairs(path):
            if msgstr:
                found[msgid] = msgstr
    return found


def _english_msgids() -> set[str]:
    paths = [DJANGO / part / "locale/en/LC_MESSAGES/django.po" for part in DJANGO_CATALOGUES]
    return {msgid for path in [*paths, *catalogues("en")] for msgid, _str in _pairs(path)}


GERMAN = _translations("de")
MSGIDS = {msgid for msgid in _english_msgids() if not FORMAT.search(msgid) and msgid.strip()}
# normalised English text → its German wording (None: no German one at all)
ENGLISH_TEXTS = {_norm(msgid): GERMAN.get(msgid) for msgid in MSGIDS}
# normalised German wording → the msgid it translates, where the two differ
GERMAN_TEXTS = {
    _norm(GERMAN[msgid]): msgid
    for msgid in MSGIDS
    if msgid in GERMAN and _norm(GERMAN[msgid]) != _norm(msgid) and not FORMAT.search(GERMAN[msgid])
}


class Texts(HTMLParser):
    """The texts a reader sees or hears on a page, without scripts, styles and typed-in text,
    each with the language the page declares for it (the nearest ``lang`` attribute: the
    therapist's preview shows the patient's page in the patient's language under a banner in
    the therapist's)."""

    HIDDEN = {"script", "style", "textarea", "template"}
    READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")

    def __init__(self, language: str):
        super().__init__()
        self.texts: list[tuple[str, str]] = []
        self._hidden = 0
        # [tag, language, open elements of that tag inside it] for each element with a lang
        self._languages: list[list] = [["", language, 1]]

    @property
    def language(self) -> str:
        return self._languages[-1][1]

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1
        values = dict(attrs)
        top = self._languages[-1]
        if values.get("lang"):
            self._languages.append([tag, values["lang"][:2], 1])
        elif tag == top[0]:
            top[2] += 1
        self.texts += [
            (values[name], self.language) for name in self.READ_ATTRIBUTES if values.get(name)
        ]
        if tag == "input" and values.get("type") in ("submit", "button", "reset"):
            self.texts.append((values.get("value") or "", self.language))

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1
        top = self._languages[-1]
        if tag == top[0]:
            top[2] -= 1
            if not top[2] and len(self._languages) > 1:
                self._languages.pop()

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append((data, self.language))


def visible_texts(html: str, language: str) -> set[tuple[str, str]]:
    parser = Texts(language)
    parser.feed(html)
    return {(_norm(text), lang) for text, lang in parser.texts if _norm(text)}


# normalised texts that are some msgid's German wording ("Programme" is German too)
GERMAN_WORDINGS = {_norm(text) for text in GERMAN.values()}


def leftovers(html: str, language: str, data: set[str]) -> list[str]:
    """The texts of a page in another language than the one declared for them (see the
    module's docstring); ``language`` is the user's, for texts the page declares nothing for."""
    found = []
    for text, declared in sorted(visible_texts(html, language)):
        if text in data or not re.search(r"[^\W\d_]{2}", text):
            continue  # a database value, or no word in it: "-", "3 × 15", "12.05.2026"
        if declared == "de" and text in ENGLISH_TEXTS and text not in GERMAN_WORDINGS:
            german = ENGLISH_TEXTS[text]
            if german is None or _norm(german) != text:
                found.append(f"{text!r} (German: {german!r})")
        elif declared == "en" and text in GERMAN_TEXTS and text not in ENGLISH_TEXTS:
            found.append(f"{text!r} (English: {GERMAN_TEXTS[text]!r})")
    return found


# --- the pages ------------------------------------------------------------------------------
def _admin_patterns():
    """(name, pattern) of every admin URL that names a page: the site's and each ModelAdmin's."""
    resolver = next(
        pattern
        for pattern in get_resolver().url_patterns
        if isinstance(pattern, URLResolver) and pattern.namespace == "admin"
    )

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield pattern.name

    return sorted(set(walk(resolver.url_patterns)))


# Not pages: JSON and JavaScript, redirects, and views that only answer POST.
NOT_PAGES = {"autocomplete", "jsi18n", "view_on_site", "logout", "login", "two_factor"}
PAGES = [name for name in _admin_patterns() if name not in NOT_PAGES]


def _model_admin(name: str):
    for model, model_admin in admin.site._registry.items():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            return model, model_admin
    return None, None


# Django's bookkeeping: model names and permission names are the catalogue's words, not data.
NOT_DATA = {"contenttypes", "sessions", "admin", "auth.Permission"}


def _data_values() -> set[str]:
    """Every text the database holds: names, titles, usernames, a phase change's reason."""
    values: set[str] = set()
    for model in apps.get_models():
        if model._meta.app_label in NOT_DATA or model._meta.label in NOT_DATA:
            continue
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, (models.CharField, models.TextField))
        ]
        for obj in model._default_manager.all()[:500]:
            values.add(_norm(str(obj)))
            values.update(_norm(str(getattr(obj, name) or "")) for name in fields)
    return values


@pytest.fixture(scope="module")
def pages(module_world, django_db_blocker):
    """The practice admin's signed-in clients (German and English) and the texts that are data,
    built once in the module's transaction."""
    from tests.security.test_url_matrix import Objects

    with django_db_blocker.unblock():
        objects = Objects(module_world)
        clients = {}
        for language in ("de", "en"):
            client = Client(HTTP_ACCEPT_LANGUAGE=language)
            login_verified(client, module_world.admin)
            clients[language] = client
        return objects, clients, _data_values()


def _url(name: str, objects) -> str | None:
    """The page's address with a real object where it needs one; None for a view that needs
    more than an object (those are POST actions, covered where they are used)."""
    from django.urls import NoReverseMatch, reverse

    model, _admin = _model_admin(name)
    candidates = [{}]
    if model is not None:
        candidates.append({"object_id": objects.admin_object_id(model)})
    if name == "auth_user_password_change":
        candidates.append({"id": objects.world.patient.user.pk})
    if name == "app_list":
        return None  # one per app: test_every_app_list_page_is_in_the_users_language
    for kwargs in candidates:
        try:
            return reverse(f"admin:{name}", kwargs=kwargs)
        except NoReverseMatch:
            continue
    return None


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("name", PAGES)
def test_every_admin_page_is_in_the_users_language(name, language, pages, db):
    objects, clients, data = pages
    url = _url(name, objects)
    if url is None:
        return  # an action with more than an object in its address (POST only)

    response = clients[language].get(url)

    if response.status_code in (403, 405):
        return  # nobody's page (the audit log is not deleted), or a POST-only action
    if not response["Content-Type"].startswith("text/html"):
        return  # the printable programme: a PDF, not a page
    assert response.status_code == 200, (url, response.status_code, response.get("Location"))
    found = leftovers(response.content.decode(), language, data)
    assert not found, f"{url} in {language}:\n  " + "\n  ".join(found)


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_app_list_page_is_in_the_users_language(language, pages, db):
    _objects, clients, data = pages
    labels = sorted({model._meta.app_label for model in admin.site._registry})
    found = {}
    for label in labels:
        response = clients[language].get(f"/admin/{label}/")
        assert response.status_code == 200, label
        if wrong := leftovers(response.content.decode(), language, data):
            found[label] = wrong
    assert not found


def test_the_check_sees_an_english_leftover_and_a_german_leak():
    page = (
        '<p>Exercise</p><button type="submit">Run</button><input type="submit" value="Save">'
        '<select><option value="">- Select an option -</option></select>'
        "<script>var x = 'Delete';</script><td>Heinz</td>"
    )
    german_page = "<h1>Programm speichern</h1><p>Sichern</p><p>Übung</p>"

    found = " ".join(leftovers(page, "de", {"heinz"}))
    leaked = " ".join(leftovers(german_page, "en", set()))

    assert "'exercise'" in found
    assert "'save'" in found
    assert "'delete'" not in found  # in a script, not shown
    assert "'heinz'" not in found  # data
    assert "'übung'" in leaked


def _django_gaps(domain: str) -> list[str]:
    """Django's texts (no context) that its own German catalogues leave untranslated."""
    gaps = []
    for part in DJANGO_CATALOGUES:
        english = DJANGO / part / f"locale/en/LC_MESSAGES/{domain}.po"
        if not english.exists():
            continue
        german = {
            entry.msgid
            for entry in parse_po(DJANGO / part / f"locale/de/LC_MESSAGES/{domain}.po")
            if entry.msgstr and all(entry.msgstr.values()) and "fuzzy" not in entry.flags
        }
        gaps += [
            entry.msgid
            for entry in parse_po(english)
            if entry.msgctxt is None and entry.msgid not in german
        ]
    return gaps


# Not on any admin page: a language's name, and the tasks framework's states (with a context).
NOT_IN_THE_ADMIN = {"Haitian Creole"}


def test_our_catalogue_has_every_text_djangos_german_catalogue_lacks():
    ours = {msgid for path in catalogues("de") for msgid, msgstr in _pairs(path) if msgstr}

    missing = sorted(set(_django_gaps("django")) - ours - NOT_IN_THE_ADMIN)
    missing_js = sorted(set(_django_gaps("djangojs")) - ours)

    assert not missing, f"add them to mtt/django_strings.py and translate them: {missing}"
    assert not missing_js, f"add them to locale/de/LC_MESSAGES/djangojs.po: {missing_js}"


def test_the_admins_scripts_speak_german(pages, db):
    _objects, clients, _data = pages

    script = clients["de"].get("/admin/jsi18n/").content.decode()

    assert "Heute (%(date)s)" in script
    # (the catalogue is JSON with its umlauts escaped: "Ausf\u00fchren")
    assert "Sie haben eine Aktion gew" in script  # an action chosen but nothing changed
    assert "Uhrzeit w" in script  # Django's own German stays


def test_the_check_reads_each_text_in_the_language_declared_for_it():
    """The preview: the patient's German page under the English therapist's banner."""
    page = (
        '<html lang="de"><header lang="en"><p>Übung</p><div><p>Exercise</p></div></header>'
        "<main><p>Exercise</p><p>Übung</p></main></html>"
    )

    found = [text.split(" (")[0] for text in leftovers(page, "en", set())]

    assert found == ["'exercise'", "'übung'"]  # the German main part's, the English banner's
