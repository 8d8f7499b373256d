from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    # Before the admin: its catch-all would otherwise swallow /admin/portal/.
    path("admin/portal/", include("businesses.portal.urls")),
    path("admin/", admin.site.urls),
]
