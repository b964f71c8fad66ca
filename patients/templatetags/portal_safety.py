"""``{% portal_safety as safety %}``: what ``base.html`` needs on every page for the patient's
safety — the urgent banner while a red flag is open, the "Something is wrong?" entry and the
practice's phone in the footer (docs/clinical-safety.md). One query per patient page, none for
anyone else; the page's own view shares the result (``access.safety_state``)."""

from django import template

from patients.portal import access

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_safety(context) -> dict:
    request = context.get("request")
    patient = access.request_patient(request) if request is not None else None
    # A page that shows the urgent advice itself (``urgent_shown``) needs no banner.
    shown = bool(context.get("urgent_shown"))
    state = access.safety_state(request) if patient is not None and not shown else None
    return {
        "patient": patient,
        "state": state,
        "banner": state is not None and state.stopped,
        "contact": access.practice_contact(),
    }
