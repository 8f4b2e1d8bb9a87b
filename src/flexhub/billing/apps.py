from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "flexhub.billing"
    label = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from flexhub.core import navigation as nav
        from flexhub.frameworks.models import COMMERCIAL_ROLES

        nav.register("Billing", "billing-home", COMMERCIAL_ROLES, 40)
