from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "flexhub.core"
    label = "core"
    verbose_name = "Organisations, people and audit"

    def ready(self) -> None:
        from flexhub.core import navigation as nav

        nav.register(
            "Organisations", "organisation-list", frozenset({"authority-admin", "member-admin", "integrator"}), 10
        )
        nav.register("People", "person-list", nav.ADMINS, 80)
        nav.register("Audit log", "audit-list", nav.ADMINS, 90)
