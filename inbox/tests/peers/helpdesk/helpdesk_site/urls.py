from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # The same helpdesk under a path too, as sites that include it at /helpdesk/ serve it.
    path("helpdesk/", include(("helpdesk.urls", "helpdesk"), namespace="helpdesk-prefixed")),
    path("", include("helpdesk.urls", namespace="helpdesk")),
]
