from django.contrib.auth import views as auth_views
from django.urls import path

from flexhub.core import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", views.AccountView.as_view(), name="account"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("organisations/", views.OrganisationListView.as_view(), name="organisation-list"),
    path(
        "organisations/<str:code>/",
        views.OrganisationDetailView.as_view(),
        name="organisation-detail",
    ),
    path(
        "organisations/<str:code>/edit/",
        views.OrganisationEditView.as_view(),
        name="organisation-edit",
    ),
    path("people/", views.PersonListView.as_view(), name="person-list"),
    path("people/add/", views.PersonCreateView.as_view(), name="person-add"),
    path("people/<int:pk>/", views.PersonDetailView.as_view(), name="person-detail"),
    path("people/<int:pk>/edit/", views.PersonEditView.as_view(), name="person-edit"),
    path("audit/", views.AuditListView.as_view(), name="audit-list"),
    path("audit/export.csv", views.AuditCsvView.as_view(), name="audit-csv"),
]
