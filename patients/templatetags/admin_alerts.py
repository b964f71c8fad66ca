"""``{% urgent_alerts %}``: the open red-flag alerts above everything on the admin index
(``templates/admin/index.html``; the box's data: ``patients.admin.urgent``)."""

from django import template

from patients.admin import urgent

register = template.Library()


@register.inclusion_tag("admin/patients/urgent_alerts.html", takes_context=True)
def urgent_alerts(context) -> dict:
    request = context.get("request")
    return {**urgent.urgent_alerts(request), "csrf_token": context.get("csrf_token")}
