from django.urls import path

from . import views

app_name = "edocs"
urlpatterns = [
    path("", views.boxes, name="boxes"),
    path("soan/", views.compose, name="compose"),
    path("du-thao/<uuid:draft_id>/", views.draft, name="draft"),
    path("<uuid:document_id>/", views.document, name="document"),
    path("<uuid:document_id>/tep/<int:index>/", views.download, name="download"),
]
