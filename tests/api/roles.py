"""Reusable role checks: an endpoint states its request and the status each role gets.

Subclass ``EndpointRoles`` in a ``Test…`` class, set ``method`` and ``expected`` and define
``url(world)`` (and ``body(world)`` for writes). One test per endpoint and role, so pytest-xdist
spreads them; all share the module's ``world`` (``module_world``) and each runs in its own
savepoint, so one role's write does not change the next one's answer.
"""

import pytest

from tests.api.conftest import ROLES, bearer_client


class EndpointRoles:
    method = "get"
    expected: dict[str, int]

    def url(self, world) -> str:
        raise NotImplementedError

    def body(self, world):
        return None

    @pytest.mark.parametrize("role", ROLES)
    def test_status_for_the_role(self, role, module_world, db):
        client = bearer_client(module_world.user(role))
        response = getattr(client, self.method)(
            self.url(module_world), self.body(module_world), format="json"
        )

        assert response.status_code == self.expected[role], response.content
        if response.status_code != 204:
            assert response["Content-Type"] == "application/json"


def statuses(anonymous, patient, other_patient, therapist, other_therapist, admin):
    return dict(
        zip(
            ROLES,
            [anonymous, patient, other_patient, therapist, other_therapist, admin],
            strict=True,
        )
    )


READ_ALL = statuses(401, 200, 200, 200, 200, 200)  # scoped lists: everyone signed in
OWN_OBJECT = statuses(401, 200, 404, 200, 404, 200)  # the patient's object
PATIENT_ONLY = statuses(401, 200, 200, 403, 403, 403)  # me/…: the caller's own data
