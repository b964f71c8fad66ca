"""Web Push over the API (docs/api.md, "Push reminders"): the server's public VAPID key and the
patient's own push devices. The portal's profile page uses the same endpoints."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView, ListCreateAPIView
from rest_framework.response import Response

from api.base import ApiMixin
from patients.api.base import IsPatient, caller_patient
from patients.selectors import push_configured
from reminders import push, selectors, services
from reminders.models import PushSubscription

KEY_MAX_LENGTH = 200  # generous for a base64 text of 65 bytes; the exact check is push.key_problem


class PublicKeySerializer(serializers.Serializer):
    public_key = serializers.CharField(
        allow_null=True,
        help_text="The VAPID application server key (URL-safe base64 of the uncompressed P-256 "
        "point) for `pushManager.subscribe({applicationServerKey})`; null when this server "
        "does not send push reminders.",
    )


@extend_schema(tags=["me"])
class PublicKeyView(ApiMixin, GenericAPIView):
    """The key a browser subscribes with. Without configured keys push is off: `public_key` is
    null (not an error), and the reminder channel `push` is not offered."""

    permission_classes = [IsPatient]
    serializer_class = PublicKeySerializer
    pagination_class = None
    filter_backends = []
    consent_exempt = True  # a public key, no patient data

    def get(self, request):
        key = settings.VAPID_PUBLIC_KEY if push_configured() else None
        return Response({"public_key": key})


class SubscriptionKeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(
        max_length=KEY_MAX_LENGTH, help_text="The device's P-256 public key (65 bytes)."
    )
    auth = serializers.CharField(
        max_length=KEY_MAX_LENGTH, help_text="The device's authentication secret (16 bytes)."
    )

    def validate_p256dh(self, value: str) -> str:
        return _checked(value, push.key_problem(value, size=push.P256DH_BYTES, point=True))

    def validate_auth(self, value: str) -> str:
        return _checked(value, push.key_problem(value, size=push.AUTH_BYTES))


def _checked(value: str, problem: str | None) -> str:
    if problem:
        raise serializers.ValidationError(problem)
    return value


class SubscriptionCreateSerializer(serializers.Serializer):
    """What `PushSubscription.toJSON()` gives in the browser."""

    endpoint = serializers.CharField(max_length=push.ENDPOINT_MAX_LENGTH)
    keys = SubscriptionKeysSerializer()
    expirationTime = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        help_text="Milliseconds since 1970 when the browser ends the subscription, or null.",
    )

    def validate_endpoint(self, value: str) -> str:
        return _checked(value, push.endpoint_problem(value))


class SubscriptionSerializer(serializers.ModelSerializer):
    push_service = serializers.CharField(source="get_host", read_only=True)

    class Meta:
        model = PushSubscription
        fields = [
            "id",
            "endpoint",
            "push_service",
            "expires_at",
            "created_at",
            "updated_at",
            "last_sent_at",
        ]
        read_only_fields = fields


@extend_schema(tags=["me"])
class SubscriptionListView(ApiMixin, ListCreateAPIView):
    """The patient's push devices, newest first. ``POST`` registers the browser's subscription
    (201) and switches the reminder channel `push` on; the same endpoint again updates the
    stored device instead of adding one (200). 400 names the field when the endpoint is not
    an https push service address or a key does not decode to the right length."""

    permission_classes = [IsPatient]
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return PushSubscription.objects.none()
        return selectors.push_subscriptions(caller_patient(self.request.user))

    def get_serializer_class(self):
        if self.request.method == "POST":
            return SubscriptionCreateSerializer
        return SubscriptionSerializer

    @extend_schema(
        request=SubscriptionCreateSerializer,
        responses={
            201: SubscriptionSerializer,
            200: OpenApiResponse(SubscriptionSerializer, description="Known endpoint, updated."),
        },
    )
    def post(self, request, *args, **kwargs):
        serializer = SubscriptionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        expires = data.get("expirationTime")
        subscription, created = services.push_subscription_save(
            patient=caller_patient(request.user),
            endpoint=data["endpoint"],
            p256dh=data["keys"]["p256dh"],
            auth=data["keys"]["auth"],
            expires_at=None if expires is None else push.from_milliseconds(expires),
        )
        return Response(SubscriptionSerializer(subscription).data, status=201 if created else 200)


@extend_schema(tags=["me"])
class SubscriptionDetailView(ApiMixin, GenericAPIView):
    """One of the patient's devices; ``DELETE`` removes it (204): it gets no more pushes.
    Another patient's device answers 404."""

    permission_classes = [IsPatient]
    serializer_class = SubscriptionSerializer
    pagination_class = None
    filter_backends = []
    # Open without consent to the current text, like signing out an app: a patient can always
    # stop what reaches their phone.
    consent_exempt = True

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PushSubscription.objects.none()
        return selectors.push_subscriptions(caller_patient(self.request.user))

    def get(self, request, pk: int):
        return Response(SubscriptionSerializer(get_object_or_404(self.get_queryset(), pk=pk)).data)

    @extend_schema(responses={204: OpenApiResponse(description="Removed.")})
    def delete(self, request, pk: int):
        device = get_object_or_404(self.get_queryset(), pk=pk)
        services.push_subscription_delete(subscription=device)
        return Response(status=204)


urlpatterns = [
    path("push/public-key/", PublicKeyView.as_view(), name="push-public-key"),
    path(
        "me/push-subscriptions/", SubscriptionListView.as_view(), name="me-push-subscription-list"
    ),
    path(
        "me/push-subscriptions/<int:pk>/",
        SubscriptionDetailView.as_view(),
        name="me-push-subscription-detail",
    ),
]
