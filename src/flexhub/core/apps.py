from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "flexhub.core"
    label = "core"
    verbose_name = "Organisations, people and audit"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from flexhub.core import navigation as nav
        from flexhub.core.signin import sign_in_failed

        user_login_failed.connect(sign_in_failed, dispatch_uid="flexhub-failed-sign-in-audit")

        nav.register(
            "Organisations",
            "organisation-list",
            frozenset({"authority-admin", "member-admin", "integrator"}),
            10,
            group=nav.ADMINISTRATION,
            description="The organisations you work with: their addresses, VAT registration and finance contacts.",
        )
        nav.register(
            "People",
            "person-list",
            nav.ADMINS,
            80,
            group=nav.ADMINISTRATION,
            description="Who may sign in, in which role, and their two-factor authentication.",
        )
        nav.register(
            "Audit log",
            "audit-list",
            nav.ADMINS,
            90,
            group=nav.ADMINISTRATION,
            description="Every change: who made it, when, and what it changed.",
        )
