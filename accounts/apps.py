from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Users and roles")
    default = True


class AxesConfig(AxesAppConfig):
    """django-axes under a translated name in the admin ("Login attempts", not "AXES"); its
    models' names are translated in our catalogue."""

    verbose_name = _("Login attempts")
