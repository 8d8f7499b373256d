from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from config.health import healthz
from portal.views.home import login_to_portal

urlpatterns = [
    # No login, no data: for load balancers and monitors (config/health.py).
    path("healthz", healthz, name="healthz"),
    # The portal's front door is the staff home page (behind the admin login).
    path("", RedirectView.as_view(pattern_name="portal:home", permanent=False)),
    # Browsers ask for /favicon.ico before reading any page's <link rel="icon">.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    # Before the admin: its catch-all would otherwise swallow /admin/portal/.
    path("admin/portal/", include("portal.urls")),
    # Logging in lands on the portal home (the admin's own login, with that default ``next``).
    path("admin/login/", login_to_portal),
    path("admin/", admin.site.urls),
]
