from django.urls import path

from flexhub.government import views

urlpatterns = [
    path("government-changes/", views.MogListView.as_view(), name="mog-list"),
    path("government-changes/new/", views.MogView.as_view(), name="mog-new"),
]
