"""Serves exercise pictures and videos stored on the local disk (docs/operations.md "Media
files"). With an S3-compatible store the URLs point at the store and this view is not used.

Names are content hashes (programs/media.py), so an answer may be cached for a year. The files
are catalogue content without personal data, so no login is needed (the catalogue API is open
as well).
"""

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import Http404
from django.views.decorators.http import require_safe
from django.views.static import serve


@require_safe
def media_file(request, path):
    if not isinstance(default_storage, FileSystemStorage):
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
