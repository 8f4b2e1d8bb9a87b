from django.contrib.auth import views as auth_views
from django.urls import path

from flexhub.core import signin_views, views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", views.AccountView.as_view(), name="account"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("accounts/login/two-factor/", signin_views.TwoFactorVerifyView.as_view(), name="two-factor-verify"),
    path("account/two-factor/setup/", signin_views.TwoFactorSetupView.as_view(), name="two-factor-setup"),
    path(
        "account/two-factor/recovery-codes/",
        signin_views.RecoveryCodesView.as_view(),
        name="two-factor-recovery-codes",
    ),
    path("account/two-factor/turn-off/", signin_views.TwoFactorDisableView.as_view(), name="two-factor-disable"),
    path("account/two-factor/new-phone/", signin_views.TwoFactorReplaceView.as_view(), name="two-factor-replace"),
    path("accounts/password-reset/", signin_views.PasswordResetView.as_view(), name="password-reset"),
    path("accounts/password-reset/sent/", signin_views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        signin_views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "accounts/reset/done/",
        signin_views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("administration/", views.AdministrationView.as_view(), name="administration"),
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
    path(
        "people/<int:pk>/two-factor/reset/",
        signin_views.PersonTwoFactorResetView.as_view(),
        name="person-two-factor-reset",
    ),
    path("audit/", views.AuditListView.as_view(), name="audit-list"),
    path("audit/export.csv", views.AuditCsvView.as_view(), name="audit-csv"),
]
