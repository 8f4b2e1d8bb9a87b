"""Top-level routes: each app's pages, the API under /api/v1/, and the API schema and docs."""

from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# Swagger UI sets inline styles; only its page is allowed them.
api_docs = csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema"))

# Django's error answers: JSON under /api/, the GOV.UK pages elsewhere.
handler400 = "flexhub.core.errorviews.bad_request"
handler403 = "flexhub.core.errorviews.permission_denied"
handler404 = "flexhub.core.errorviews.page_not_found"
handler500 = "flexhub.core.errorviews.server_error"

urlpatterns = [
    path("api/v1/", include("flexhub.api_urls", namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("", include("flexhub.frameworks.urls")),  # first: its organisations/add/ precedes core's organisations/<code>/
    path("", include("flexhub.core.urls")),
    path("", include("flexhub.billing.urls")),
    path("", include("flexhub.servicedesk.urls")),
    path("", include("flexhub.directory.urls")),
    path("", include("flexhub.assets.urls")),
    path("", include("flexhub.assurance.urls")),
    path("", include("flexhub.government.urls")),
    path("", include("flexhub.rollout.urls")),
    path("", include("flexhub.benefits.urls")),
]
