from django.urls import path

from flexhub.rollout import views

urlpatterns = [
    path("rollout/", views.PortfolioView.as_view(), name="rollout-portfolio"),
    path("rollout/portfolio.csv", views.PortfolioCsvView.as_view(), name="rollout-portfolio-csv"),
    path("rollout/programmes/<int:pk>/csv/", views.ProgrammeCsvView.as_view(), name="programme-csv"),
    path("rollout/templates/<int:pk>/", views.TemplateDetailView.as_view(), name="rollout-template-detail"),
    path("rollout/templates/<int:pk>/start/", views.ProgrammeStartView.as_view(), name="programme-start"),
    path("rollout/templates/<int:pk>/edit/", views.TemplateEditView.as_view(), name="rollout-template-edit"),
    path("rollout/frameworks/<str:code>/templates/new/", views.TemplateNewView.as_view(), name="rollout-template-new"),
    path("rollout/programmes/<int:pk>/", views.ProgrammeDetailView.as_view(), name="programme-detail"),
    path("rollout/stages/<int:pk>/replan/", views.StageReplanView.as_view(), name="stage-replan"),
    path("rollout/stages/<int:pk>/complete/", views.StageCompleteView.as_view(), name="stage-complete"),
    path("rollout/waves/<int:pk>/seat-change/", views.WaveSeatChangeView.as_view(), name="wave-seat-change"),
]
