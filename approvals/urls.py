from __future__ import annotations

from django.contrib import admin
from django.urls import path

from approvals import views

app_name = "approvals"
v = admin.site.admin_view

urlpatterns = [
    path("", v(views.approvals), name="list"),
    path("<int:pk>/decide/", v(views.decide), name="decide"),
    path("policy/", v(views.policy), name="policy"),
]
