"""The kernel's admin pages, one module per family: businesses and their connection, partner
relationships, people and staff, developer apps, tokens, the Graph call ledger, the audit trail.

Apps above the kernel extend a page by subclassing its admin and registering it again (the
Business page's sync actions live in ``sync/admin_business.py``), so nothing here imports them."""

from django.contrib import admin

from businesses.admin import audit, business, developer_apps, ledger, partners, people, tokens

admin.site.site_header = "BM Portal"
admin.site.site_title = "BM Portal"
admin.site.index_title = "Agency administration"

__all__ = ["audit", "business", "developer_apps", "ledger", "partners", "people", "tokens"]
