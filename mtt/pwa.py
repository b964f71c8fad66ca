"""The portal as an installable app (docs/product.md, "Installable app and offline use"): the web
app manifest, the service worker and the page it shows when a page is neither reachable nor kept
on the phone.

The service worker is served from the site root, so that its scope can cover the portal's pages
(/today/, /session/ …); it is rendered per request because its list of files to keep comes from
the static pipeline: the content-hashed names of ManifestStaticFilesStorage in production, the
plain names in development.
"""

import hashlib
import json
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

THEME_COLOUR = "#0b5e8a"
# The app's own files the pages need; catalogue pictures of programs/ included (small SVGs).
PRECACHE_DIRS = ("css/", "js/", "pwa/", "vendor/", "programs/")
PRECACHE_FILES = ("favicon.svg",)
PRECACHE_SKIP = (".map", ".md", ".json")
# Pages kept on the phone for offline use: today's plan and the guided session (health data,
# deleted at logout). Every other page answers from the network or with the offline page.
OFFLINE_PAGES = ("portal:today", "portal:session")


def _static_names() -> list[str]:
    """Names (before hashing) of the static files worth keeping: from the manifest of the
    hashed storage when there is one, else from the project's static folders."""
    hashed = getattr(staticfiles_storage, "hashed_files", None)
    if hashed is None and hasattr(staticfiles_storage, "load_manifest"):
        hashed = staticfiles_storage.load_manifest()
    if hashed:
        names = list(hashed)
    else:
        names = [
            path
            for finder in finders.get_finders()
            if finder.__class__.__name__ == "FileSystemFinder"
            for path, _storage in finder.list(ignore_patterns=None)
        ]
    return sorted(
        PurePosixPath(name).as_posix()
        for name in set(names)
        if (name.startswith(PRECACHE_DIRS) or name in PRECACHE_FILES)
        and not name.endswith(PRECACHE_SKIP)
    )


def precache_urls() -> list[str]:
    return [staticfiles_storage.url(name) for name in _static_names()] + [reverse("offline")]


@require_safe
@cache_control(max_age=60 * 60, public=True)
def manifest(request):
    """``/manifest.webmanifest``: what the phone needs to install the portal as an app."""
    icon = staticfiles_storage.url
    data = {
        "id": reverse("portal:today"),
        "name": "MTT Rücken",
        "short_name": "MTT Rücken",
        "description": _("Your back training programme: today's exercises, sessions and progress."),
        "lang": request.LANGUAGE_CODE,
        "start_url": reverse("portal:today"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": "#ffffff",
        "icons": [
            {"src": icon("pwa/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": icon("pwa/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": icon("pwa/icon-maskable-192.png"),
                "sizes": "192x192",
                "type": "image/png",
                "purpose": "maskable",
            },
            {
                "src": icon("pwa/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )


@never_cache
@require_safe
def service_worker(request):
    """``/sw.js``: never cached by the browser's HTTP cache, so a new release reaches every
    phone on its next visit. Its scope is the site root and no wider
    (``Service-Worker-Allowed: /``)."""
    urls = precache_urls()
    version = hashlib.sha256(json.dumps(urls).encode()).hexdigest()[:12]
    context = {
        "version": version,
        "settings": json.dumps(
            {
                "version": version,
                "precache": urls,
                "offlineUrl": reverse("offline"),
                "offlinePages": [reverse(name) for name in OFFLINE_PAGES],
                "staticUrl": staticfiles_storage.base_url,
                "mediaUrl": settings.MEDIA_URL,
                # Push reminders: what a notification shows when its message lacks it.
                "pushDefaultUrl": reverse("portal:today"),
                "pushDefaultTitle": _("Time for your training"),
                "pushIcon": staticfiles_storage.url("pwa/icon-192.png"),
            }
        ),
        "outbox_script": json.dumps(staticfiles_storage.url("js/outbox.js")),
    }
    response = render(request, "pwa/sw.js", context, content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_safe
@cache_control(max_age=60 * 60, public=True)
def offline(request):
    """Shown by the service worker for a page that needs the network while there is none.
    Holds no personal data: it is kept for everyone."""
    return render(request, "pwa/offline.html")
