"""Authentication for the API: bearer tokens (``mtt.tokens``) that bring the patient profile
along in the same query, so a patient's request costs one query to authenticate."""

from mtt.tokens import authentication


class BearerTokenAuthentication(authentication.BearerTokenAuthentication):
    select_related = ("user", "user__patient")
