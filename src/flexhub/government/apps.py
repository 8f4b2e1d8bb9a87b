from django.apps import AppConfig


class GovernmentConfig(AppConfig):
    """Machinery-of-government changes: they move staff, assets, contracts and tickets at once,
    so they sit above every app that owns those records."""

    name = "flexhub.government"
    label = "government"
    verbose_name = "Machinery-of-government changes"

    def ready(self) -> None:
        from flexhub.core import navigation as nav
        from flexhub.core.roles import Role

        nav.register(
            "Changes of government",
            "mog-list",
            frozenset({Role.AUTHORITY_ADMIN}),
            70,
            group=nav.ADMINISTRATION,
            description="Form a body from its predecessors, whole or in part, or merge one body into another.",
        )
