import warnings

import pytest
from django.core.management import call_command
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

pytestmark = pytest.mark.django_db


def test_schema_is_valid_openapi_3_without_warnings(tmp_path, capsys):
    path = tmp_path / "schema.yaml"

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        call_command("spectacular", "--file", str(path), "--validate", "--fail-on-warn")

    spec, _ = read_from_filename(str(path))
    validate(spec)
    assert spec["openapi"].startswith("3.")
    for resource in ("phases", "goals", "exercises", "programs"):
        assert f"/api/v1/{resource}/" in spec["paths"]
    assert "Warning" not in capsys.readouterr().err


def test_schema_and_docs_are_public_and_served_locally(client):
    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()
