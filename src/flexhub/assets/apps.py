from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "flexhub.assets"
    label = "assets"
    verbose_name = "Asset register"

    def ready(self) -> None:
        from flexhub.assets.services import ASSET_COLUMNS, asset_import
        from flexhub.core import navigation as nav
        from flexhub.core.roles import Role
        from flexhub.directory.imports import register_importer

        register_importer(kind="assets", columns=ASSET_COLUMNS, run=asset_import)

        nav.register("Assets", "asset-list", frozenset({Role.AUTHORITY_ADMIN, Role.MEMBER_ADMIN, Role.MEMBER_USER}), 65)
