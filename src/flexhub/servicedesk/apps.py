from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    name = "flexhub.servicedesk"
    label = "servicedesk"
    verbose_name = "Service desk"

    def ready(self) -> None:
        from flexhub.core import panels
        from flexhub.servicedesk.panels import home_tickets

        panels.register(
            page=panels.HOME,
            name="tickets",
            template="servicedesk/panels/home_tickets.html",
            context=home_tickets,
            order=10,
        )
        from flexhub.core import navigation as nav
        from flexhub.core.roles import Role

        nav.register("Tickets", "ticket-list", nav.ALL, 15)
        nav.register("Scorecards", "scorecards", frozenset({Role.AUTHORITY_ADMIN, Role.INTEGRATOR}), 50)
