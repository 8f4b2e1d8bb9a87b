from django.urls import path

from flexhub.directory import views

urlpatterns = [
    path("staff/", views.StaffListView.as_view(), name="staff-list"),
    path("staff/import/", views.ImportUploadView.as_view(), name="staff-import"),
    path("staff/<int:pk>/", views.StaffDetailView.as_view(), name="staff-detail"),
    path("imports/<int:pk>/", views.ImportPreviewView.as_view(), name="import-preview"),
    path("imports/<int:pk>/apply/", views.ImportApplyView.as_view(), name="import-apply"),
    path("imports/<int:pk>/rejects.csv", views.ImportRejectsView.as_view(), name="import-rejects"),
    path("transfers/", views.TupeListView.as_view(), name="tupe-list"),
    path("transfers/add/", views.TupeCreateView.as_view(), name="tupe-add"),
    path("transfers/import/", views.TupeImportView.as_view(), name="tupe-import"),
    path("transfers/export.csv", views.TupeCsvView.as_view(), name="tupe-csv"),
]
