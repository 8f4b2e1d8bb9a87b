from django.apps import AppConfig


class RolloutConfig(AppConfig):
    name = "flexhub.rollout"
    label = "rollout"
    verbose_name = "Rollout programmes"

    def ready(self) -> None:
        from flexhub.core import navigation as nav
        from flexhub.core.roles import Role

        nav.register("Rollout", "rollout-portfolio", frozenset({Role.AUTHORITY_ADMIN, Role.MEMBER_ADMIN}), 67)
