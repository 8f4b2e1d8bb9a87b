from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "flexhub.benefits"
    label = "benefits"
    verbose_name = "Benefits: carbon and savings"

    def ready(self) -> None:
        from flexhub.benefits.reports import CARBON_REPORT, SAVINGS_REPORT
        from flexhub.core import navigation as nav
        from flexhub.core import reports
        from flexhub.core.roles import Role

        reports.register(CARBON_REPORT)
        reports.register(SAVINGS_REPORT)

        nav.register(
            "Benefits",
            "benefits-home",
            frozenset({Role.AUTHORITY_ADMIN, Role.MEMBER_ADMIN}),
            75,
            group=nav.ADMINISTRATION,
            description="Carbon from the asset register and savings against the targets, for each member and year.",
        )
