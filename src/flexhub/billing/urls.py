from django.urls import path

from flexhub.billing import views

urlpatterns = [
    path("billing/", views.BillingHomeView.as_view(), name="billing-home"),
    path("billing/<str:code>/run/", views.BillingRunCreateView.as_view(), name="billing-run-create"),
    path("billing/runs/<int:pk>/", views.BillingRunDetailView.as_view(), name="billing-run"),
    path("billing/runs/<int:pk>/issue/", views.BillingIssueView.as_view(), name="billing-issue"),
    path("invoices/", views.InvoiceListView.as_view(), name="invoice-list"),
    path("invoices/<int:pk>/", views.InvoiceDetailView.as_view(), name="invoice-detail"),
    path(
        "invoices/<int:pk>/print/",
        views.InvoiceDetailView.as_view(),
        {"print": True},
        name="invoice-print",
    ),
    path("invoices/<int:pk>/csv/", views.InvoiceCsvView.as_view(), name="invoice-csv"),
    path(
        "invoices/<int:pk>/credit-notes/add/",
        views.CreditNoteCreateView.as_view(),
        name="credit-note-add",
    ),
    path("what-if/", views.WhatIfView.as_view(), name="whatif"),
]
