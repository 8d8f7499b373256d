from .apps import AppPermission, AppRole, DeveloperApp
from .audit import AuditEvent
from .base import AccessLevel, TimeStampedModel
from .business import Business, PartnerRelationship, StaffAssignment
from .ledger import GraphCall
from .onboarding import Onboarding, OnboardingStep
from .people import BusinessUser
from .sync import DriftEvent, SyncRun
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
    "DriftEvent",
    "GraphCall",
    "Onboarding",
    "OnboardingStep",
    "PartnerRelationship",
    "StaffAssignment",
    "SyncRun",
    "TimeStampedModel",
]
