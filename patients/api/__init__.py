"""REST API v1 for patients, therapists and integrations (docs/product.md, docs/api.md).

Views are thin: they scope querysets with ``Patient.objects.for_user``, validate the shape of the
request, call ``patients.services`` and serialize. Rules live in ``patients.rules``.
"""
