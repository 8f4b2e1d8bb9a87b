from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    name = "flexhub.servicedesk"
    label = "servicedesk"
    verbose_name = "Service desk"
