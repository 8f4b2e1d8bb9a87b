from django.urls import path

from flexhub.servicedesk import views

urlpatterns = [
    path("tickets/", views.TicketListView.as_view(), name="ticket-list"),
    path("tickets/new/", views.TicketCreateView.as_view(), name="ticket-add"),
    path("tickets/<int:pk>/", views.TicketDetailView.as_view(), name="ticket-detail"),
    *[
        path(
            f"tickets/<int:pk>/{action}/", views.TicketActionView.as_view(), {"action": action}, name=f"ticket-{action}"
        )
        for action in views.ACTIONS
    ],
    path("scorecards/", views.ScorecardView.as_view(), name="scorecards"),
]
