"""The provider's pages (namespace `identity`) and the OpenID Connect endpoints (namespace
`oauth2_provider`, as django-oauth-toolkit expects): discovery and JWKS at the site root, so
the issuer is the site's own URL, the rest under /o/."""

from django.urls import path, re_path
from oauth2_provider import views as oauth2_views

from . import views

app_name = "identity"
urlpatterns = [
    path("dinh-danh/dang-nhap/", views.login_view, name="login"),
    path("dien-thoai/<str:identifier>/", views.phone_view, name="phone"),
]

oidc_urlpatterns = [
    re_path(
        r"^\.well-known/openid-configuration/?$",
        views.DiscoveryView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(".well-known/jwks.json", oauth2_views.JwksInfoView.as_view(), name="jwks-info"),
    path("o/authorize/", views.AuthorizeView.as_view(), name="authorize"),
    path("o/token/", views.TokenView.as_view(), name="token"),
    path("o/revoke_token/", oauth2_views.RevokeTokenView.as_view(), name="revoke-token"),
    path("o/introspect/", views.IntrospectView.as_view(), name="introspect"),
    path("o/userinfo/", oauth2_views.UserInfoView.as_view(), name="user-info"),
    path("o/logout/", oauth2_views.RPInitiatedLogoutView.as_view(), name="rp-initiated-logout"),
]
