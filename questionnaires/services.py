"""Writes for questionnaires: submitting a response, sending a questionnaire on demand and
importing definitions. Each runs in one transaction and either writes everything or nothing."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from patients import rules as patient_rules
from patients.models import Patient
from questionnaires import fhir, rules, scoring, selectors
from questionnaires.models import (
    Answer,
    Item,
    Option,
    Questionnaire,
    QuestionnaireRequest,
    Response,
    ScoreBand,
    ScoringMethod,
)

CLOCK_SKEW = timedelta(minutes=5)


@transaction.atomic
def response_submit(
    *,
    patient: Patient,
    questionnaire: Questionnaire,
    answers: Mapping[str, int | None],
    due_week: int | None = None,
    submitted_at: datetime | None = None,
) -> Response:
    """Store a filled-in questionnaire with its score.

    Every answer must be one of its item's option values (``None`` or absent: not answered);
    otherwise ``ValidationError`` with one message per item (keyed by link_id) and nothing is
    written. Too many missing answers are allowed but leave the score empty.
    """
    questionnaire = selectors.questionnaires_with_definition(
        Questionnaire.objects.filter(pk=questionnaire.pk)
    ).get()
    items = list(questionnaire.items.all())
    now = timezone.now()
    submitted_at = submitted_at or now
    errors = _answer_errors(items, answers)
    if not questionnaire.is_active:
        errors[NON_FIELD_ERRORS] = [_("This questionnaire is no longer in use.")]
    if due_week is not None and due_week not in questionnaire.schedule_weeks:
        errors["due_week"] = [_("This questionnaire is not scheduled for that week.")]
    if submitted_at > now + CLOCK_SKEW:
        errors["submitted_at"] = [_("A response cannot be submitted in the future.")]
    if errors:
        raise ValidationError(errors)

    result = scoring.score(selectors.scoring_definition(questionnaire), answers)
    response = Response.objects.create(
        patient=patient,
        questionnaire=questionnaire,
        questionnaire_version=questionnaire.version,
        due_week=due_week,
        submitted_at=submitted_at,
        score=result.score,
        band=result.band or "",
        answered=result.answered,
        missing=result.missing,
    )
    Answer.objects.bulk_create(
        Answer(response=response, item=item, value=answers.get(item.link_id)) for item in items
    )
    # Answering fulfils the open request for this questionnaire, whichever way it was filled in.
    selectors.open_requests(patient=patient).filter(questionnaire=questionnaire).update(
        response=response, answered_at=submitted_at
    )
    return response


@transaction.atomic
def questionnaire_request_create(
    *,
    patient: Patient,
    questionnaire: Questionnaire,
    requested_by: Any,
    due_on: date | None = None,
    remind: bool = False,
) -> QuestionnaireRequest:
    """Send ``questionnaire`` to ``patient`` now, outside the schedule: due from now until it is
    answered or cancelled, to be answered by ``due_on`` (default: the patient's today).

    Refused with ``ValidationError`` (nothing written) for a questionnaire no longer in use, a
    due date in the past or more than ``MAX_REQUEST_DAYS_AHEAD`` days ahead, or while the same
    questionnaire is already open for the patient (one answer would fulfil both)."""
    now = timezone.now()
    today = patient_rules.local_day(now, patient.time_zone)
    due_on = today if due_on is None else due_on
    errors: dict[str, list[str]] = {}
    if not questionnaire.is_active:
        errors["questionnaire"] = [_("This questionnaire is no longer in use.")]
    if problem := rules.request_due_problem(due_on=due_on, today=today):
        errors["due_on"] = [problem]
    # Locks the patient's open requests: two therapists sending at once cannot both pass.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    if selectors.open_requests(patient=patient).filter(questionnaire=questionnaire).exists():
        errors.setdefault("questionnaire", []).append(
            _("This questionnaire was already sent to the patient and is not answered yet.")
        )
    if errors:
        raise ValidationError(errors)
    return QuestionnaireRequest.objects.create(
        patient=patient,
        questionnaire=questionnaire,
        requested_by=requested_by,
        requested_at=now,
        due_on=due_on,
        remind=remind,
    )


@transaction.atomic
def questionnaire_request_cancel(*, request: QuestionnaireRequest) -> QuestionnaireRequest:
    """Withdraw an open request: it is no longer due and no reminder goes out for it."""
    updated = QuestionnaireRequest.objects.filter(
        pk=request.pk, answered_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=timezone.now())
    if not updated:
        raise ValidationError(_("This request is already answered or cancelled."))
    request.refresh_from_db()
    return request


def _answer_errors(items: list[Item], answers: Mapping[str, int | None]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    known = {item.link_id for item in items}
    for link_id in answers:
        if link_id not in known:
            errors[str(link_id)] = [_("There is no such question in this questionnaire.")]
    for item in items:
        value = answers.get(item.link_id)
        allowed = [option.value for option in item.options.all()]
        if value is None:
            if item.required:
                errors[item.link_id] = [_("Please answer this question.")]
        elif isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
            errors[item.link_id] = [
                _("Choose one of the answers offered (%(values)s).")
                % {"values": ", ".join(str(allowed_value) for allowed_value in allowed)}
            ]
    return errors


@dataclass
class ImportResult:
    questionnaire: Questionnaire
    created: bool
    item_count: int
    warnings: list[str] = field(default_factory=list)


def questionnaires_import_fhir(*, data: Any, dry_run: bool = False) -> list[ImportResult]:
    """Create or update the questionnaires of a FHIR R4 ``Questionnaire`` or ``Bundle``, all or
    none. A dry run goes through every step, database checks included, then rolls back."""
    specs = fhir.parse(data)
    with transaction.atomic():
        results = [questionnaire_import(spec=spec) for spec in specs]
        if dry_run:
            transaction.set_rollback(True)
    return results


@transaction.atomic
def questionnaire_import(*, spec: fhir.QuestionnaireSpec) -> ImportResult:
    """Create the questionnaire, or update the one with the same canonical URL (else slug).

    Items are matched by link_id so earlier responses keep their answers; an item that has
    answers cannot be dropped. Without scoring or schedule in the file an existing questionnaire
    keeps its own, a new one gets a plain sum and the default schedule.
    """
    questionnaire = _existing(spec)
    created = questionnaire is None
    if questionnaire is None:
        questionnaire = Questionnaire(scoring_method=ScoringMethod.SUM)
    taken = Questionnaire.objects.filter(slug=spec.slug).exclude(pk=questionnaire.pk)
    if taken.exists():
        raise ValidationError(
            _("The slug %(slug)r belongs to another questionnaire with a different URL.")
            % {"slug": spec.slug}
        )
    for name in (
        "slug",
        "url",
        "version",
        "title_de",
        "title_en",
        "description_de",
        "description_en",
        "is_active",
        "own_wording",
        "structure_of",
    ):
        setattr(questionnaire, name, getattr(spec, name))
    if spec.scoring is not None:
        questionnaire.scoring_method = spec.scoring.method
        questionnaire.max_missing = spec.scoring.max_missing
        questionnaire.higher_is_worse = spec.scoring.higher_is_worse
    if spec.schedule is not None:
        questionnaire.schedule_weeks = spec.schedule.weeks
        questionnaire.due_window_days = spec.schedule.window_days
    _clean(questionnaire, spec.slug, exclude=[])
    questionnaire.save()

    _import_items(questionnaire, spec.items)
    if spec.scoring is not None:
        questionnaire.bands.all().delete()
        bands = [
            ScoreBand(questionnaire=questionnaire, **vars(band_spec))
            for band_spec in spec.scoring.bands
        ]
        for band in bands:
            _clean(band, f"band {band.code}", exclude=["questionnaire"])
        ScoreBand.objects.bulk_create(bands)

    stored = selectors.questionnaires_with_definition(
        Questionnaire.objects.filter(pk=questionnaire.pk)
    ).get()
    problems = scoring.validate_definition(selectors.scoring_definition(stored))
    if problems:
        raise ValidationError(problems)
    return ImportResult(
        questionnaire=stored, created=created, item_count=len(spec.items), warnings=spec.warnings
    )


def _existing(spec: fhir.QuestionnaireSpec) -> Questionnaire | None:
    if spec.url:
        found = Questionnaire.objects.filter(url=spec.url).first()
        if found is not None:
            return found
    return Questionnaire.objects.filter(slug=spec.slug).first()


def _import_items(questionnaire: Questionnaire, specs: list[fhir.ItemSpec]) -> None:
    existing = {item.link_id: item for item in questionnaire.items.all()}
    wanted = {spec.link_id for spec in specs}
    dropped = [item for link_id, item in existing.items() if link_id not in wanted]
    answered = {item.link_id for item in dropped if item.answers.exists()}
    if answered:
        raise ValidationError(
            _("Items %(items)s have answers and cannot be removed.")
            % {"items": ", ".join(sorted(answered))}
        )
    Item.objects.filter(pk__in=[item.pk for item in dropped]).delete()
    for order, spec in enumerate(specs):
        item = existing.get(spec.link_id) or Item(questionnaire=questionnaire)
        item.link_id = spec.link_id
        item.order = order
        item.text_de, item.text_en = spec.text_de, spec.text_en
        item.required, item.reversed = spec.required, spec.reversed
        _clean(item, f"item {spec.link_id}", exclude=["questionnaire"])
        item.save()
        item.options.all().delete()
        options = [
            Option(item=item, order=index, **vars(option_spec))
            for index, option_spec in enumerate(spec.options)
        ]
        for option in options:
            _clean(option, f"item {spec.link_id}, option {option.value}", exclude=["item"])
        Option.objects.bulk_create(options)


def _clean(instance: Model, where: str, *, exclude: list[str]) -> None:
    """Model validation with the place of the problem in every message."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise ValidationError(
            [
                f"{where}: {field_name}: {message}"
                for field_name, messages in error.message_dict.items()
                for message in messages
            ]
        ) from error
