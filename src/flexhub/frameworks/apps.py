from django.apps import AppConfig


class FrameworksConfig(AppConfig):
    name = "flexhub.frameworks"
    label = "frameworks"
    verbose_name = "Frameworks and call-off contracts"

    def ready(self) -> None:
        from flexhub.core import navigation as nav
        from flexhub.frameworks.models import COMMERCIAL_ROLES

        nav.register("Frameworks", "framework-list", nav.ALL, 20)
        nav.register("Contracts", "contract-list", COMMERCIAL_ROLES, 30)
