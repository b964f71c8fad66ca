"""The therapist's dose extras (load, band, hold time, side) reach the patient in plain words:
the today page, the guided session, ``me/today/`` and the printable programme."""

import re
from decimal import Decimal

import pytest

from patients import services
from patients.models import PrescriptionItem
from privacy.selectors import patient_export
from tests.pdf import pdf_text

pytestmark = pytest.mark.django_db


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def plank(patient, therapist):
    item = PrescriptionItem.objects.get(
        assignment__patient=patient, exercise__slug="plank-mtt", removed_at__isnull=True
    )
    return services.prescription_item_update(
        item=item,
        changed_by=therapist,
        dosage={"load_kg": Decimal("2.5"), "band": "red band", "hold_s": 20, "side": "left"},
    )


EXTRAS_EN = "With 2.5 kg, with red band, hold each repetition for 20 s, left side only"


def test_the_today_page_shows_the_extras_on_the_card(patient_client, plank):
    body = patient_client.get("/today/").content.decode()
    card = body[body.index(f'id="item-{plank.pk}"') :]
    card = card[: card.index("</li>")]
    assert EXTRAS_EN in card


def test_an_exercise_without_extras_shows_none(patient_client, plank):
    body = patient_client.get("/today/").content.decode()
    assert body.count('data-role="dose-extras"') == 1


def test_the_guided_session_shows_the_extras(patient_client, plank):
    body = patient_client.get("/session/").content.decode()
    assert EXTRAS_EN in body


def test_the_today_page_reads_the_extras_in_german(client, patient, plank):
    patient.language = "de"
    patient.save(update_fields=["language"])
    client.force_login(patient.user)
    body = client.get("/today/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "2,5 kg" in body


def test_me_today_carries_the_extras(patient_client, plank):
    rows = patient_client.get("/api/v1/me/today/").json()["exercises"]
    row = next(row for row in rows if row["slug"] == "plank-mtt")
    assert (row["load_kg"], row["band"], row["hold_s"], row["side"]) == (
        2.5,
        "red band",
        20,
        "left",
    )
    assert row["dose_extras"] == EXTRAS_EN[0].lower() + EXTRAS_EN[1:]
    other = next(row for row in rows if row["slug"] != "plank-mtt")
    assert (other["load_kg"], other["band"], other["hold_s"], other["side"]) == (
        None,
        "",
        None,
        "both",
    )
    assert other["dose_extras"] == ""


def test_the_printable_programme_names_the_extras(patient_client, plank):
    text = words(pdf_text(patient_client.get("/programme.pdf").content))
    assert "Weight 2.5 kg" in text
    # The label fills its column, so the text extraction may join it to its value.
    assert re.search("Band or level ?red band", text)
    assert "Hold 20 seconds each repetition" in text
    assert "Side left side only" in text


def test_the_data_export_carries_the_extras(patient, plank):
    export = patient_export(patient_id=patient.pk)
    rows = [row for assignment in export["assignments"] for row in assignment["prescription"]]
    row = next(row for row in rows if row["exercise"] == "plank-mtt")
    assert (row["load_kg"], row["band"], row["hold_s"], row["side"]) == (
        2.5,
        "red band",
        20,
        "left",
    )
