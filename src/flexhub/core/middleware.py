"""Request guards that apply to every page and every API call."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse

from flexhub.core.errorviews import bad_request

logger = logging.getLogger("django.security.NullCharacterInURL")


class NullCharacterInURL(SuspiciousOperation):
    """A URL whose path or query string holds a NUL character."""


class RejectNullCharactersMiddleware:
    """Answer 400 to a URL with a NUL character (`%00`) in its path or query string.

    No code, name or search of flexhub holds one, forms already refuse them, and PostgreSQL
    cannot even compare a text column with one: a lookup such as `?framework=A%00` would fail in
    the database (a 500) wherever a view reads the parameter itself. The answer is Django's
    400 (`handler400`: JSON under /api/, the GOV.UK page elsewhere), logged as a warning.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path_info or "%00" in query or "\x00" in query:
            logger.warning("a NUL character in the URL: %r", request.path_info, extra={"request": request})
            return bad_request(request, NullCharacterInURL("a NUL character in the URL"))
        return self.get_response(request)
