from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """``django.contrib.admin`` with the project's site (second factor) as ``admin.site``."""

    default_site = "mtt.admin_site.AdminSite"
