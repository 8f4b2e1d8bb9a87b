from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "flexhub.benefits"
    label = "benefits"
    verbose_name = "Benefits: carbon and savings"

    def ready(self) -> None:
        from flexhub.core import navigation as nav
        from flexhub.core.roles import Role

        nav.register("Benefits", "benefits-home", frozenset({Role.AUTHORITY_ADMIN, Role.MEMBER_ADMIN}), 75)
