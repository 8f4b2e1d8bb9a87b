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
    path("invoices/<int:pk>/pdf/", views.InvoicePdfView.as_view(), name="invoice-pdf"),
    path("invoices/<int:pk>/payments/add/", views.PaymentCreateView.as_view(), name="payment-add"),
    path("credit-notes/", views.CreditNoteListView.as_view(), name="credit-note-list"),
    path("credit-notes/export.csv", views.CreditNoteCsvView.as_view(), name="credit-note-csv"),
    path("credit-notes/<int:pk>/", views.CreditNoteDetailView.as_view(), name="credit-note-detail"),
    path("credit-notes/<int:pk>/pdf/", views.CreditNotePdfView.as_view(), name="credit-note-pdf"),
    path("billing/aged-debt/", views.AgedDebtView.as_view(), name="aged-debt"),
    path("billing/aged-debt.csv", views.AgedDebtCsvView.as_view(), name="aged-debt-csv"),
    path("billing/runs/<int:pk>/ledger.csv", views.LedgerCsvView.as_view(), name="billing-ledger"),
    path("what-if/", views.WhatIfView.as_view(), name="whatif"),
]
