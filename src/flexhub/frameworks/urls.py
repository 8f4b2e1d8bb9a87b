from django.urls import path

from flexhub.frameworks import views

urlpatterns = [
    # before core's organisations/<code>/ (the top-level routes include this app first)
    path("organisations/add/", views.OrganisationOnboardView.as_view(), name="organisation-add"),
    path("frameworks/", views.FrameworkListView.as_view(), name="framework-list"),
    path("frameworks/<str:code>/", views.FrameworkDetailView.as_view(), name="framework-detail"),
    path(
        "frameworks/<str:code>/catalogue/",
        views.CatalogueView.as_view(),
        name="framework-catalogue",
    ),
    path("frameworks/<str:code>/services/add/", views.ServiceAddView.as_view(), name="service-add"),
    path(
        "frameworks/<str:code>/contracts/add/",
        views.ContractSignView.as_view(),
        name="contract-add",
    ),
    path("services/<int:pk>/edit/", views.ServiceEditView.as_view(), name="service-edit"),
    path("contracts/", views.ContractListView.as_view(), name="contract-list"),
    path("contracts/<int:pk>/", views.ContractDetailView.as_view(), name="contract-detail"),
    path(
        "contracts/<int:pk>/seat-change/",
        views.SeatChangeRequestView.as_view(),
        name="seat-change-add",
    ),
    path("contracts/<int:pk>/changes/add/", views.ContractChangeView.as_view(), name="contract-change-add"),
    path("contracts/<int:pk>/purchase-order/", views.PurchaseOrderView.as_view(), name="contract-po"),
    path("frameworks/<str:code>/invoicing/", views.FrameworkInvoicingView.as_view(), name="framework-invoicing"),
    path(
        "contracts/<int:pk>/deliveries/add/",
        views.DeliveryCreateView.as_view(),
        name="delivery-add",
    ),
    path("deliveries/", views.DeliveryListView.as_view(), name="delivery-list"),
    path("seat-changes/", views.SeatChangeListView.as_view(), name="seat-change-list"),
    path(
        "seat-changes/<int:pk>/decide/",
        views.SeatChangeDecideView.as_view(),
        name="seat-change-decide",
    ),
]
