"""Cards and certificates: the cards a resident has had and what became of them, the
certificates on each card."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from jpki import rules
from jpki.models import Card, Certificate

from .common import (
    MYNUMBER_CARD_START,
    REASON_BASIC_INFO_CHANGE,
    REASON_CARD_REISSUE,
    REASON_CARD_RENEWED,
    REASON_DEPARTURE,
    REASON_LOSS,
    REASON_RENEWAL,
    REASON_REQUESTED,
    TOKYO,
    _Person,
    certificate_text,
)


class CardsMixin:
    """Cards and certificates: the cards a resident has had and what became of them, the

    A part of :class:`jpki.demo.city.CityBuilder`.
    """

    def _first_card_day(self, rng, lo: int, hi: int) -> int | None:
        if lo > hi:
            return None
        lo_year, hi_year = date.fromordinal(lo).year, date.fromordinal(hi).year
        years = [y for y in range(lo_year, hi_year + 1)]
        weights = [self._YEAR_WEIGHTS.get(y, 5) for y in years]
        year = rng.choices(years, weights)[0]
        first = max(lo, date(year, 1, 1).toordinal())
        last = min(hi, date(year, 12, 31).toordinal())
        o = self._snap(first + rng.randrange(last - first + 1), hi)
        return o if o is not None else self._counter_day(rng, lo, hi)

    def _new_card(self, chunk, rng, p: _Person, issue_ord: int, *, kind="mynumber", expires=None, office=None):
        issued_on = date.fromordinal(issue_ord)
        if expires is None:
            expires = rules.card_expiry(issued_on=issued_on, birth_date=p.birth, period_of_stay_ends_on=p.stay_cap)
            if expires <= issued_on:  # a period of stay ending on the day of issue: one day
                expires = issued_on + timedelta(days=1)
        age = (issue_ord - p.birth_ord) // 365
        card = Card(
            kind=kind,
            issued_on=issued_on,
            expires_on=expires,
            status="active",
            face_authentication_only=kind == "mynumber" and age >= 75 and rng.random() < 0.12,
            office_id=office if office is not None else self._office(rng, p.office),
        )
        card._res = p.res
        chunk.cards.append(card)
        return card

    def _close_card(self, card, status: str, at_ord: int, rng):
        card.status = status
        card.status_changed_at = (
            self._moment(rng, min(at_ord, self.last_event_ord)) if at_ord <= self.today_ord else None
        )

    def _cards_for(self, chunk, rng, p: _Person, age: int):
        first = p.cert_start = len(chunk.certs)
        self._cards_for_inner(chunk, rng, p, age)
        today = self.today
        for cert in chunk.certs[first:]:  # whatever outlived its expiry has expired by today
            if cert.status == "valid" and cert.expires_on < today:
                cert.status = "expired"

    def _cards_for_inner(self, chunk, rng, p: _Person, age: int):
        end_ord = p.gone_ord - 1 if p.gone_ord else self.last_event_ord  # last day a card could be issued
        juki_card = None
        # legacy 住基カード (2003-2015), for some older residents
        if age >= 35 and rng.random() < 0.035:
            lo = max(date(2003, 8, 25).toordinal(), p.birth_ord + 15 * 366, p.arrival_ord + 14)
            hi = min(date(2015, 12, 21).toordinal(), end_ord)
            o = self._counter_day(rng, lo, hi) if lo < hi else None
            if o is not None:
                issued = date.fromordinal(o)
                juki_card = self._new_card(
                    chunk,
                    rng,
                    p,
                    o,
                    kind="juki",
                    expires=issued.replace(year=issued.year + 10)
                    if not (issued.month == 2 and issued.day == 29)
                    else date(issued.year + 10, 2, 28),
                )
                if rng.random() < 0.4:  # a legacy signing certificate: valid 3 years, long expired
                    exp = date(issued.year + 3, issued.month, 28 if issued.day > 28 else issued.day)
                    self._add_cert(chunk, p, juki_card, "signing", o, exp, None)
                juki_card.status = "expired" if juki_card.expires_on < self.today else "active"
        p_card = 0.40 if age < 1 else 0.62 if age < 15 else 0.70 if age < 75 else 0.62 if age < 90 else 0.45
        if p.stay_cap is not None:
            p_card = 0.6
        cards_left = rng.random() < p_card
        lo = max(MYNUMBER_CARD_START.toordinal(), p.birth_ord + 20, p.arrival_ord + 14)
        issue = self._first_card_day(rng, lo, end_ord) if cards_left else None
        if juki_card is not None:
            self._finish_juki(chunk, rng, p, juki_card, issue)
        if issue is None:
            return
        reissue = False
        while True:
            card = self._new_card(chunk, rng, p, issue)
            exp_ord = card.expires_on.toordinal()
            # the card's fate: (status, ord of the change, reason for its certificates)
            fate, at, next_issue = self._card_fate(rng, p, card, issue, exp_ord)
            self._certs_for(
                chunk, rng, p, card, issue, fate, at, reissue=reissue, reissue_at=next_issue if fate == "lost" else None
            )
            if next_issue is None:
                break
            reissue = fate == "lost"
            issue = next_issue
        if card.status == "active" and not getattr(card, "_listed", False):
            chunk.active.append((p, card, None, None))
        if card.status == "active" and p.status == "registered" and not p.ward and age >= 18:
            r = rng.random()
            if r < 0.012:  # an appointed proxy's application in progress (or ended by a returned letter)
                self._open_proxy(chunk, rng, p, card)
            elif r < 0.0145:  # refused, withdrawn, or received and not finished yet
                self._odd_application(chunk, rng, p, card)

    def _finish_juki(self, chunk, rng, p, juki_card, mynumber_issue):
        # A 住基カード is returned when a My Number card is issued, else it expired.
        if mynumber_issue is not None and mynumber_issue <= juki_card.expires_on.toordinal():
            self._close_card(juki_card, "returned", mynumber_issue, rng)
        elif juki_card.expires_on < self.today:
            self._close_card(juki_card, "expired", juki_card.expires_on.toordinal() + 1, rng)
        elif p.gone_ord:
            self._close_card(juki_card, "revoked", p.gone_ord, rng)
        else:  # still within its 10 years: returned when the resident got tired of it
            self._close_card(
                juki_card,
                "returned",
                self._counter_day(rng, date(2016, 1, 4).toordinal(), self.last_event_ord) or self.last_event_ord,
                rng,
            )

    def _card_fate(self, rng, p: _Person, card, issue: int, exp_ord: int):
        """Decide what happens to a card: returns (fate, ordinal, next card's issue ordinal)."""
        today_ord = self.today_ord
        limit = p.gone_ord if p.gone_ord else today_ord
        # lost at some point (2.5% of cards)
        if rng.random() < 0.025 and issue + 40 < min(limit, exp_ord):
            lost = rng.randint(issue + 30, min(limit, exp_ord) - 1)
            if lost > self.last_event_ord:
                lost = self.last_event_ord
            new_issue = (
                self._snap(lost + rng.randint(14, 45), self.last_event_ord)
                if lost + 14 <= self.last_event_ord
                else None
            )
            if (
                new_issue is None
                or new_issue <= lost
                or (p.gone_ord and new_issue >= p.gone_ord)
                or rng.random() < 0.08
            ):
                # reported lost, no new card yet: suspended
                return "suspended", lost, None
            self._close_card(card, "lost", lost, rng)
            return "lost", lost, new_issue
        if exp_ord < limit:
            # expired (by date) while the person was here
            if rng.random() < 0.75 and not p.gone_ord:
                new_issue = self._snap(exp_ord - rng.randint(-90, 85), self.last_event_ord)
                if (
                    new_issue is not None
                    and issue < new_issue <= self.last_event_ord
                    and (p.gone_ord is None or new_issue < p.gone_ord)
                ):
                    if new_issue <= exp_ord:
                        self._close_card(card, "returned", new_issue, rng)
                        return "returned", new_issue, new_issue
                    self._close_card(card, "expired", exp_ord + 1, rng)
                    return "expired", exp_ord + 1, new_issue
            self._close_card(card, "expired", exp_ord + 1, rng)
            return "expired", exp_ord + 1, None
        if p.gone_ord:
            gone = p.gone_ord
            if p.status == "moved_out" and gone > today_ord - 90:
                return "moved_recently", gone, None  # card still active; signing revoked
            status = "returned" if p.status == "moved_abroad" and rng.random() < 0.5 else "revoked"
            self._close_card(card, status, gone, rng)
            return status, gone, None
        # an active card; a few reported lost recently and suspended
        if rng.random() < 0.004:
            return (
                "suspended",
                self._counter_day(rng, max(issue + 1, today_ord - 20), self.last_event_ord) or self.last_event_ord,
                None,
            )
        return "active", None, None

    # ---------------------------------------------------------------- certificates
    def _issued_at(self, issue_ord: int, app, serial: str) -> datetime:
        """When the issuance was recorded: at the end of its application, else during counter hours on
        the day of issue (derived from the serial: the random sequence stays as it was)."""
        if app is not None:
            return app.completed_at or app.received_at
        d = date.fromordinal(issue_ord)
        minute = 9 * 60 + 5 + int(serial[-6:]) * 37 % (8 * 60)
        return min(datetime(d.year, d.month, d.day, minute // 60, minute % 60, tzinfo=TOKYO), self.now)

    def _add_cert(
        self, chunk, p: _Person, card, kind: str, issue_ord: int, expires: date, app, *, address=None, name=None
    ):
        """A certificate with the register's name and address at its issue (``name``: the name the clerk
        typed, kana for a character without a 代替文字: no substituted position)."""
        serial = self._serial()
        created_at = self._issued_at(issue_ord, app, serial)
        name_text, name_pos = (name, []) if name else certificate_text(p.res.name)
        if address is None:
            address = p.move[2] if p.move is not None and created_at < p.move[0] else p.address
        addr_text, addr_pos = certificate_text(address)
        cert = Certificate(
            kind=kind,
            serial=serial,
            created_at=created_at,
            issued_on=date.fromordinal(issue_ord),
            expires_on=expires,
            status="valid",
            name_in_certificate=name_text,
            address_in_certificate=addr_text,
            substituted_name_positions=name_pos,
            substituted_address_positions=addr_pos,
            office_id=app.office_id if app is not None else card.office_id,
        )
        cert._card = card
        cert._app = app
        chunk.certs.append(cert)
        return cert

    @staticmethod
    def _end_cert(cert, status: str, at: datetime | None, reason: str = ""):
        cert.status = status
        if status == "revoked":
            cert.revoked_at = at
            cert.revocation_reason = reason

    def _certs_for(
        self,
        chunk,
        rng,
        p: _Person,
        card,
        issue: int,
        fate: str,
        fate_at: int | None,
        *,
        reissue: bool,
        reissue_at: int | None = None,
    ):
        if card.face_authentication_only:
            return
        if rng.random() > (0.86 if (issue - p.birth_ord) // 365 >= 15 else 0.75):
            return
        today_ord = self.today_ord
        card_exp = card.expires_on
        card_exp_ord = card_exp.toordinal()
        # last day on which something could still be issued onto this card
        stop = min(card_exp_ord - 1, self.last_event_ord, (fate_at - 1) if fate_at else self.last_event_ord)
        t = issue if rng.random() < 0.85 else (self._counter_day(rng, issue, stop) or issue)
        if t > stop:
            return
        renewed = False
        kind = "reissue" if reissue else "new"
        adult_user_only = rng.random() < 0.05
        valid = {}  # kind -> cert currently valid
        while True:
            t_date = date.fromordinal(t)
            signing_ok = (
                rules.signing_certificate_allowed(birth_date=p.birth, on=t_date, adult_ward=p.ward)
                and not adult_user_only
            )
            user_exp = rules.certificate_expiry(
                issued_on=t_date, birth_date=p.birth, renewed=renewed, card_expires_on=card_exp
            )
            if user_exp <= t_date:  # nothing left to issue onto this card
                return
            app = (
                self._issue_application(chunk, rng, p, card, t, kind, signing_ok, True)
                if t >= self.window_start_ord
                else None
            )
            if app is False:  # the application is still open (proxy in progress): nothing issued
                return
            valid["user"] = self._add_cert(chunk, p, card, "user", t, user_exp, app)
            if signing_ok:
                valid["signing"] = self._add_cert(chunk, p, card, "signing", t, user_exp, app)
            exp_ord = user_exp.toordinal()
            if exp_ord >= min(stop + 1, card_exp_ord) or exp_ord >= today_ord:
                break  # valid to the end of the card's life here (or to today)
            # the certificates reach their expiry while the card lives on
            if rng.random() < 0.72:
                opens, _closes = rules.renewal_window(user_exp)
                r = self._counter_day(rng, opens.toordinal(), min(exp_ord, stop))
                if r is not None:
                    at = self._moment(rng, r)
                    for cert in valid.values():
                        self._end_cert(cert, "revoked", at, REASON_RENEWAL)
                    valid = {}
                    t, renewed, kind = r, True, "renewal"
                    continue
            for cert in valid.values():
                self._end_cert(cert, "expired", None)
            valid = {}
            if rng.random() < 0.35 and exp_ord + 30 < stop:
                t = self._counter_day(rng, exp_ord + 1, min(stop, exp_ord + 500))
                if t is not None:
                    renewed, kind = False, "new"
                    continue
            return
        # -- the current certificates of this card, until the card's fate
        signing = valid.get("signing")
        user = valid["user"]
        if fate in ("active", "moved_recently", "suspended") and signing is not None and signing.status == "valid":
            r = rng.random()
            # a move within the city (基本4情報の変更) revoked the signing certificate
            m = None
            if r < 0.05 and fate == "active" and t + 40 < self.last_event_ord:
                m = self._snap(rng.randint(t + 30, self.last_event_ord), self.last_event_ord)
            if m is not None:
                # the register had the old address until the move (history rows of creation and of the
                # change, ``_flush``); every certificate issued before it carries the old address
                town, postal, block, building, _office = self._address(rng)
                old_address = town + block + (f"　{building}" if building else "")
                moved_at = self._moment(rng, m)
                p.move = (moved_at, (postal, town, block, building), old_address)
                chunk.moves.append(p)
                text = certificate_text(old_address)
                for cert in chunk.certs[p.cert_start :]:
                    if cert.created_at < moved_at:
                        cert.address_in_certificate, cert.substituted_address_positions = text
                self._end_cert(signing, "revoked", moved_at, REASON_BASIC_INFO_CHANGE)
                if rng.random() < 0.6 and m < self.last_event_ord:
                    # a new signing certificate on a later day (after the move was recorded)
                    s = self._counter_day(rng, m + 1, min(self.last_event_ord, m + 60))
                    if s is not None and s < user.expires_on.toordinal():
                        s_date = date.fromordinal(s)
                        s_exp = rules.certificate_expiry(
                            issued_on=s_date,
                            birth_date=p.birth,
                            card_expires_on=card_exp,
                            user_certificate_expires_on=user.expires_on,
                        )
                        app = (
                            self._issue_application(chunk, rng, p, card, s, "new", True, False)
                            if s >= self.window_start_ord
                            else None
                        )
                        if app is not False and s_exp > s_date:
                            signing = self._add_cert(chunk, p, card, "signing", s, s_exp, app)
            elif 0.05 <= r < 0.058:
                # the resident asked for revocation
                hi = min(self.last_event_ord, fate_at - 1) if fate_at else self.last_event_ord
                o = self._counter_day(rng, t + 1, hi) if t < hi else None
                if o is not None:
                    app = (
                        self._simple_application(chunk, rng, p, card, o, "revocation", True, rng.random() < 0.5)
                        if o >= self.window_start_ord
                        else None
                    )
                    at = app.received_at if app is not None else self._moment(rng, o)
                    self._end_cert(signing, "revoked", at, REASON_REQUESTED)
                    if app is not None and app.user_requested:
                        self._end_cert(user, "revoked", at, REASON_REQUESTED)
        # password initializations (no change to the certificates)
        if fate == "active" and user.status == "valid" and rng.random() < 0.035:
            o = self._app_day(rng, lo=t + 1)
            if o is not None and o > t:
                self._password_init(chunk, rng, p, card, o, signing is not None and signing.status == "valid")
        # the card's fate
        if fate == "active" or fate is None:
            chunk.active.append((p, card, user, signing))
            card._listed = True
            return
        at = self._moment(rng, min(fate_at, self.last_event_ord)) if fate_at is not None else None
        if fate == "suspended":
            if signing is not None and signing.status == "valid":
                self._end_cert(signing, "revoked", at, REASON_LOSS)
            self._close_card(card, "suspended", fate_at, rng)
        elif fate == "moved_recently":
            if signing is not None and signing.status == "valid":
                self._end_cert(signing, "revoked", at, REASON_DEPARTURE["moved_out"])
        elif fate == "lost":
            if signing is not None and signing.status == "valid":
                self._end_cert(signing, "revoked", at, REASON_LOSS)
            if user.status == "valid":
                later = self._moment(rng, reissue_at) if reissue_at else at
                self._end_cert(user, "revoked", later, REASON_CARD_REISSUE)
        elif fate == "returned":
            reason = REASON_DEPARTURE["moved_abroad"] if p.status == "moved_abroad" else REASON_CARD_RENEWED
            for cert in (signing, user):
                if cert is not None and cert.status == "valid":
                    self._end_cert(cert, "revoked", at, reason)
        elif fate == "revoked":
            reason = REASON_DEPARTURE.get(p.status, "カードの廃止")
            for cert in (signing, user):
                if cert is not None and cert.status == "valid":
                    self._end_cert(cert, "revoked", at, reason)
        # any certificate left "valid" past its expiry is expired
        for cert in (signing, user):
            if cert is not None and cert.status == "valid" and cert.expires_on < self.today:
                self._end_cert(cert, "expired", None)
