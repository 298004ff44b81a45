"""Applications and the proxy flow: the counter records behind every card and certificate,
open proxy cases, the scenario people of SCENARIOS.md."""

from __future__ import annotations

import bisect
from datetime import date, datetime, timedelta

from jpki import rules
from jpki.models import Application, IdentityDocument, ProxyAuthorization
from residents.models import Resident

from .common import (
    _TOWN_BY_NAME,
    KANA_OVERRIDE_RESIDENTS,
    MAIN_OFFICE_CODE,
    PROXY_RELATIONS,
    REASON_CARD_REISSUE,
    REASON_LOSS,
    REASON_REQUESTED,
    RETURN_REASONS,
    SCENARIO_RESIDENTS,
    TOKYO,
    _Chunk,
    _Person,
)
from .names import CITY_PREFIX


class ApplicationsMixin:
    """Applications and the proxy flow: the counter records behind every card and certificate,

    A part of :class:`jpki.demo.city.CityBuilder`.
    """

    # ---------------------------------------------------------------- applications
    def _application(
        self,
        rng,
        p: _Person,
        card,
        o: int,
        kind: str,
        applicant: str,
        *,
        signing: bool,
        user: bool,
        status: str = "completed",
        office=None,
        late: bool = False,
    ):
        office = office if office is not None else self._office(rng, p.office)
        received = self._moment(rng, o, late=late)
        app = Application(
            kind=kind,
            applicant_type=applicant,
            office_id=office,
            received_at=received,
            received_by_id=self._clerk(rng, office),
            status=status,
            signing_requested=signing,
            user_requested=user,
            outside_counter_hours=not rules.counter_is_open(received),
            completed_at=received + timedelta(minutes=rng.randint(8, 35)) if status == "completed" else None,
        )
        if app.completed_at is not None and app.completed_at > self.now:
            app.completed_at = self.now
        app._res = p.res
        app._card = card
        return app

    def _applicant_type(self, rng, p: _Person, o: int, kind: str) -> str:
        age = (o - p.birth_ord) // 365
        if age < 15 or p.ward:
            return "legal"
        if kind in ("new", "renewal", "revocation", "password_init") and rng.random() < (0.12 if age >= 75 else 0.04):
            return "proxy"
        return "self"

    def _docs(self, chunk, rng, app, holder: str, kinds, at, visit: int = 1):
        for kind in kinds:
            if kind == "mynumber_card":
                last4 = ""  # never record (part of) the individual number
            elif kind == "passport":
                last4 = f"{rng.randrange(10000):04d}"
            elif kind == "residence_card":
                last4 = f"{rng.randrange(100):02d}{'ABCDEFGHJK'[rng.randrange(10)]}{'ABCDEFGHJK'[rng.randrange(10)]}"
            else:
                last4 = f"{rng.randrange(10000):04d}"
            issuer = {
                "driving_licence": "大阪府公安委員会",
                "passport": "外務省",
                "residence_card": "出入国在留管理庁",
                "health_insurance_card": "吹田市",
                "mynumber_card": "吹田市長",
                "care_insurance_card": "吹田市",
            }.get(kind, "")
            doc = IdentityDocument(
                holder=holder, visit=visit, kind=kind, issuer=issuer, number_last4=last4, checked_at=at
            )
            doc._app = app
            chunk.docs.append(doc)

    def _self_docs(self, chunk, rng, app, p: _Person):
        if p.res.residence_status and rng.random() < 0.5:
            self._docs(chunk, rng, app, "resident", ("mynumber_card", "residence_card"), app.received_at)
        else:
            self._docs(chunk, rng, app, "resident", ("mynumber_card",), app.received_at)

    def _legal(self, chunk, rng, app, p: _Person, o: int):
        ward = p.ward
        app.legal_authority_document = "登記事項証明書" if ward else "戸籍謄本"
        app.legal_authority_issued_on = date.fromordinal(o - rng.randint(3, 80))
        app.notes = "成年後見人が来庁" if ward else "親権者（母）が同伴" if rng.random() < 0.7 else "親権者（父）が同伴"
        self._docs(
            chunk,
            rng,
            app,
            "legal",
            (("driving_licence", "mynumber_card", "passport")[rng.randrange(3)],),
            app.received_at,
        )
        self._docs(chunk, rng, app, "resident", ("mynumber_card",), app.received_at)

    def _proxy(self, rng, p: _Person, app, stage: str, visit1: datetime, visit1_office: int):
        rel = PROXY_RELATIONS[bisect.bisect_right(self._relation_cum, rng.random() * self._relation_cum[-1])][0]
        family = rel != "知人"
        surname, surname_kana = (
            (p.res.name.split("　")[0], p.res.name_kana.split("　")[0]) if family and "　" in p.res.name else ("", "")
        )
        sex = "male" if rng.random() < 0.5 else "female"
        if rel == "子":
            byear = p.birth.year + rng.randint(22, 38)
        elif rel == "親":
            byear = p.birth.year - rng.randint(22, 38)
        elif rel == "孫":
            byear = p.birth.year + rng.randint(45, 60)
        else:
            byear = p.birth.year + rng.randint(-8, 8)
        byear = min(byear, self.today.year - 20)
        gname, gkana = self._japanese_name(rng, sex, byear)
        if surname:
            gname = surname + "　" + gname.split("　")[1]
            gkana = surname_kana + "　" + gkana.split("　")[1]
        same_home = family and rng.random() < 0.5
        if same_home:
            proxy_address, proxy_postal = p.address, p.res.postal_code
        else:
            town, postal, block, building, _ = self._address(rng)
            proxy_address, proxy_postal = town + block + (f"　{building}" if building else ""), postal
        proxy = ProxyAuthorization(
            proxy_name=gname,
            proxy_kana=gkana,
            proxy_postal_code=proxy_postal,
            proxy_address=proxy_address,
            proxy_birth_date=date(byear, rng.randint(1, 12), rng.randint(1, 28)),
            relation=rel,
            stage=stage,
            visit1_at=visit1,
            visit1_office_id=visit1_office,
        )
        proxy._app = app
        return proxy

    def _letter_sent_at(self, rng, visit1_ord: int) -> datetime:
        # printed in the evening batch of visit 1's day, or the next counter day
        o = visit1_ord if rng.random() < 0.6 else (self._snap(visit1_ord + 1, self.today_ord + 30) or visit1_ord)
        d = date.fromordinal(o)
        at = datetime(d.year, d.month, d.day, 17, rng.randint(0, 25), tzinfo=TOKYO)
        if at > self.now:
            at = self.now - timedelta(minutes=1)
        return at

    def _proxy_completed(self, chunk, rng, p: _Person, card, o: int, kind: str, signing: bool, user: bool):
        """A two-visit proxy application, completed on day ``o`` (visit 2)."""
        visit1 = self._counter_day(rng, o - 40, o - 8)
        if visit1 is None:
            return None
        office1 = self._office(rng, p.office)
        app = self._application(rng, p, card, visit1, kind, "proxy", signing=signing, user=user, office=office1)
        visit2_office = office1 if rng.random() < 0.8 else self._office(rng, p.office)
        visit2_at = self._moment(rng, o)
        proxy = self._proxy(rng, p, app, "visit2", app.received_at, office1)
        proxy.letter_sent_at = self._letter_sent_at(rng, visit1)
        reply = self._counter_day(rng, visit1 + 3, o) or o
        proxy.reply_received_at = min(self._moment(rng, reply), visit2_at)
        proxy.visit2_at = visit2_at
        proxy.visit2_office_id = visit2_office
        proxy.resident_card_checked = proxy.proxy_photo_id_checked = proxy.reply_complete = True
        proxy.power_of_attorney_complete = proxy.envelope_sealed = proxy.application_form_checked = True
        app.office_id = visit2_office
        app.received_by_id = self._clerk(rng, visit2_office)
        app.completed_at = visit2_at + timedelta(minutes=rng.randint(10, 30))
        if app.completed_at > self.now:
            app.completed_at = self.now
        # the application was received on visit 1 (its office stays visit 1's office)
        app.office_id = office1
        app.received_by_id = self._clerk(rng, office1)
        chunk.proxies.append(proxy)
        if rng.random() < 0.5:
            self._docs(
                chunk,
                rng,
                app,
                "proxy",
                (("health_insurance_card", "driving_licence")[rng.randrange(2)],),
                app.received_at,
                1,
            )
        self._docs(
            chunk,
            rng,
            app,
            "proxy",
            (("driving_licence", "passport", "mynumber_card")[rng.randrange(3)],),
            visit2_at,
            2,
        )
        self._docs(chunk, rng, app, "resident", ("mynumber_card",), visit2_at, 2)
        chunk.apps.append(app)
        app._visit2 = visit2_at
        return app

    def _issue_application(self, chunk, rng, p: _Person, card, o: int, kind: str, signing: bool, user: bool):
        """An application for certificates issued on day ``o``; None outside the window."""
        applicant = self._applicant_type(rng, p, o, kind)
        if kind == "reissue" and applicant == "proxy":
            applicant = "self"
        if applicant == "proxy":
            app = self._proxy_completed(chunk, rng, p, card, o, kind, signing, user)
            if app is not None:
                return app
            applicant = "self"
        app = self._application(rng, p, card, o, kind, applicant, signing=signing, user=user, late=rng.random() < 0.004)
        if kind == "reissue":
            app.fee_due = rules.reissue_fee(signing=signing, user=user)
            app.fee_paid = True
            app.fee_receipt_number = f"R{date.fromordinal(o):%Y%m%d}-{rng.randrange(1, 9999):04d}"
        if applicant == "legal":
            self._legal(chunk, rng, app, p, o)
        else:
            self._self_docs(chunk, rng, app, p)
        chunk.apps.append(app)
        return app

    def _simple_application(self, chunk, rng, p, card, o, kind, signing, user):
        applicant = self._applicant_type(rng, p, o, kind)
        if applicant == "proxy":
            app = self._proxy_completed(chunk, rng, p, card, o, kind, signing, user)
            if app is not None:
                app.received_at = min(app.received_at, app._visit2)
                return app
            applicant = "self"
        app = self._application(rng, p, card, o, kind, applicant, signing=signing, user=user)
        if applicant == "legal":
            self._legal(chunk, rng, app, p, o)
        else:
            self._self_docs(chunk, rng, app, p)
        chunk.apps.append(app)
        return app

    def _password_init(self, chunk, rng, p, card, o, signing_valid):
        both = signing_valid and rng.random() < 0.4
        signing = signing_valid and (both or rng.random() < 0.5)
        user = both or not signing
        self._simple_application(chunk, rng, p, card, o, "password_init", signing, user)

    def _open_proxy(self, chunk, rng, p: _Person, card, *, stage: str | None = None):
        """An appointed-proxy application still in progress (or ended by a returned letter)."""
        if stage is None:
            r = rng.random()
            stage = (
                "visit1"
                if r < 0.3
                else "letter_sent"
                if r < 0.68
                else "reply_received"
                if r < 0.86
                else "returned"
                if r < 0.96
                else "withdrawn"
            )
        hi = self.last_event_ord if stage == "visit1" else self._prev_day(self.today_ord - 1)
        lo = self.today_ord - (2 if stage == "visit1" else 45)
        o = self._app_day(rng, lo=lo) if stage == "visit1" else self._counter_day(rng, lo, hi)
        if o is None:
            return None
        kind = ("new", "new", "new", "renewal", "password_init", "revocation")[rng.randrange(6)]
        signing = kind != "password_init" or rng.random() < 0.6
        if (self.today_ord - p.birth_ord) // 365 < 15 or p.ward:
            return None
        status = {
            "visit1": "awaiting_letter",
            "letter_sent": "letter_sent",
            "reply_received": "reply_received",
            "returned": "returned",
            "withdrawn": "cancelled",
        }[stage]
        app = self._application(rng, p, card, o, kind, "proxy", signing=signing, user=True, status=status)
        proxy = self._proxy(rng, p, app, stage, app.received_at, app.office_id)
        if stage != "visit1":
            proxy.letter_sent_at = self._letter_sent_at(rng, o)
            if proxy.letter_sent_at <= app.received_at:
                proxy.letter_sent_at = app.received_at + timedelta(minutes=30)
        if stage == "reply_received":
            r = self._counter_day(rng, o + 3, self.last_event_ord) or self.last_event_ord
            proxy.reply_received_at = max(self._moment(rng, r), proxy.letter_sent_at + timedelta(hours=1))
        if stage == "returned":
            r = self._counter_day(rng, o + 3, self.last_event_ord) or self.last_event_ord
            proxy.returned_at = max(self._moment(rng, r), proxy.letter_sent_at + timedelta(hours=1))
            proxy.return_reason = RETURN_REASONS[rng.randrange(len(RETURN_REASONS))]
            app.notes = "照会書が返戻されたため申請は終了。居住実態の確認を住民記録担当へ依頼。"
        if stage == "withdrawn":  # 取下げ after the letter went out: the letter stays recorded
            day = self._counter_day(rng, o + 2, self.last_event_ord) or self.last_event_ord
            app.completed_at = max(self._moment(rng, day), proxy.letter_sent_at + timedelta(hours=1))
            app.notes = f"取下げ（{app.completed_at:%Y-%m-%d}）: 本人から電話で取下げの申出（代理人の来庁が困難なため）"
        if rng.random() < 0.5:
            self._docs(
                chunk,
                rng,
                app,
                "proxy",
                (("health_insurance_card", "driving_licence", "pension_book")[rng.randrange(3)],),
                app.received_at,
                1,
            )
        chunk.apps.append(app)
        chunk.proxies.append(proxy)
        return app

    def _odd_application(self, chunk, rng, p: _Person, card, status: str | None = None):
        """An application that did not complete: refused (不受理), withdrawn, or open today."""
        if status is None:
            r = rng.random()
            status = "refused" if r < 0.4 else "cancelled" if r < 0.75 else "received"
        if status == "received":
            if not self.today_usable:
                return None
            o = self.today_ord
        else:
            o = self._app_day(rng)
            if o is None:
                return None
        kind = ("new", "password_init", "renewal")[rng.randrange(3)]
        app = self._application(rng, p, card, o, kind, "self", signing=True, user=True, status=status)
        app.notes = {
            "refused": ("本人確認書類の提示がなく不受理", "本人が来庁できず、代理人による申請（2回来庁）を案内")[
                rng.randrange(2)
            ],
            "cancelled": "申請者の都合により取下げ",
            "received": "受付済み（暗証番号設定待ち）",
        }[status]
        if status != "refused":
            self._self_docs(chunk, rng, app, p)
        chunk.apps.append(app)
        return app

    def _ensure_variety(self, chunk: _Chunk, rng):
        """Make sure a small city still shows every kind, applicant type and proxy stage."""
        adults = [
            a
            for a in chunk.active
            if a[0].status == "registered" and not a[0].ward and (self.today_ord - a[0].birth_ord) // 365 >= 18
        ]
        if not adults:
            return
        rng.shuffle(adults)
        pick = iter(adults * 8)
        stages = {pr.stage for pr in chunk.proxies}
        for stage in ("visit1", "letter_sent", "reply_received", "returned", "withdrawn"):
            if stage not in stages:
                for _ in range(20):
                    p, card, _u, _s = next(pick)
                    if self._open_proxy(chunk, rng, p, card, stage=stage) is not None:
                        break
        kinds = {(a.kind, a.applicant_type) for a in chunk.apps}
        present_kinds = {k for k, _t in kinds}
        present_types = {t for _k, t in kinds}
        if "visit2" not in {pr.stage for pr in chunk.proxies}:
            for p, card, user, _signing in adults:
                if user is not None and user.status == "valid":
                    o = self._app_day(rng, lo=self.today_ord - 60)
                    if o is not None and self._proxy_completed(chunk, rng, p, card, o, "password_init", False, True):
                        present_kinds.add("password_init")
                        present_types.add("proxy")
                        break
        if "password_init" not in present_kinds:
            p, card, _u, _s = adults[0]
            o = self._app_day(rng)
            if o is not None:
                self._simple_application(chunk, rng, p, card, o, "password_init", False, True)
        if "legal" not in present_types:
            for p, card, user, _s in sorted(chunk.active, key=lambda a: a[2] is None):
                if p.status != "registered" or ((self.today_ord - p.birth_ord) // 365 >= 15 and not p.ward):
                    continue
                if user is not None and user.status == "valid":
                    o = self._app_day(rng, lo=user.issued_on.toordinal() + 1)
                    if o is not None:
                        self._simple_application(chunk, rng, p, card, o, "password_init", False, True)
                        break
                elif user is None and not card.face_authentication_only:
                    o = self._app_day(rng, lo=card.issued_on.toordinal() + 1)
                    if o is not None:  # the parent / guardian applies for the user certificate
                        app = self._issue_application(chunk, rng, p, card, o, "new", False, True)
                        exp = rules.certificate_expiry(
                            issued_on=date.fromordinal(o), birth_date=p.birth, card_expires_on=card.expires_on
                        )
                        self._add_cert(chunk, p, card, "user", o, exp, app)
                        break
            else:  # no child with a card: one gets a card and, from the parent, a user certificate
                with_card = {id(c._res) for c in chunk.cards}
                for p in chunk.people:
                    if (
                        p.status == "registered"
                        and id(p.res) not in with_card
                        and 1 <= (self.today_ord - p.birth_ord) // 365 < 15
                    ):
                        o = self._app_day(rng)
                        if o is None:
                            break
                        card = self._new_card(chunk, rng, p, o)
                        card.face_authentication_only = False
                        app = self._issue_application(chunk, rng, p, card, o, "new", False, True)
                        exp = rules.certificate_expiry(
                            issued_on=date.fromordinal(o), birth_date=p.birth, card_expires_on=card.expires_on
                        )
                        self._add_cert(chunk, p, card, "user", o, exp, app)
                        break
        if "revocation" not in present_kinds:
            for p, card, _user, signing in adults:
                if (
                    signing is not None
                    and signing.status == "valid"
                    and signing.issued_on.toordinal() < self.window_start_ord
                ):
                    o = self._app_day(rng)
                    if o is not None:
                        app = self._simple_application(chunk, rng, p, card, o, "revocation", True, False)
                        self._end_cert(signing, "revoked", app.received_at, REASON_REQUESTED)
                        break
        if "reissue" not in present_kinds:
            for p, card, user, signing in adults:
                if (
                    user is not None
                    and user.status == "valid"
                    and user.issued_on.toordinal() < self.window_start_ord
                    and (signing is None or signing.status == "valid")
                ):
                    self._force_reissue(chunk, rng, p, card, user, signing)
                    break
        if self.today_usable:  # the dashboard shows today's work at several offices
            today_count = sum(1 for a in chunk.apps if a.received_at.date() == self.today)
            candidates = [a for a in adults if a[2] is not None and a[2].status == "valid"]
            for p, card, _user, signing in candidates[: max(0, 10 - today_count)]:
                both = signing is not None and signing.status == "valid" and rng.random() < 0.5
                self._simple_application(chunk, rng, p, card, self.today_ord, "password_init", both, True)
        statuses = {a.status for a in chunk.apps}
        for status in ("refused", "cancelled", "received"):
            if status not in statuses:
                p, card, _u, _s = next(pick)
                self._odd_application(chunk, rng, p, card, status=status)

    def _force_reissue(self, chunk, rng, p: _Person, card, user, signing):
        """The card was lost in the window and a new one issued with both certificates (fee)."""
        lost = self._counter_day(rng, self.window_start_ord, self.last_event_ord - 20)
        if lost is None:
            return
        new_issue = self._snap(lost + rng.randint(14, 20), self.last_event_ord)
        if new_issue is None or new_issue <= lost:
            return
        at = self._moment(rng, lost)
        self._close_card(card, "lost", lost, rng)
        card.status_changed_at = at
        if signing is not None and signing.status == "valid":
            self._end_cert(signing, "revoked", at, REASON_LOSS)
        new_card = self._new_card(chunk, rng, p, new_issue)
        new_card.face_authentication_only = False
        t_date = date.fromordinal(new_issue)
        signing_ok = signing is not None
        user_exp = rules.certificate_expiry(issued_on=t_date, birth_date=p.birth, card_expires_on=new_card.expires_on)
        app = self._issue_application(chunk, rng, p, new_card, new_issue, "reissue", signing_ok, True)
        if user.status == "valid":
            self._end_cert(user, "revoked", app.received_at, REASON_CARD_REISSUE)
        self._add_cert(chunk, p, new_card, "user", new_issue, user_exp, app)
        if signing_ok:
            self._add_cert(chunk, p, new_card, "signing", new_issue, user_exp, app)
        # applications recorded later on the lost card now belong to the new card
        for other in chunk.apps:
            if other._card is card and other.received_at > at:
                other._card = new_card

    # ---------------------------------------------------------------- scenario people
    def _scenario(self, chunk: _Chunk, rng):
        """The people of SCENARIOS.md, with exactly the records the scenarios start from."""
        people = {}
        typed_names = {row[0]: (row[8], row[9]) for row in KANA_OVERRIDE_RESIDENTS}
        for key, name, kana, sex, birth, town, block, building, *_typed in SCENARIO_RESIDENTS + KANA_OVERRIDE_RESIDENTS:
            town_row = _TOWN_BY_NAME[town]
            res = Resident(
                name=name,
                name_kana=kana,
                birth_date=birth,
                sex=sex,
                postal_code=town_row[1],
                address_town=CITY_PREFIX + town,
                address_block=block,
                address_building=building,
                status="registered",
                is_adult_ward=key == "masao",
                **self._search_keys(name, kana),
            )
            res._history_date = self._registered_at(birth.toordinal())
            chunk.residents.append(res)
            address = res.address_town + block + (f"　{building}" if building else "")
            people[key] = _Person(
                res,
                birth,
                birth.toordinal(),
                key == "masao",
                None,
                "registered",
                None,
                town_row[4],
                address,
                birth.toordinal(),
            )
        main = self.office_pk[MAIN_OFFICE_CODE]
        d = date.fromisoformat

        def card(key, issued, status="active", office=main):
            p = people[key]
            c = self._new_card(chunk, rng, p, d(issued).toordinal(), office=office)
            c.face_authentication_only = False
            c.status = status
            return c

        def certs(key, c, issued, kinds=("signing", "user"), renewed=False):
            p = people[key]
            i = d(issued)
            user_exp = rules.certificate_expiry(
                issued_on=i, birth_date=p.birth, renewed=renewed, card_expires_on=c.expires_on
            )
            return {k: self._add_cert(chunk, p, c, k, i.toordinal(), user_exp, None) for k in kinds}

        # 1. 山田花子: card issued 2024-06-10 (expires 2034-06-01), no certificates yet.
        card("hanako", "2024-06-10")
        # 2. 鈴木キヨ (29 February): an active card valid beyond 2031-02-28 (the expiry of the
        #    certificates her son obtains for her on 2026-12-07), no certificate.
        card("kiyo", "2023-03-15", office=self.office_pk["senriyama"])
        #    her son 鈴木一郎 (the proxy of scenario 2) has his own card and certificates.
        c = card("ichiro", "2021-10-04", office=self.office_pk["senriyama"])
        certs("ichiro", c, "2023-10-04")
        # 3. 高橋次郎, 泉町: both certificates valid.
        c = card("jiro", "2023-02-13")
        certs("jiro", c, "2023-02-13")
        # 4. 佐藤美咲: card reported lost -> suspended, signing certificate revoked.
        c = card("misaki", "2022-07-19", status="suspended", office=self.office_pk["esaka"])
        cs = certs("misaki", c, "2023-01-16")
        lost_at = datetime(2026, 11, 16, 10, 12, tzinfo=TOKYO)
        if lost_at > self.now:
            lost_at = self.now - timedelta(days=1)
        c.status_changed_at = lost_at
        self._end_cert(cs["signing"], "revoked", lost_at, REASON_LOSS)
        # 5. 伊藤健 (born 8/17): certificates expiring 2027-08-17.
        c = card("ken", "2022-09-05", office=self.office_pk["yamada"])
        certs("ken", c, "2022-09-05")
        # 6. 渡辺ゆい, 12: a card, no certificate; her mother 渡辺直美 (法定代理人) with her own card.
        card("yui", "2025-07-01", office=self.office_pk["minamisenri"])
        c = card("naomi", "2020-12-01", office=self.office_pk["minamisenri"])
        certs("naomi", c, "2022-12-01")
        #    an adult ward: 中村正男, a card, user certificate only (issued via the guardian).
        c = card("masao", "2023-05-22", office=self.office_pk["minamisenri"])
        certs("masao", c, "2023-05-22", kinds=("user",))
        # 7. 髙橋幸子 (U+9AD9): both certificates valid, the certificate name 高橋 with position 0.
        c = card("sachiko", "2022-11-28", office=self.office_pk["kishibe"])
        certs("sachiko", c, "2022-11-28")
        # Genuine kana overrides: a character without a 代替文字 in the name, the certificates issued at
        # the counter with the name the clerk typed (kana for that part).
        for key, (typed, days_ago) in typed_names.items():
            p = people[key]
            c = card(key, "2021-09-13", office=self.office_pk[p.office])
            o = self._prev_day(self.today_ord - days_ago)
            app = self._application(rng, p, c, o, "new", "self", signing=True, user=True)
            self._self_docs(chunk, rng, app, p)
            chunk.apps.append(app)
            expires = rules.certificate_expiry(
                issued_on=date.fromordinal(o), birth_date=p.birth, card_expires_on=c.expires_on
            )
            for kind in ("user", "signing"):
                self._add_cert(chunk, p, c, kind, o, expires, app, name=typed)
        # fix the few random things: expired/valid by today
        for cert in chunk.certs:
            if cert.status == "valid" and cert.expires_on < self.today:
                self._end_cert(cert, "expired", None)
        for c in chunk.cards:
            if c.status == "active" and c.expires_on < self.today:
                c.status = "expired"
