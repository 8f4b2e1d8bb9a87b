from django.apps import AppConfig


class FrameworksConfig(AppConfig):
    name = "flexhub.frameworks"
    label = "frameworks"
    verbose_name = "Frameworks and call-off contracts"

    def ready(self) -> None:
        from flexhub.core import panels
        from flexhub.frameworks.panels import home_contracts, home_frameworks

        panels.register(
            page=panels.HOME,
            name="frameworks",
            template="frameworks/panels/home_frameworks.html",
            context=home_frameworks,
            order=20,
        )
        panels.register(
            page=panels.HOME,
            name="contracts",
            template="frameworks/panels/home_contracts.html",
            context=home_contracts,
            order=30,
        )
        from flexhub.core import navigation as nav
        from flexhub.frameworks.models import COMMERCIAL_ROLES

        nav.register("Frameworks", "framework-list", nav.ALL, 20)
        nav.register("Contracts", "contract-list", COMMERCIAL_ROLES, 30)
