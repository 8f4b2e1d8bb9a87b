"""Serving GOV.UK Frontend's fonts and images where its compiled CSS expects them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware


class GovukWhiteNoiseMiddleware(WhiteNoiseMiddleware):  # type: ignore[misc]
    """WhiteNoise, plus the package's `assets/` folder at `/assets/`.

    govuk-frontend's compiled CSS refers to `/assets/fonts/...` and
    `/assets/images/...`; serving the folder there avoids rewriting its CSS.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assets = settings.GOVUK_FRONTEND_DIR / "assets"
        if assets.is_dir():
            self.add_files(str(assets), prefix="assets/")
