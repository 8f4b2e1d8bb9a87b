from django.apps import AppConfig


class AssuranceConfig(AppConfig):
    name = "flexhub.assurance"
    label = "assurance"
    verbose_name = "Assurance"

    def ready(self) -> None:
        from flexhub.assurance.models import ASSURANCE_ROLES
        from flexhub.assurance.reports import EXPOSURE_REPORT
        from flexhub.assurance.services import refused_exposure_guard
        from flexhub.core import navigation as nav
        from flexhub.core import reports
        from flexhub.frameworks.guards import register_contract_guard

        register_contract_guard(refused_exposure_guard)
        reports.register(EXPOSURE_REPORT)
        nav.register(
            "Assurance",
            "exposure-report",
            ASSURANCE_ROLES,
            95,
            group=nav.ADMINISTRATION,
            description="Whose law can reach each member's data, at what classification, and who accepted the risk.",
        )
