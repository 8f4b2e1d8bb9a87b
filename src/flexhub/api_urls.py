"""The REST API under /api/v1/: one router for every app's viewsets (namespace `api`)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from flexhub.core import api as core_api

app_name = "api"

router = DefaultRouter()
router.register("organisations", core_api.OrganisationViewSet, basename="organisation")
router.register("people", core_api.PersonViewSet, basename="person")
router.register("audit", core_api.AuditEntryViewSet, basename="auditentry")

urlpatterns = [path("me/", core_api.me, name="me"), *router.urls]
