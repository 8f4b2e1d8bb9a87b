from django.urls import path

from flexhub.benefits import views

urlpatterns = [
    path("benefits/", views.BenefitsHomeView.as_view(), name="benefits-home"),
    path("benefits/factors/load/", views.FactorsLoadView.as_view(), name="benefits-factors-load"),
    path("benefits/profiles/<str:kind>/", views.UsageProfileEditView.as_view(), name="benefits-profile"),
    path("benefits/services/<int:pk>/data-centre/", views.DataCentreShareEditView.as_view(), name="benefits-share"),
    path("benefits/baselines/new/", views.BaselineCreateView.as_view(), name="benefits-baseline-new"),
    path("benefits/baselines/<int:pk>/", views.MemberBenefitsView.as_view(), name="benefits-member"),
    path("benefits/baselines/<int:pk>/csv/", views.MemberBenefitsView.as_view(csv=True), name="benefits-member-csv"),
    path("benefits/baselines/<int:pk>/edit/", views.BaselineEditView.as_view(), name="benefits-baseline-edit"),
    path("benefits/frameworks/<int:pk>/", views.FrameworkBenefitsView.as_view(), name="benefits-framework"),
    path(
        "benefits/frameworks/<int:pk>/csv/",
        views.FrameworkBenefitsView.as_view(csv=True),
        name="benefits-framework-csv",
    ),
    path("benefits/frameworks/<int:pk>/targets/", views.TargetsEditView.as_view(), name="benefits-targets"),
]
