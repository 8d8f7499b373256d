from .apps import AppPermission, AppRole, DeveloperApp
from .audit import AuditEvent
from .base import AccessLevel, TimeStampedModel
from .business import Business, PartnerRelationship, StaffAssignment
from .ledger import GraphCall
from .people import BusinessUser
from .tokens import AccessToken

__all__ = [
    "AccessLevel",
    "AccessToken",
    "AppPermission",
    "AppRole",
    "AuditEvent",
    "Business",
    "BusinessUser",
    "DeveloperApp",
    "GraphCall",
    "PartnerRelationship",
    "StaffAssignment",
    "TimeStampedModel",
]
