from django.urls import path

from flexhub.assets import views
from flexhub.directory.views import AssetImportUploadView

urlpatterns = [
    path("assets/", views.AssetListView.as_view(), name="asset-list"),
    path("assets/import/", AssetImportUploadView.as_view(), name="asset-import"),
    path("assets/<int:pk>/", views.AssetDetailView.as_view(), name="asset-detail"),
    path("assets/<int:pk>/change/", views.AssetUpdateView.as_view(), name="asset-change"),
    path("assets/<int:pk>/dispose/", views.AssetDisposeView.as_view(), name="asset-dispose"),
]
