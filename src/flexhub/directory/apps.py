from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "flexhub.directory"
    label = "directory"
    verbose_name = "Staff directory, machinery-of-government changes and staff transfers"

    def ready(self) -> None:
        from flexhub.core import navigation as nav
        from flexhub.core.roles import Role

        nav.register("Staff", "staff-list", frozenset({Role.AUTHORITY_ADMIN, Role.MEMBER_ADMIN, Role.MEMBER_USER}), 60)
        nav.register("Changes of government", "mog-list", frozenset({Role.AUTHORITY_ADMIN}), 70)
