from django.urls import path

from flexhub.assets import views

urlpatterns = [
    path("assets/", views.AssetListView.as_view(), name="asset-list"),
    path("assets/import/", views.AssetImportUploadView.as_view(), name="asset-import"),
    path("assets/models/", views.DeviceModelListView.as_view(), name="device-list"),
    path("assets/models/<int:pk>/edit/", views.DeviceModelEditView.as_view(), name="device-edit"),
    path("assets/<int:pk>/", views.AssetDetailView.as_view(), name="asset-detail"),
    path("assets/<int:pk>/change/", views.AssetUpdateView.as_view(), name="asset-change"),
    path("assets/<int:pk>/dispose/", views.AssetDisposeView.as_view(), name="asset-dispose"),
]
