from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "flexhub.assets"
    label = "assets"
    verbose_name = "Asset register"

    def ready(self) -> None:
        from flexhub.core import navigation as nav
        from flexhub.core.roles import Role

        nav.register("Assets", "asset-list", frozenset({Role.AUTHORITY_ADMIN, Role.MEMBER_ADMIN, Role.MEMBER_USER}), 65)
