from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

# Graph object ids are numeric strings; ad accounts are "act_" + digits. Validated before any
# call reaches Meta so a typo gets a field error, not a Graph 100.
meta_id_validator = RegexValidator(
    r"^[0-9]{1,32}$", "A Meta id is digits only (1 to 32), e.g. 1234567890123456."
)
ad_account_id_validator = RegexValidator(
    r"^act_[0-9]{1,32}$", "An ad account id is 'act_' followed by digits, e.g. act_1234567890."
)


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AccessLevel(models.TextChoices):
    # Meta renamed the tiers in May 2026 (DOMAIN.md decision 2): named as Meta names them now,
    # with the old name once, so people who knew it recognise it.
    STANDARD = "standard", "Limited (formerly Standard)"
    ADVANCED = "advanced", "Full (formerly Advanced)"
