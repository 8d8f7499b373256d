from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    """New clients: the wizard, the Facebook Login link, the run and its steps."""

    name = "onboarding"
    verbose_name = "Onboarding"
