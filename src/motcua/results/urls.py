from django.urls import path

from . import views

app_name = "results"

urlpatterns = [
    path("", views.verify_any, name="verify"),
    path("<uuid:document_id>/", views.document_page, name="document"),
]
