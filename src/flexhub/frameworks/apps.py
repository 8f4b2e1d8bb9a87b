from django.apps import AppConfig


class FrameworksConfig(AppConfig):
    name = "flexhub.frameworks"
    label = "frameworks"
    verbose_name = "Frameworks and call-off contracts"
