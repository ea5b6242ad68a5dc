from django.urls import path

from . import counter_views, views

app_name = "backoffice"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("dang-nhap/", views.login, name="login"),
    path("dang-nhap/callback", views.login_callback, name="login-callback"),
    path("dang-xuat/", views.logout, name="logout"),
    path("ho-so/<str:code>/", views.case, name="case"),
    # Counter intake, paper results and assisted submission (issue 11)
    path("quay/", counter_views.home, name="counter"),
    path("quay/ho-so/<str:reference>/", counter_views.dossier_page, name="counter-dossier"),
    path("quay/ho-so/<str:reference>/so-hoa/", counter_views.scan, name="counter-scan"),
    path("quay/da-tiep-nhan/<str:code>/", counter_views.received, name="counter-received"),
    path("quay/giay-tiep-nhan/<str:code>/", counter_views.receipt_pdf, name="counter-receipt"),
    path("quay/ket-qua-giay/", counter_views.paper_result, name="counter-paper-result"),
    path("quay/ho-tro/", counter_views.assisted, name="counter-assisted"),
    path("quay/ho-tro/<str:consent_id>/", counter_views.consent, name="counter-consent"),
]
