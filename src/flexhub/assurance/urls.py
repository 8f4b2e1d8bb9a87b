from django.urls import path

from flexhub.assurance import views

urlpatterns = [
    path("assurance/", views.ExposureReportView.as_view(), name="exposure-report"),
    path("assurance/exposure.csv", views.ExposureReportCsvView.as_view(), name="exposure-report-csv"),
    path("assurance/decide/", views.DecideView.as_view(), name="exposure-decide"),
    path("assurance/classification/", views.ClassificationView.as_view(), name="data-classification"),
    path("assurance/countries/", views.AllowedCountriesView.as_view(), name="allowed-countries"),
    path("assurance/decisions/<int:pk>/", views.DecisionDetailView.as_view(), name="exposure-decision"),
]
