"""Email to a member's admins when decisions on its exposure go back to review, sent after the
change is committed, through the same mail path as the service desk's notifications."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.template.loader import render_to_string

from flexhub.assurance.models import ExposureDecision
from flexhub.core.mail import send_soon
from flexhub.core.models import User
from flexhub.core.roles import Role


def decisions_to_review(ids: Iterable[int]) -> int:
    """One message per member admin of each member, listing its decisions now to review and why."""
    decisions = list(
        ExposureDecision.objects.filter(pk__in=list(ids)).select_related("member", "service").order_by("pk")
    )
    by_member: dict[int, list[ExposureDecision]] = {}
    for decision in decisions:
        by_member.setdefault(decision.member_id, []).append(decision)
    sent = 0
    base_url = getattr(settings, "FLEXHUB_BASE_URL", "http://127.0.0.1:8000")
    for member_decisions in by_member.values():
        member = member_decisions[0].member
        recipients = sorted(
            {
                u.email
                for u in User.objects.filter(organisation=member, role=Role.MEMBER_ADMIN, is_active=True)
                if u.email
            }
        )
        if not recipients:
            continue
        context = {"member": member, "decisions": member_decisions, "base_url": base_url}
        subject = " ".join(render_to_string("assurance/email/to_review_subject.txt", context).split())
        body = render_to_string("assurance/email/to_review.txt", context)
        sent += send_soon((subject, body, settings.DEFAULT_FROM_EMAIL, [to]) for to in recipients)
    return sent
