from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    name = "flexhub.servicedesk"
    label = "servicedesk"
    verbose_name = "Service desk"

    def ready(self) -> None:
        from flexhub.core import navigation as nav
        from flexhub.core.roles import Role

        nav.register("Tickets", "ticket-list", nav.ALL, 15)
        nav.register("Scorecards", "scorecards", frozenset({Role.AUTHORITY_ADMIN, Role.INTEGRATOR}), 50)
