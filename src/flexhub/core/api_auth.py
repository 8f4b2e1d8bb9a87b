"""How API calls authenticate. Kept apart from the API's other plumbing: DRF imports its
authentication classes while its own views module is loading, so this module imports
nothing of DRF beyond authentication."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from flexhub.core.compiled import CompiledLookup

TOKEN_WITH_USER = CompiledLookup(lambda: Token.objects.select_related("user__organisation"), "key")


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, reading the token's user together with its organisation,
    which most calls use (scoping, raising a ticket), in one query instead of two, compiled once."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        token = TOKEN_WITH_USER.first(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return token.user, token
