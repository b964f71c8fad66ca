import pytest
from django.urls import reverse

from questionnaires import services as q_services
from questionnaires.models import Questionnaire, Response

pytestmark = pytest.mark.django_db


def _fill(client, slug, data):
    return client.post(reverse("portal:questionnaire_fill", args=[slug]), data)


def test_due_questionnaires_are_listed_on_today_and_their_page(patient_client):
    # The test patients started 30 days ago: the week-4 follow-up is open.
    listed = patient_client.get(reverse("portal:questionnaires")).context["due"]
    assert {due.questionnaire.slug for due in listed} == {
        "nrs-pain-week",
        "disability-index",
        "fear-of-movement",
    }
    assert {due.due_week for due in listed} == {4}
    today = patient_client.get(reverse("portal:today")).context["questionnaires_due"]
    assert len(today) == 3


def test_filling_in_shows_the_score_and_what_it_means(patient_client, patient):
    response = _fill(patient_client, "nrs-pain-week", {"pain-average-week": "5"})
    stored = Response.objects.get(patient=patient)
    assert response["Location"] == reverse("portal:questionnaire_result", args=[stored.pk])
    assert (stored.score, stored.band, stored.due_week) == (5, "moderate", 4)
    page = patient_client.get(response["Location"]).content.decode()
    assert "moderate pain" in page
    assert "on a scale from 0 to 10" in page
    listed = patient_client.get(reverse("portal:questionnaires")).context["due"]
    assert "nrs-pain-week" not in {due.questionnaire.slug for due in listed}


@pytest.mark.parametrize("value", ["11", "", "abc"])
def test_bad_answers_show_errors_and_write_nothing(patient_client, value):
    response = _fill(patient_client, "nrs-pain-week", {"pain-average-week": value})
    assert response.status_code == 400
    assert response.context["form"].errors["pain-average-week"]
    assert not Response.objects.exists()


def test_another_patients_result_is_not_found(patient_client, other_patient):
    questionnaire = Questionnaire.objects.get(slug="nrs-pain-week")
    response = q_services.response_submit(
        patient=other_patient, questionnaire=questionnaire, answers={"pain-average-week": 3}
    )
    url = reverse("portal:questionnaire_result", args=[response.pk])
    assert patient_client.get(url).status_code == 404


def test_scores_appear_on_the_progress_page(patient_client, patient):
    _fill(patient_client, "nrs-pain-week", {"pain-average-week": "6"})
    series = patient_client.get(reverse("portal:progress")).context["chart"]["scores"]
    assert [row["values"] for row in series] == [[6.0]]


def test_questionnaire_pages_query_counts(patient_client, patient, django_assert_max_num_queries):
    questionnaire = Questionnaire.objects.get(slug="fear-of-movement")
    items = list(questionnaire.items.values_list("link_id", flat=True))
    for _ in range(15):
        q_services.response_submit(
            patient=patient, questionnaire=questionnaire, answers=dict.fromkeys(items, 2)
        )
    with django_assert_max_num_queries(8):
        assert patient_client.get(reverse("portal:questionnaires")).status_code == 200
    url = reverse("portal:questionnaire_fill", args=["fear-of-movement"])
    with django_assert_max_num_queries(10):
        assert patient_client.get(url).status_code == 200
    result = reverse("portal:questionnaire_result", args=[Response.objects.first().pk])
    with django_assert_max_num_queries(8):
        assert patient_client.get(result).status_code == 200
    with django_assert_max_num_queries(8):
        assert patient_client.get(reverse("portal:progress")).status_code == 200


def test_the_introduction_speaks_to_the_patient(patient_client):
    """docs/product.md, "Web pages": why the answers matter and how many questions come first;
    the scoring and the licence note are folded away."""
    page = patient_client.get(
        reverse("portal:questionnaire_fill", args=["disability-index"])
    ).content.decode()
    intro = page[page.index('class="card intro"') : page.index('class="questionnaire-form"')]
    assert "There are no right or wrong answers" in intro
    assert "10 questions." in intro
    assert "you may leave it out" in intro
    folded = intro[intro.index("<details>") :]
    assert "Oswestry" in folded and "Own-worded form" in folded
    assert "Oswestry" not in intro[: intro.index("<details>")]
    single = patient_client.get(
        reverse("portal:questionnaire_fill", args=["nrs-pain-week"])
    ).content.decode()
    assert "1 question." in single and "Please answer every question." in single
