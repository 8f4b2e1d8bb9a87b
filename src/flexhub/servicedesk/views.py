"""Service desk pages: raise a ticket, queues, the ticket with its timeline and SLA state,
the steps of working it, and supplier scorecards."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import FormView, TemplateView, View

from flexhub.core.audit import Actor
from flexhub.core.compiled import ScopedList, ScopedLookup
from flexhub.core.errors import RuleError
from flexhub.core.forms import apply_rule_error
from flexhub.core.roles import Role
from flexhub.core.tenancy import get_visible_or_404
from flexhub.core.viewmixins import RoleRequiredMixin, ScopedDetailView, ScopedListView
from flexhub.frameworks.models import Framework, Service, Tower
from flexhub.servicedesk import services
from flexhub.servicedesk.forms import NoteForm, QueueFilterForm, ReassignForm, TicketRaiseForm
from flexhub.servicedesk.models import DESK_ROLES, MEMBER_ROLES, Ticket, TicketEvent, TicketStatus
from flexhub.servicedesk.presenters import queue_rows_html, sla_lines
from flexhub.servicedesk.queues import QUEUE_PAGE_SIZE, QueueKey, queue_filter_choices, queue_page
from flexhub.servicedesk.scorecards import framework_scorecards, month_range


class TicketListView(ScopedListView):
    """Members: their tickets. Agents: their towers' queue. Integrator and authority: every tower.

    Paged by key (`?after=`), never counted: a queue of any length costs the same per page."""

    model = Ticket
    template_name = "servicedesk/ticket_list.html"
    paginate_by = None

    def get_queryset(self) -> Any:
        user: Any = self.request.user
        choices = queue_filter_choices(user)
        self.filter_form = QueueFilterForm(
            self.request.GET or None,
            members=choices.members,
            towers=choices.towers,
            show_members=user.role not in MEMBER_ROLES,
        )
        filters = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        self.after = None
        if token := self.request.GET.get("after"):
            try:
                self.after = QueueKey.from_token(token)
            except RuleError as error:
                messages.error(self.request, error.sentence)
        self.queue = queue_page(user, filters, after=self.after, tower_ids=choices.tower_ids)
        return self.queue.rows

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user: Any = self.request.user
        context["is_member"] = user.role in MEMBER_ROLES
        context["rows_html"] = queue_rows_html(context["object_list"], show_member=not context["is_member"])
        context["filter_form"] = self.filter_form
        query = self.request.GET.copy()
        query.pop("after", None)
        context["query_string"] = query.urlencode()
        context["next_after"] = self.queue.next_key.token() if self.queue.next_key else None
        context["paged"] = self.after is not None
        context["page_size"] = QUEUE_PAGE_SIZE
        return context


class TicketCreateView(RoleRequiredMixin, FormView):  # type: ignore[type-arg]
    allowed_roles = MEMBER_ROLES
    form_class = TicketRaiseForm
    template_name = "servicedesk/ticket_form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        user: Any = self.request.user
        frameworks = Framework.objects.visible_to(user).order_by("code")
        kwargs["frameworks"] = frameworks
        kwargs["services"] = Service.objects.visible_to(user).order_by("framework__code", "name")
        return kwargs

    def form_valid(self, form: TicketRaiseForm) -> HttpResponse:
        data = form.cleaned_data
        user: Any = self.request.user
        category = data["category"]
        if category is not None and category.framework_id != data["framework"].pk:
            form.add_error("category", "Choose a service of that framework")
            return self.form_invalid(form)
        try:
            ticket = services.ticket_raise(
                actor=Actor.for_request(self.request),
                framework=data["framework"],
                member=user.organisation,
                kind=data["kind"],
                priority=data["priority"],
                title=data["title"],
                description=data["description"],
                category=category,
            )
        except RuleError as error:
            apply_rule_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{ticket.ref} raised. We will email you when the service desk responds.")
        return redirect("ticket-detail", pk=ticket.pk)


def _ticket_for_page(user: Any) -> QuerySet[Ticket]:
    return Ticket.objects.visible_to(user).select_related(
        "framework", "member", "current_tower__supplier", "category", "raised_by", "initial_tower"
    )


# A ticket with the six things its page names, read on every load of the page agents and members
# open most: compiled once per role (core.compiled), the scope still that of Ticket.visible_to.
TICKET_FOR_PAGE = ScopedLookup(_ticket_for_page, "pk")
# Its events, read once the ticket has been (the ticket's scope is theirs): by ticket.
EVENTS_FOR_PAGE = ScopedList(
    lambda user: TicketEvent.objects.shown_to(user).select_related("actor", "tower").order_by("seq"), "ticket"
)


class TicketDetailView(ScopedDetailView):
    model = Ticket
    template_name = "servicedesk/ticket_detail.html"
    context_object_name = "ticket"

    def get_queryset(self) -> QuerySet[Ticket]:
        return _ticket_for_page(self.request.user)

    def get_object(self, queryset: QuerySet[Ticket] | None = None) -> Ticket:
        ticket = TICKET_FOR_PAGE.first(self.request.user, self.kwargs["pk"])
        if ticket is None:
            raise Http404("No ticket found.")
        return ticket

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        ticket: Ticket = self.object
        user: Any = self.request.user
        context["events"] = EVENTS_FOR_PAGE.all(user, ticket.pk)
        context["sla"] = sla_lines(ticket)
        staff = services.works_on(user, ticket)
        customer = services.is_customer(user, ticket)
        open_ = ticket.status in (TicketStatus.OPEN, TicketStatus.AWAITING_CUSTOMER)
        towers = Tower.objects.filter(framework=ticket.framework)
        if ticket.current_tower_id is not None:  # exclude(pk=None) would exclude nothing
            towers = towers.exclude(pk=ticket.current_tower_id)
        context.update(
            staff=staff,
            customer=customer,
            is_open=open_,
            can_reopen=customer
            and ticket.status == TicketStatus.RESOLVED
            and ticket.resolved_at is not None
            and timezone.now() <= ticket.resolved_at + services.reopen_window(),
            note_form=NoteForm(),
            reassign_form=ReassignForm(towers=towers) if staff and open_ else None,
        )
        return context


ACTIONS = {
    "respond": (DESK_ROLES, "Response sent."),
    "comment": (frozenset(Role), "Comment added."),
    "await": (DESK_ROLES, "The clock is paused until the customer answers."),
    "resume": (frozenset(Role), "The clock is running again."),
    "reassign": (DESK_ROLES, "Ticket reassigned."),
    "resolve": (DESK_ROLES, "Ticket resolved."),
    "reopen": (MEMBER_ROLES, "Ticket reopened."),
    "close": (MEMBER_ROLES, "Thank you: the ticket is closed."),
}


class TicketActionView(RoleRequiredMixin, View):
    """One step of working a ticket (POST); the service refuses what the user may not do."""

    model = Ticket
    http_method_names = ["post"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.allowed_roles = ACTIONS[kwargs["action"]][0]
        return super().dispatch(request, *args, **kwargs)

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        ticket = get_visible_or_404(Ticket, request.user, pk=pk)
        actor = Actor.for_request(request)
        note = request.POST.get("note", "")
        try:
            if action == "respond":
                services.ticket_respond(actor=actor, ticket=ticket, note=note)
            elif action == "comment":
                services.ticket_comment(
                    actor=actor, ticket=ticket, note=note, internal=request.POST.get("internal") == "on"
                )
            elif action == "await":
                services.ticket_await_customer(actor=actor, ticket=ticket, note=note)
            elif action == "resume":
                services.ticket_resume(actor=actor, ticket=ticket, note=note)
            elif action == "reassign":
                form = ReassignForm(request.POST, towers=Tower.objects.filter(framework=ticket.framework))
                if not form.is_valid():
                    raise RuleError("choose the tower to send the ticket to")
                services.ticket_reassign(actor=actor, ticket=ticket, tower=form.cleaned_data["tower"], note=note)
            elif action == "resolve":
                services.ticket_resolve(actor=actor, ticket=ticket, note=note)
            elif action == "reopen":
                services.ticket_reopen(actor=actor, ticket=ticket, note=note)
            elif action == "close":
                services.ticket_close(actor=actor, ticket=ticket)
        except RuleError as error:
            messages.error(request, error.sentence)
        else:
            messages.success(request, ACTIONS[action][1])
        if Ticket.objects.visible_to(request.user).filter(pk=pk).exists():
            return redirect("ticket-detail", pk=pk)
        # Reassigned to another supplier's tower: the agent may no longer see it, so back to the
        # queue, saying where it went rather than showing "Page not found".
        ticket.refresh_from_db(fields=["current_tower"])
        where = ticket.current_tower.name if ticket.current_tower else "another tower"
        messages.info(request, f"{ticket.ref} is with {where} now, so it has left your queue.")
        return redirect("ticket-list")


class ScorecardView(RoleRequiredMixin, TemplateView):
    """Supplier scorecards per tower and month, for the authority and the integrator."""

    allowed_roles = frozenset({Role.AUTHORITY_ADMIN, Role.INTEGRATOR})
    template_name = "servicedesk/scorecards.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user: Any = self.request.user
        frameworks = Framework.objects.visible_to(user).order_by("code")
        chosen = self.request.GET.get("framework")
        framework = frameworks.filter(code=chosen).first() if chosen else frameworks.first()
        context["frameworks"] = frameworks
        context["framework"] = framework
        first, last, problem = month_range(self.request.GET.get("from", ""), self.request.GET.get("to", ""))
        context["problem"] = problem
        context["card"] = framework_scorecards(framework, first, last) if framework else None
        return context
