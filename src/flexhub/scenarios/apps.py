from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    name = "flexhub.scenarios"
    label = "scenarios"
    verbose_name = "Framework-as-code: load and export scenario files"
