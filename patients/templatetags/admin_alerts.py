"""``{% alert_badge %}``: the open red flags and open alerts of the user's patients in the
admin header on every admin page, a link to the start page (``patients.start_page``; one
aggregate query, none for pages without the admin's permission such as the login)."""

from django import template

from patients import start_page

register = template.Library()


@register.inclusion_tag("admin/patients/alert_badge.html", takes_context=True)
def alert_badge(context) -> dict:
    request = context.get("request")
    # ``has_permission``: the admin site's own check, with the second factor.
    counts = start_page.header_counts(request) if context.get("has_permission") else None
    return {"counts": counts}
