from django.urls import URLPattern, URLResolver, include, path

from . import plugins, views

app_name = "payments"
urlpatterns: list[URLPattern | URLResolver] = [
    path("callback/<slug:provider>/", views.callback, name="callback"),
]
# Each provider's own pages (the sandbox's fake bank) under /thanh-toan/<provider id>/.
urlpatterns += [
    path(f"{pid}/", include(patterns)) for pid, patterns in plugins.provider_urlpatterns()
]
