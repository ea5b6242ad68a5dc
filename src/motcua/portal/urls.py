from django.urls import path

from . import account_views, auth_views, bundle_views, dossier_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("dang-nhap/", auth_views.login, name="login"),
    path("dang-nhap/callback", auth_views.login_callback, name="login-callback"),
    path("dang-xuat/", auth_views.logout, name="logout"),
    path("thu-tuc/", views.procedure_list, name="procedure-list"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="procedure-detail"),
    path("thu-tuc/<str:code>/nop/", dossier_views.start, name="dossier-start"),
    path("ho-so/", dossier_views.my_dossiers, name="my-dossiers"),
    path("ho-so/xac-nhan/<str:draft_ref>/", dossier_views.confirm_party, name="confirm-party"),
    path("ho-so/<str:reference>/", dossier_views.dossier_page, name="dossier"),
    path("ho-so/<str:reference>/tep/", dossier_views.upload, name="dossier-upload"),
    path("ho-so/<str:reference>/thao-tac/", dossier_views.act, name="dossier-act"),
    path(
        "ho-so/<str:reference>/giay-tiep-nhan.pdf",
        dossier_views.receipt_pdf,
        name="dossier-receipt",
    ),
    path("tra-cuu-ho-so/", dossier_views.public_lookup, name="public-lookup"),
    path("lien-thong/ho-so/<str:reference>/", bundle_views.bundle_page, name="bundle"),
    path(
        "lien-thong/ho-so/<str:reference>/giay-tiep-nhan.pdf",
        bundle_views.bundle_receipt,
        name="bundle-receipt",
    ),
    path("thuc-hien-thay/", account_views.acting, name="acting"),
    path("uy-quyen/", account_views.mandates, name="mandates"),
    path("uy-quyen/<int:mandate_id>/thu-hoi/", account_views.revoke_mandate, name="revoke-mandate"),
    path("vi-giay-to/", account_views.wallet_page, name="wallet"),
    path(
        "vi-giay-to/<str:document_id>/tai-ve/",
        account_views.wallet_download,
        name="wallet-download",
    ),
    path("hop-thu/", account_views.inbox_page, name="inbox"),
    path("hop-thu/<str:message_id>/da-doc/", account_views.inbox_read, name="inbox-read"),
    path("du-lieu-cua-toi/", account_views.my_data, name="my-data"),
    path("ung-dung-da-cap-quyen/", account_views.applications, name="applications"),
]
