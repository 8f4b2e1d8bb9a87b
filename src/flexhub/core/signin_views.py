"""Pages of signing in beyond the password: the two-factor step, setting up an authenticator,
recovery codes, an admin's reset of a lost device, and resetting a forgotten password by email.

Every change goes through core.signin or core.services, which audit it."""

from __future__ import annotations

import time
from typing import Any

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import FormView

from flexhub.core import services, signin
from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.forms import (
    PasswordResetForm,
    SetPasswordForm,
    TwoFactorCodeForm,
    TwoFactorResetForm,
    apply_rule_error,
)
from flexhub.core.models import User
from flexhub.core.roles import Role
from flexhub.core.signin_middleware import two_factor_step
from flexhub.core.viewmixins import ObjectFormView

SETUP_KEY = "flexhub_2fa_setup_key"
# Until when (seconds since the epoch) a login that proved it holds its current authenticator may
# set up a new one in its place: moving to a new phone.
REPLACE_UNTIL = "flexhub_2fa_replace_until"
REPLACE_MINUTES = 10


def _next_url(request: HttpRequest) -> str:
    """Where to go once signed in: the `next` asked for if it is on this site, else home."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse(settings.LOGIN_REDIRECT_URL)


def _verified(request: HttpRequest, device: Any) -> None:
    """Mark the session as through the second factor; a new session key, as at sign-in."""
    request.session.cycle_key()
    django_otp.login(request, device)


class TwoFactorVerifyView(LoginRequiredMixin, FormView):  # type: ignore[type-arg]
    """The second step of signing in: a code from the authenticator app, or a recovery code."""

    template_name = "registration/two_factor_verify.html"
    form_class = TwoFactorCodeForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and two_factor_step(request) == "setup":
            return redirect(f"{reverse('two-factor-setup')}?{request.GET.urlencode()}")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            pending=two_factor_step(self.request) == "verify", next=_next_url(self.request), **kwargs
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if two_factor_step(request) != "verify":
            return redirect(_next_url(request))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: TwoFactorCodeForm) -> HttpResponse:
        user: Any = self.request.user
        check = signin.two_factor_check(
            actor=Actor.for_request(self.request), user=user, code=form.cleaned_data["code"]
        )
        if check.device is None:
            form.add_error("code", check.problem)
            return self.form_invalid(form)
        _verified(self.request, check.device)
        if check.recovery_codes_left is not None:
            messages.warning(
                self.request,
                f"You signed in with a recovery code; {check.recovery_codes_left} left. "
                "You can get new ones from your account page.",
            )
        return redirect(_next_url(self.request))


class TwoFactorSetupView(LoginRequiredMixin, FormView):  # type: ignore[type-arg]
    """Setting up an authenticator app: scan the QR code (or type the secret), confirm with a code,
    and see ten recovery codes once. The secret waits in the session until it is confirmed."""

    template_name = "registration/two_factor_setup.html"
    form_class = TwoFactorCodeForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and two_factor_step(request) == "verify":
            return redirect(f"{reverse('two-factor-verify')}?{request.GET.urlencode()}")
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class: Any = None) -> TwoFactorCodeForm:
        form: TwoFactorCodeForm = super().get_form(form_class)
        form.fields["code"].help_text = "The 6-digit code your authenticator app shows now"
        return form

    def _key(self) -> str:
        key = self.request.session.get(SETUP_KEY)
        if not isinstance(key, str) or len(key) != 40:
            key = signin.new_secret()
            self.request.session[SETUP_KEY] = key
        return key

    def _replacing(self) -> bool:
        """Whether the login proved, minutes ago, that it holds the authenticator it replaces."""
        until = self.request.session.get(REPLACE_UNTIL)
        return isinstance(until, int | float) and until > time.time()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user: Any = self.request.user
        replacing = self._replacing()
        context = super().get_context_data(
            enabled=signin.two_factor_enabled(user) and not replacing,
            replacing=replacing,
            required=signin.two_factor_required(user),
            pending=two_factor_step(self.request) == "setup",
            next=_next_url(self.request),
            **kwargs,
        )
        if not context["enabled"]:
            key = self._key()
            context["secret"] = signin.secret_text(key)
            context["qr_svg"] = signin.qr_svg(signin.provisioning_uri(user, key))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if signin.two_factor_enabled(request.user) and not self._replacing():
            messages.info(request, "Two-factor authentication is already set up.")
            return redirect("account")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: TwoFactorCodeForm) -> HttpResponse:
        user: Any = self.request.user
        try:
            enrolment = signin.two_factor_enrol(
                actor=Actor.for_request(self.request), user=user, key=self._key(), code=form.cleaned_data["code"]
            )
        except RuleError as error:
            apply_rule_error(form, error)
            return self.form_invalid(form)
        self.request.session.pop(SETUP_KEY, None)
        self.request.session.pop(REPLACE_UNTIL, None)
        _verified(self.request, enrolment.device)
        return self.response_class(
            request=self.request,
            template=["registration/recovery_codes.html"],
            context={"codes": enrolment.recovery_codes, "next": _next_url(self.request), "first_time": True},
            using=self.template_engine,
        )


class TwoFactorReplaceView(LoginRequiredMixin, FormView):  # type: ignore[type-arg]
    """Moving to a new phone: a code from the current authenticator app (or a recovery code)
    proves it is the login's owner, then the setup page shows a new secret. The current app keeps
    working until a code from the new one confirms it, so a move given up half way locks no one
    out."""

    template_name = "registration/two_factor_replace.html"
    form_class = TwoFactorCodeForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user: Any = self.request.user
        return super().get_context_data(enabled=signin.two_factor_enabled(user), minutes=REPLACE_MINUTES, **kwargs)

    def form_valid(self, form: TwoFactorCodeForm) -> HttpResponse:
        user: Any = self.request.user
        check = signin.two_factor_check(
            actor=Actor.for_request(self.request),
            user=user,
            code=form.cleaned_data["code"],
            purpose="moving to a new phone",
        )
        if check.device is None:
            form.add_error("code", check.problem)
            return self.form_invalid(form)
        self.request.session.pop(SETUP_KEY, None)  # a new secret, never one shown before
        self.request.session[REPLACE_UNTIL] = time.time() + REPLACE_MINUTES * 60
        return redirect("two-factor-setup")


class RecoveryCodesView(LoginRequiredMixin, FormView):  # type: ignore[type-arg]
    """New recovery codes (the old ones stop working), after a current code."""

    template_name = "registration/recovery_codes_renew.html"
    form_class = TwoFactorCodeForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user: Any = self.request.user
        return super().get_context_data(
            enabled=signin.two_factor_enabled(user), left=signin.recovery_codes_left(user), **kwargs
        )

    def form_valid(self, form: TwoFactorCodeForm) -> HttpResponse:
        user: Any = self.request.user
        try:
            codes = signin.recovery_codes_renew(
                actor=Actor.for_request(self.request), user=user, code=form.cleaned_data["code"]
            )
        except RuleError as error:
            apply_rule_error(form, error)
            return self.form_invalid(form)
        return self.response_class(
            request=self.request,
            template=["registration/recovery_codes.html"],
            context={"codes": codes, "next": reverse("account"), "first_time": False},
            using=self.template_engine,
        )


class TwoFactorDisableView(LoginRequiredMixin, FormView):  # type: ignore[type-arg]
    """Turning one's own two-factor authentication off, where the role does not require it."""

    template_name = "registration/two_factor_disable.html"
    form_class = TwoFactorCodeForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user: Any = self.request.user
        return super().get_context_data(
            enabled=signin.two_factor_enabled(user), required=signin.two_factor_required(user), **kwargs
        )

    def form_valid(self, form: TwoFactorCodeForm) -> HttpResponse:
        user: Any = self.request.user
        try:
            signin.two_factor_disable(actor=Actor.for_request(self.request), user=user, code=form.cleaned_data["code"])
        except RuleError as error:
            apply_rule_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Two-factor authentication is off.")
        return redirect("account")


class PersonTwoFactorResetView(ObjectFormView):
    """An authority admin removes the authenticator of a person who lost it (audited)."""

    model = User
    context_object_name = "person"
    allowed_roles = frozenset({Role.AUTHORITY_ADMIN})
    form_class = TwoFactorResetForm
    template_name = "core/person_two_factor_reset.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(enabled=signin.two_factor_enabled(self.object), **kwargs)

    def act(self, form: TwoFactorResetForm) -> tuple[str, str]:
        signin.two_factor_reset(actor=self.actor(), user=self.object, reason=form.cleaned_data["reason"])
        return (
            f"Two-factor authentication of {self.object.username} reset: they set up a new device "
            "when they next sign in.",
            reverse("person-detail", kwargs={"pk": self.object.pk}),
        )


def locked_out(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """What django-axes answers a sign-in while the username or the address is locked out: a
    GOV.UK page saying for how long, with status 429 (Too Many Requests)."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "username": str((credentials or {}).get("username") or "")[:150],
    }
    return render(request, "registration/locked_out.html", context, status=429)


# Forgotten passwords ---------------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link by email. The answer is the same whether or not the address belongs
    to a login, so the page tells no one which addresses do. The link starts with
    FLEXHUB_BASE_URL and the email goes through the configured backend."""

    template_name = "registration/password_reset_form.html"
    form_class = PasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/flexhub_password_reset_subject.txt"
    success_url = reverse_lazy("password-reset-done")

    def form_valid(self, form: Any) -> HttpResponse:
        self.extra_email_context = {
            "base_url": settings.FLEXHUB_BASE_URL.rstrip("/"),
            "valid_minutes": str(settings.PASSWORD_RESET_TIMEOUT // 60),
        }
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choose a new password from the emailed link; saved through the audited service."""

    template_name = "registration/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("password-reset-complete")

    def form_valid(self, form: Any) -> HttpResponse:
        user: User = form.user
        services.user_set_password(
            actor=Actor(user=user, label=f"{user.get_username()} (password reset by email)", channel="web"),
            user=user,
            password=form.cleaned_data["new_password1"],
            check_password=False,  # the form has run the validators already
        )
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return redirect(self.get_success_url())


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
