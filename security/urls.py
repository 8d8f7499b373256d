from __future__ import annotations

from django.contrib import admin
from django.urls import path

from security import views

app_name = "security"
v = admin.site.admin_view

urlpatterns = [
    path("", v(views.review), name="review"),
    path("review.csv", v(views.review_csv), name="csv"),
    path("dismiss/", v(views.dismiss), name="dismiss"),
    path("dismissed/<int:dismissal_id>/restore/", v(views.restore), name="restore"),
]
