from __future__ import annotations

from django.contrib import admin
from django.urls import path

from notifications import views

app_name = "notifications"
v = admin.site.admin_view

urlpatterns = [
    path("", v(views.notification_settings), name="settings"),
    path("test/", v(views.notification_test), name="test"),
    path("deliveries/<int:delivery_id>/retry/", v(views.delivery_retry), name="retry"),
]
