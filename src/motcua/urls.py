from django.contrib import admin
from django.urls import include, path

from motcua.api.api import api
from motcua.core import views as core_views
from motcua.identity.urls import oidc_urlpatterns
from motcua.registries import views as registries_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("chat-luong-du-lieu/", registries_views.quality_page, name="data-quality"),
    path("can-bo/", include("motcua.backoffice.urls")),
    path("giam-sat/", include("motcua.monitoring.urls")),
    path("van-ban/", include("motcua.edocs.urls")),
    path("", include((oidc_urlpatterns, "oauth2_provider"))),
    path("thanh-toan/", include("motcua.payments.urls")),
    path("xac-thuc/", include("motcua.results.urls")),
    path("", include("motcua.identity.urls")),
    path("", include("motcua.portal.urls")),
]

handler400 = "motcua.core.views.bad_request"
handler404 = "motcua.core.views.not_found"
handler500 = "motcua.core.views.server_error"
