from django.urls import path

from flexhub.assurance import views

urlpatterns = [
    path("assurance/", views.ExposureReportView.as_view(), name="exposure-report"),
    path("assurance/exposure.csv", views.ExposureReportCsvView.as_view(), name="exposure-report-csv"),
    path("assurance/decide/", views.DecideView.as_view(), name="exposure-decide"),
    path("assurance/classification/", views.ClassificationView.as_view(), name="data-classification"),
    path("assurance/countries/", views.AllowedCountriesView.as_view(), name="allowed-countries"),
    path("assurance/register/", views.RegisterView.as_view(), name="supplier-register"),
    path("assurance/register/jurisdiction/", views.JurisdictionAddView.as_view(), name="jurisdiction-add"),
    path("assurance/register/sub-processor/", views.SubProcessorAddView.as_view(), name="sub-processor-add"),
    path("assurance/decisions/<int:pk>/", views.DecisionDetailView.as_view(), name="exposure-decision"),
]
