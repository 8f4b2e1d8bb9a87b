from django.apps import AppConfig


class RolloutConfig(AppConfig):
    name = "flexhub.rollout"
    label = "rollout"
    verbose_name = "Rollout programmes"

    def ready(self) -> None:
        from flexhub.core import panels
        from flexhub.rollout.panels import framework_templates, home_rollout

        # Not a navigation section: an authority admin's navigation has no room for one more
        # (core/tests/test_navigation.py); the home page and the framework page lead here.
        panels.register(
            page=panels.HOME,
            name="rollout",
            template="rollout/panels/home_rollout.html",
            context=home_rollout,
            order=50,
        )
        panels.register(
            page=panels.FRAMEWORK_BODY,
            name="rollout-templates",
            template="rollout/panels/framework_templates.html",
            context=framework_templates,
            order=30,
        )
