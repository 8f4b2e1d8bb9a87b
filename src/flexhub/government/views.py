"""Pages of machinery-of-government changes: the register, and planning one with its dry run."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import FormView

from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.forms import apply_rule_error
from flexhub.core.models import Organisation
from flexhub.core.roles import Role
from flexhub.core.viewmixins import RoleRequiredMixin, ScopedListView
from flexhub.government.forms import MogForm
from flexhub.government.models import MachineryChange
from flexhub.government.services import mog_apply, mog_plan


class MogListView(ScopedListView):
    model = MachineryChange
    allowed_roles = frozenset({Role.AUTHORITY_ADMIN})
    template_name = "government/mog_list.html"

    def get_queryset(self) -> QuerySet[MachineryChange]:
        return super().get_queryset().select_related("successor").prefetch_related("predecessors")


class MogView(RoleRequiredMixin, FormView):  # type: ignore[type-arg]
    """Plan a change and see the dry run; confirm to carry it out."""

    allowed_roles = frozenset({Role.AUTHORITY_ADMIN})
    form_class = MogForm
    template_name = "government/mog_form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        organisations = Organisation.objects.administered_by(self.request.user).filter(is_member=True).order_by("name")
        return {**super().get_form_kwargs(), "organisations": organisations}

    def form_valid(self, form: MogForm) -> HttpResponse:
        data = form.cleaned_data
        actor = Actor.for_request(self.request)
        try:
            plan = mog_plan(
                actor=actor,
                kind=data["kind"],
                predecessors=list(data["predecessors"]),
                effective=data["effective"],
                reason=data["reason"],
                code=data["code"],
                name=data["name"],
                into=data["into"],
                units=[u.strip() for u in data["units"].split(",") if u.strip()] or None,
                staff_emails=[e.strip() for e in data["staff_emails"].splitlines() if e.strip()] or None,
                contract_refs=[r.strip() for r in data["contract_refs"].split(",") if r.strip()] or None,
                move_assets=data["move_assets"],
                move_contracts=data["move_contracts"],
                move_tickets=data["move_tickets"],
            )
            if self.request.POST.get("confirm") != "yes":
                return self.render_to_response(self.get_context_data(form=form, plan=plan.as_dict()))
            change = mog_apply(actor=actor, plan=plan)
        except RuleError as error:
            apply_rule_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, f"Done: {change}. Moved " + ", ".join(f"{n} {k}" for k, n in change.moved.items()) + "."
        )
        return redirect(reverse("organisation-detail", kwargs={"code": change.successor.code}))
