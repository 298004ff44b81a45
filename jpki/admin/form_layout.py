"""The counter forms laid out for a queue: the fields a clerk fills every time first, the rare ones
(legal authority, the kana override) in collapsed groups that open when they apply; and the
defaults that can only be right (the certificate boxes, the applicant type)."""

from __future__ import annotations

from jpki.models import Application


class QueueLayoutMixin:
    """For a form with ``rare_fields`` = ((group title, (field names...)), ...) and ``resident``."""

    rare_fields: tuple = ()

    def _rare_names(self) -> set[str]:
        return {name for _title, names in self.rare_fields for name in names if name in self.fields}

    TAIL = ("outside_hours_confirmed", "reason")

    def common_fields(self):
        """The bound fields shown in the main list (all but the rare groups and the closing ones)."""
        rare = self._rare_names()
        return [self[name] for name in self.fields if name not in rare and name not in self.TAIL]

    def tail_fields(self):
        """The fields that close the form, after the rare groups: outside-hours confirmation, reason."""
        return [self[name] for name in self.fields if name in self.TAIL]

    def rare_groups(self) -> list[dict]:
        """The rare fields by group: title, bound fields, and whether the group starts open."""
        groups = []
        for title, names in self.rare_fields:
            present = [name for name in names if name in self.fields]
            if not present:
                continue
            is_open = any(self[name].errors for name in present) or self.rare_group_applies(title, present)
            groups.append({"title": title, "fields": [self[name] for name in present], "open": is_open})
        return groups

    def rare_group_applies(self, title, names) -> bool:
        """Whether a rare group is needed for this resident and input (shown open)."""
        if "legal_authority_document" in names:
            return self._value("applicant_type") == Application.ApplicantType.LEGAL
        if "certificate_name" in names and self.resident is not None:
            from residents import charset

            texts = (self.resident.name, self.resident.address)
            return any(i["substitute"] is None for text in texts for i in charset.check_text(text)) or any(
                self._value(name) for name in names
            )
        return False

    def _value(self, name):
        if name not in self.fields:
            return None
        return self[name].value()


def default_certificates(form, applicant_type=None) -> None:
    """Tick only what can be issued today; a box that cannot says why (``offers.issuable``)."""
    if form.is_bound or getattr(form, "resident", None) is None:
        return
    from jpki import services

    from . import offers

    reasons = offers.issuable(form.resident, services.active_card(form.resident), applicant_type=applicant_type)
    if all(reasons.values()):
        return  # nothing can be issued: keep both ticked, the confirm step says why
    for name in ("signing", "user"):
        if reasons.get(name):
            form.fields[name].initial = False
            form.fields[name].help_text = reasons[name]


def default_applicant(form) -> None:
    """A child under 15 or an adult ward applies through the legal representative: the default says so."""
    from . import offers

    if not form.is_bound and form.resident is not None and offers.needs_legal_representative(form.resident):
        form.fields["applicant_type"].initial = Application.ApplicantType.LEGAL
