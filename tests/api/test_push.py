"""Web Push over the API: the public key, the patient's devices (register, list, remove) with
their validation, and ``reminder_channels`` in ``me/profile/``."""

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reminders.models import PushSubscription
from reminders.push import b64url, generate_keys
from tests.api.conftest import OTHER_PATIENT, PATIENT, THERAPIST, bearer_client
from tests.push_service import Device

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/push-subscriptions/"


@pytest.fixture
def keys(settings):
    """VAPID keys of this test's own (no push service needed to register devices)."""
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = generate_keys()
    settings.PUSH_ALLOW_LOOPBACK_HTTP = False
    return settings.VAPID_PUBLIC_KEY


def subscription(name="one", **changes) -> dict:
    """What ``PushSubscription.toJSON()`` gives, for a device of ``name``."""

    device = Device(
        endpoint=f"https://fcm.googleapis.com/fcm/send/{name}",
        private_key=ec.generate_private_key(ec.SECP256R1()),
        auth=bytes(range(16)),
    )
    body = device.to_json()
    keys = {**body["keys"], **changes.pop("keys", {})}
    return {**body, "keys": keys, **changes}


def test_the_public_key_is_the_servers_vapid_key(world, call, keys):
    response = call(PATIENT, "get", "/api/v1/push/public-key/")

    assert response.status_code == 200
    assert response.json() == {"public_key": keys}


def test_without_keys_the_public_key_is_null_and_devices_are_refused(world, call, settings):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""

    assert call(PATIENT, "get", "/api/v1/push/public-key/").json() == {"public_key": None}
    response = call(PATIENT, "post", URL, subscription())
    assert response.status_code == 400
    assert response.json()["endpoint"] == ["Push reminders are not available on this server."]
    assert not PushSubscription.objects.exists()


def test_a_device_is_registered_listed_and_removed(world, call, keys):
    body = subscription(expirationTime=1893456000000)

    created = call(PATIENT, "post", URL, body)

    assert created.status_code == 201, created.content
    device = created.json()
    assert device["endpoint"] == body["endpoint"]
    assert device["push_service"] == "fcm.googleapis.com"
    assert device["expires_at"] == "2030-01-01T01:00:00+01:00"  # 1 January 2030, 00:00 UTC
    assert {"id", "created_at", "updated_at", "last_sent_at"} <= device.keys()
    assert "p256dh" not in device and "auth" not in device  # secrets are not read back
    profile = call(PATIENT, "get", "/api/v1/me/profile/").json()
    assert profile["reminder_channels"] == ["email", "push"]  # registering asks for push

    listed = call(PATIENT, "get", URL).json()
    assert [row["id"] for row in listed["results"]] == [device["id"]]
    assert call(PATIENT, "get", f"{URL}{device['id']}/").json()["endpoint"] == body["endpoint"]

    assert call(PATIENT, "delete", f"{URL}{device['id']}/").status_code == 204
    assert call(PATIENT, "get", URL).json()["results"] == []
    # The channel stays chosen: a device registered later receives the reminders.
    assert call(PATIENT, "get", "/api/v1/me/profile/").json()["reminder_channels"] == [
        "email",
        "push",
    ]


def test_the_same_endpoint_again_updates_the_device_instead_of_adding_one(world, call, keys):
    first = call(PATIENT, "post", URL, subscription())
    renewed = subscription(keys={"auth": b64url(bytes(16))})

    again = call(PATIENT, "post", URL, renewed)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    stored = PushSubscription.objects.get()
    assert stored.auth == renewed["keys"]["auth"]
    assert stored.p256dh == renewed["keys"]["p256dh"]


def test_an_endpoint_registered_on_a_shared_phone_moves_to_the_new_login(world, call, keys):
    body = subscription()
    call(PATIENT, "post", URL, body)

    moved = call(OTHER_PATIENT, "post", URL, body)

    assert moved.status_code == 200
    assert PushSubscription.objects.get().patient == world.other_patient
    assert call(PATIENT, "get", URL).json()["results"] == []


def test_another_patients_device_answers_404_and_stays(world, call, keys):
    device = call(PATIENT, "post", URL, subscription()).json()

    assert call(OTHER_PATIENT, "get", f"{URL}{device['id']}/").status_code == 404
    assert call(OTHER_PATIENT, "delete", f"{URL}{device['id']}/").status_code == 404
    assert call(OTHER_PATIENT, "get", URL).json()["results"] == []
    assert PushSubscription.objects.filter(pk=device["id"]).exists()


def test_staff_and_anonymous_callers_have_no_devices(world, call, keys):
    assert call(THERAPIST, "get", URL).status_code == 403
    assert call(THERAPIST, "post", URL, subscription()).status_code == 403
    assert call(THERAPIST, "get", "/api/v1/push/public-key/").status_code == 403
    anonymous = bearer_client(None)
    assert anonymous.get(URL).status_code == 401
    assert anonymous.post(URL, subscription(), format="json").status_code == 401
    assert not PushSubscription.objects.exists()


POINT = subscription()["keys"]["p256dh"]


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"endpoint": "http://push.example.org/send/x"},
            {"endpoint": ["The push service address must start with https://."]},
        ),
        (  # plain http to loopback only where PUSH_ALLOW_LOOPBACK_HTTP is on (here: off)
            {"endpoint": "http://127.0.0.1:8123/push/x"},
            {"endpoint": ["The push service address must start with https://."]},
        ),
        (  # the server must not post into its own network
            {"endpoint": "https://10.0.0.7/push/x"},
            {"endpoint": ["This is not the address of a push service."]},
        ),
        ({"endpoint": "not a url"}, {"endpoint": ["This is not the address of a push service."]}),
        (
            {"endpoint": "https://push.example.org/" + "x" * 1000},
            {"endpoint": ["Ensure this field has no more than 1000 characters."]},
        ),
        (
            {"keys": {"p256dh": b64url(b"\x04" + bytes(63))}},  # 64 bytes
            {"keys": {"p256dh": ["Not a valid key: expected 65 bytes in URL-safe base64."]}},
        ),
        (
            {"keys": {"p256dh": b64url(b"\x04" + bytes(64))}},  # 65 bytes, not on the curve
            {"keys": {"p256dh": ["Not a valid key: expected 65 bytes in URL-safe base64."]}},
        ),
        (
            {"keys": {"auth": b64url(bytes(15))}},
            {"keys": {"auth": ["Not a valid key: expected 16 bytes in URL-safe base64."]}},
        ),
        (
            {"keys": {"auth": "not base64!!"}},
            {"keys": {"auth": ["Not a valid key: expected 16 bytes in URL-safe base64."]}},
        ),
        ({"keys": {"auth": 16}}, {"keys": {"auth": ["Not a valid string."]}}),
        (
            {"expirationTime": -1},
            {"expirationTime": ["Ensure this value is greater than or equal to 0."]},
        ),
    ],
)
def test_bad_subscriptions_answer_400_per_field_and_store_nothing(
    world, call, keys, changes, errors
):
    response = call(PATIENT, "post", URL, subscription(**changes))

    assert response.status_code == 400
    assert response.json() == errors
    assert not PushSubscription.objects.exists()
    assert call(PATIENT, "get", "/api/v1/me/profile/").json()["reminder_channels"] == ["email"]


def test_a_subscription_without_keys_answers_400(world, call, keys):
    response = call(PATIENT, "post", URL, {"endpoint": "https://fcm.googleapis.com/fcm/send/x"})

    assert response.status_code == 400
    assert response.json() == {"keys": ["This field is required."]}


def test_the_device_list_costs_the_same_queries_for_many_devices(world, call, keys):
    call(PATIENT, "post", URL, subscription("first"))
    call(PATIENT, "get", URL)  # the token exists before counting

    with CaptureQueriesContext(connection) as one:
        call(PATIENT, "get", URL)
    for number in range(12):
        call(PATIENT, "post", URL, subscription(f"more{number}"))
    with CaptureQueriesContext(connection) as many:
        response = call(PATIENT, "get", URL)

    assert response.json()["count"] == 13
    assert len(response.json()["results"]) == 13
    assert len(many) == len(one) <= 3, [query["sql"] for query in many.captured_queries]


# --- reminder_channels in me/profile/ ----------------------------------------------------------


def test_the_profile_reads_and_changes_the_reminder_channels(world, call, keys):
    profile = call(PATIENT, "get", "/api/v1/me/profile/").json()
    assert profile["reminder_channels"] == ["email"]

    changed = call(PATIENT, "patch", "/api/v1/me/profile/", {"reminder_channels": ["push"]})

    assert changed.status_code == 200
    assert changed.json()["reminder_channels"] == ["push"]
    world.patient.refresh_from_db()
    assert (world.patient.remind_by_email, world.patient.remind_by_push) == (False, True)


def test_no_channel_is_refused_unless_reminders_are_switched_off(world, call, keys):
    refused = call(PATIENT, "patch", "/api/v1/me/profile/", {"reminder_channels": []})

    assert refused.status_code == 400
    assert refused.json() == {
        "reminder_channels": ["Choose at least one way to be reminded, or switch reminders off."]
    }
    switched_off = call(
        PATIENT,
        "patch",
        "/api/v1/me/profile/",
        {"reminder_channels": [], "reminder_opt_out": True},
    )
    assert switched_off.status_code == 200
    assert switched_off.json()["reminder_channels"] == []
    # Back on without a channel: refused as well.
    back = call(PATIENT, "patch", "/api/v1/me/profile/", {"reminder_opt_out": False})
    assert back.status_code == 400
    assert "reminder_channels" in back.json()


@pytest.mark.parametrize(
    ("channels", "message"),
    [
        (["fax"], '"fax" is not a valid choice.'),
        ("email", 'Expected a list of items but got type "str".'),
    ],
)
def test_unknown_channels_are_refused(world, call, keys, channels, message):
    response = call(PATIENT, "patch", "/api/v1/me/profile/", {"reminder_channels": channels})

    assert response.status_code == 400
    assert message in str(response.json()["reminder_channels"])
    assert call(PATIENT, "get", "/api/v1/me/profile/").json()["reminder_channels"] == ["email"]


def test_push_cannot_be_chosen_where_the_server_has_no_keys(world, call, settings):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""

    response = call(
        PATIENT, "patch", "/api/v1/me/profile/", {"reminder_channels": ["email", "push"]}
    )

    assert response.status_code == 400
    assert response.json() == {
        "reminder_channels": ["Push reminders are not available on this server."]
    }


def test_the_schema_documents_the_push_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    assert "get" in schema["paths"]["/api/v1/push/public-key/"]
    assert {"get", "post"} <= schema["paths"]["/api/v1/me/push-subscriptions/"].keys()
    assert {"get", "delete"} <= schema["paths"]["/api/v1/me/push-subscriptions/{id}/"].keys()
    profile = schema["components"]["schemas"]["Profile"]["properties"]
    assert profile["reminder_channels"]["type"] == "array"
