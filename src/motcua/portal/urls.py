from django.urls import path

from . import auth_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("dang-nhap/", auth_views.login, name="login"),
    path("dang-nhap/callback", auth_views.login_callback, name="login-callback"),
    path("dang-xuat/", auth_views.logout, name="logout"),
    path("thu-tuc/", views.procedure_list, name="procedure-list"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="procedure-detail"),
]
