from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cong-khai/", views.open_statistics, name="open"),
    path("nhiem-vu/", views.task_list, name="tasks"),
    path("don-vi/<str:code>/", views.unit, name="unit"),
    path("don-vi/<str:code>/san-sang/", views.readiness, name="readiness"),
]
