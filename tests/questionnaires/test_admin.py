import json

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from questionnaires.models import Item, Questionnaire, Response
from questionnaires.services import response_submit
from tests.two_factor import login_verified

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:questionnaires_questionnaire_changelist")
IMPORT = reverse("admin:questionnaires_questionnaire_import_fhir")
RESPONSES = reverse("admin:questionnaires_response_changelist")


def _nrs_response(patient, value=3):
    nrs = Questionnaire.objects.get(slug="nrs-pain-week")
    return response_submit(patient=patient, questionnaire=nrs, answers={"pain-average-week": value})


@pytest.mark.parametrize("model", [Questionnaire, Item], ids=lambda model: model.__name__)
def test_definition_pages_render_for_the_practice_admin(admin_client_logged_in, model):
    info = model._meta.app_label, model._meta.model_name
    first = model.objects.order_by("pk").first()

    pages = [
        admin_client_logged_in.get(reverse("admin:{}_{}_changelist".format(*info))),
        admin_client_logged_in.get(reverse("admin:{}_{}_add".format(*info))),
        admin_client_logged_in.get(reverse("admin:{}_{}_change".format(*info), args=[first.pk])),
    ]

    assert [page.status_code for page in pages] == [200, 200, 200]
    changelist, add, change = (page.content.decode() for page in pages)
    assert str(first) in changelist
    assert f"/{first.pk}/change/" in changelist
    assert 'name="_save"' in add
    assert 'name="_save"' in change
    assert str(first) in change


def test_questionnaire_change_page_shows_items_check_and_note(admin_client_logged_in, odi):
    response = admin_client_logged_in.get(
        reverse("admin:questionnaires_questionnaire_change", args=[odi.pk])
    )

    page = response.content.decode()
    assert response.context["inline_admin_formsets"][0].formset.total_form_count() == 10
    assert "Score range 0–100" in page
    assert "not the licensed original" in page
    assert "0–5 (6)" in page


def test_the_changelist_links_to_the_import_page(admin_client_logged_in):
    response = admin_client_logged_in.get(CHANGELIST)

    assert IMPORT in response.content.decode()
    assert admin_client_logged_in.get(IMPORT).status_code == 200


def test_export_action_downloads_one_resource_or_a_bundle(admin_client_logged_in, odi, nrs):
    one = admin_client_logged_in.post(
        CHANGELIST, {"action": "export_fhir", "_selected_action": [odi.pk]}
    )
    several = admin_client_logged_in.post(
        CHANGELIST, {"action": "export_fhir", "_selected_action": [odi.pk, nrs.pk]}
    )

    assert one["Content-Type"].startswith("application/fhir+json")
    assert 'filename="disability-index.fhir.json"' in one["Content-Disposition"]
    assert json.loads(one.content)["resourceType"] == "Questionnaire"
    bundle = json.loads(several.content)
    assert bundle["resourceType"] == "Bundle"
    assert len(bundle["entry"]) == 2


def _upload(data, name="q.json"):
    content = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile(name, content, content_type="application/json")


def test_import_page_imports_an_uploaded_file(admin_client_logged_in, tsk):
    exported = admin_client_logged_in.post(
        CHANGELIST, {"action": "export_fhir", "_selected_action": [tsk.pk]}
    )
    data = json.loads(exported.content)
    data["version"] = "2.0"

    checked = admin_client_logged_in.post(IMPORT, {"file": _upload(data), "dry_run": "on"})
    assert checked.status_code == 200
    assert "would be updated" in checked.content.decode()
    assert Questionnaire.objects.get(pk=tsk.pk).version == "1.0"

    imported = admin_client_logged_in.post(IMPORT, {"file": _upload(data)}, follow=True)
    assert imported.redirect_chain[-1][0] == CHANGELIST
    assert "Imported 1 questionnaire: fear-of-movement" in imported.content.decode()
    assert Questionnaire.objects.get(pk=tsk.pk).version == "2.0"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "The file is not valid JSON"),
        (json.dumps({"resourceType": "Patient"}).encode(), "Nothing was imported"),
    ],
)
def test_import_page_shows_clear_errors(admin_client_logged_in, content, message):
    count = Questionnaire.objects.count()

    response = admin_client_logged_in.post(IMPORT, {"file": _upload(content)})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Questionnaire.objects.count() == count


def test_import_needs_add_and_change_permission(client, therapist):
    login_verified(client, therapist)

    assert client.get(IMPORT).status_code == 403
    assert IMPORT not in client.get(CHANGELIST).content.decode()


def test_response_pages_render_read_only_for_the_practice_admin(admin_client_logged_in, patient):
    response = _nrs_response(patient, 5)

    changelist = admin_client_logged_in.get(RESPONSES)
    change = admin_client_logged_in.get(
        reverse("admin:questionnaires_response_change", args=[response.pk])
    )

    assert changelist.status_code == 200
    assert "moderate pain" in changelist.content.decode()
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert "pain-average-week" in change.content.decode()
    assert (
        admin_client_logged_in.get(reverse("admin:questionnaires_response_add")).status_code == 403
    )


def test_response_changelist_uses_a_fixed_number_of_queries(
    admin_client_logged_in, make_patient, django_assert_max_num_queries
):
    patients = [make_patient(f"p{number}") for number in range(10)]
    odi = Questionnaire.objects.get(slug="disability-index")
    for number in range(30):
        patient = patients[number % 10]
        if number % 2:
            _nrs_response(patient, number % 11)
        else:
            answers = dict.fromkeys(odi.items.values_list("link_id", flat=True), number % 6)
            response_submit(patient=patient, questionnaire=odi, answers=answers)

    # 9 today: session, user, 2 counts, rows, bands, questionnaire filter, due-week filter,
    # the header's badge of open alerts
    with django_assert_max_num_queries(11):
        response = admin_client_logged_in.get(RESPONSES)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 30


def test_therapists_see_only_responses_of_their_own_patients(
    client, therapist, make_therapist, make_patient
):
    colleague = make_therapist("t.klein")
    own = _nrs_response(make_patient("anna"))
    foreign = _nrs_response(make_patient("bernd", therapist=colleague))
    login_verified(client, therapist)

    changelist = client.get(RESPONSES)
    own_page = client.get(reverse("admin:questionnaires_response_change", args=[own.pk]))
    foreign_page = client.get(reverse("admin:questionnaires_response_change", args=[foreign.pk]))

    assert list(changelist.context["cl"].result_list) == [own]
    assert "Bernd" not in changelist.content.decode()
    assert own_page.status_code == 200
    assert foreign_page.status_code == 404
    history = reverse("admin:questionnaires_response_history", args=[foreign.pk])
    assert client.get(history).status_code == 404


def test_a_therapist_with_delete_permission_still_cannot_reach_foreign_responses(
    client, therapist, make_therapist, make_patient
):
    therapist.user_permissions.add(Permission.objects.get(codename="delete_response"))
    foreign = _nrs_response(make_patient("bernd", therapist=make_therapist("t.klein")))
    login_verified(client, therapist)

    url = reverse("admin:questionnaires_response_delete", args=[foreign.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, {"post": "yes"}).status_code == 404
    assert Response.objects.filter(pk=foreign.pk).exists()
