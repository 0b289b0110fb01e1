from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Users and roles")
    default = True


class AxesConfig(AxesAppConfig):
    """django-axes under a translated name in the admin ("Login attempts", not "AXES"); its
    models' names are translated in our catalogue."""

    verbose_name = _("Login attempts")

    # django-axes ships no Korean for its models' names; naming them here keeps them in our
    # catalogue (makemessages only extracts what our code says), where they are translated.
    model_names = (
        gettext_noop("access attempt"),
        gettext_noop("access attempts"),
        gettext_noop("access failure"),
        gettext_noop("access failures"),
        gettext_noop("access log"),
        gettext_noop("access logs"),
        gettext_noop("access attempt expiration"),
        gettext_noop("access attempt expirations"),
    )
