from django.urls import path

from . import views

app_name = "backoffice"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("dang-nhap/", views.login, name="login"),
    path("dang-nhap/callback", views.login_callback, name="login-callback"),
    path("dang-xuat/", views.logout, name="logout"),
    path("ho-so/<str:code>/", views.case, name="case"),
]
