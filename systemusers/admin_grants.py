"""The grants' admin (``assets/admin_grants.py``) with system users searchable too: system
users sit above assets, so their part of the search is added here and the page registered
again with it."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q

from assets.admin_grants import GrantAdmin, WordFilter, grants_matching_words, word_meta_id
from assets.models import Grant
from systemusers.models import SystemUser


def system_user_word_filter(word: str) -> Q:
    """Grants held by a system user matching one search word: Meta id exactly, else name."""
    meta_id = word_meta_id(word)
    if meta_id is not None:
        system_users = SystemUser.objects.filter(meta_id=meta_id)
    else:
        system_users = SystemUser.objects.filter(name__icontains=word)
    return Q(system_user_id__in=system_users.values("pk"))


GRANT_WORD_FILTERS: tuple[WordFilter, ...] = (*GrantAdmin.word_filters, system_user_word_filter)


def grant_search_filter(term: str) -> Q:
    """Grants whose asset, person or system user matches every word of ``term`` (as Django's
    admin search does): a word that is a Meta id (digits, or ``act_`` and digits) matches ids
    exactly, any other word a case-insensitive substring of the searched text fields."""
    return grants_matching_words(term, GRANT_WORD_FILTERS)


class GrantWithSystemUsersAdmin(GrantAdmin):
    word_filters = GRANT_WORD_FILTERS


admin.site.unregister(Grant)
admin.site.register(Grant, GrantWithSystemUsersAdmin)
