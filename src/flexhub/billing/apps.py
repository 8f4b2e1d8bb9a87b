from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "flexhub.billing"
    label = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from flexhub.billing.panels import framework_ceiling, framework_prices, home_aged_debt, home_billing
        from flexhub.core import panels

        panels.register(
            page=panels.HOME,
            name="billing",
            template="billing/panels/home_billing.html",
            context=home_billing,
            order=40,
        )
        panels.register(
            page=panels.HOME,
            name="aged-debt",
            template="billing/panels/home_aged_debt.html",
            context=home_aged_debt,
            order=45,
        )
        panels.register(
            page=panels.FRAMEWORK_HEAD,
            name="ceiling",
            template="billing/panels/framework_ceiling.html",
            context=framework_ceiling,
            order=10,
        )
        panels.register(
            page=panels.FRAMEWORK_BODY,
            name="prices",
            template="billing/panels/framework_prices.html",
            context=framework_prices,
            order=10,
        )
        from flexhub.core import navigation as nav
        from flexhub.frameworks.models import COMMERCIAL_ROLES

        nav.register("Billing", "billing-home", COMMERCIAL_ROLES, 40)
