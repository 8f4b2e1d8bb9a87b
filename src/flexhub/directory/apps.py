from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "flexhub.directory"
    label = "directory"
    verbose_name = "Staff directory and staff transfers"

    def ready(self) -> None:
        from flexhub.core import navigation as nav
        from flexhub.core.roles import Role
        from flexhub.directory.imports import register_importer
        from flexhub.directory.services import STAFF_COLUMNS, staff_import

        register_importer(kind="staff", columns=STAFF_COLUMNS, run=staff_import)

        nav.register("Staff", "staff-list", frozenset({Role.AUTHORITY_ADMIN, Role.MEMBER_ADMIN, Role.MEMBER_USER}), 60)
