"""``makemessages`` that also extracts ``_t("...")``: the screens import ``gettext as _t`` beside
``gettext_lazy as _`` (Django's documented way: a command that extends ``xgettext_options``)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_t", "--keyword=_lazy"]
