"""Every write that the certificate domain knows (Zulip's ``do_*`` style, HackSoft's services).

Each service is keyword-only, runs in one transaction, takes the acting user and a reason that
go into the history rows, and raises ``ValidationError`` with Japanese messages keyed by the
form field they belong to. Admin views, management commands and tests all call these; this
package re-exports them so that callers write ``services.card_issue(...)``.

The system never receives a password (暗証番号) or an individual number (個人番号): no service
takes one as an argument.
"""

from .base import (
    MSG_CONCURRENT,
    MSG_OUTSIDE_HOURS,
    MSG_PHOTO_ID_REQUIRED,
    REASON_BASIC_INFO_CHANGE,
    REASON_CARD_REISSUE,
    REASON_DEPARTURE,
    REASON_EXPIRED,
    REASON_LOSS,
    REASON_RENEWAL,
    DocumentShown,
    IssuancePlan,
    active_card,
    counter_hours,
    issuance_plan,
    mask_document_number,
    next_opening_day,
    valid_certificates,
)
from .counter import (
    card_issue,
    card_reissue,
    card_report_found,
    card_report_lost,
    certificates_issue,
    certificates_revoke,
    passwords_initialize,
)
from .expiry import (
    expire_due,
)
from .feed import (
    FEED_USERNAME,
    FeedResult,
    feed_import,
    feed_system_user,
)
from .proxy import (
    PROXY_CHECKLIST,
    application_cancel,
    proxy_letter_returned,
    proxy_letter_sent,
    proxy_reply_received,
    proxy_visit1,
    proxy_visit2,
)
from .register import (
    card_validity_change,
    card_validity_new_expiry,
    end_certificates_for_departure,
    resident_change_basic_info,
    resident_move_in_at_counter,
    resident_record_departure,
    revoke_signing_for_basic_info_change,
)
from .review import (
    review_sign_off,
    review_sign_off_many,
)
from .staff import (
    office_save,
    staff_profile_save,
)

__all__ = [
    "REASON_BASIC_INFO_CHANGE",
    "REASON_RENEWAL",
    "REASON_LOSS",
    "REASON_CARD_REISSUE",
    "REASON_DEPARTURE",
    "REASON_EXPIRED",
    "MSG_OUTSIDE_HOURS",
    "MSG_PHOTO_ID_REQUIRED",
    "DocumentShown",
    "mask_document_number",
    "IssuancePlan",
    "next_opening_day",
    "active_card",
    "valid_certificates",
    "issuance_plan",
    "MSG_CONCURRENT",
    "card_issue",
    "card_report_lost",
    "card_report_found",
    "certificates_issue",
    "certificates_revoke",
    "passwords_initialize",
    "card_reissue",
    "revoke_signing_for_basic_info_change",
    "end_certificates_for_departure",
    "resident_change_basic_info",
    "resident_record_departure",
    "PROXY_CHECKLIST",
    "proxy_visit1",
    "proxy_letter_sent",
    "proxy_reply_received",
    "proxy_letter_returned",
    "proxy_visit2",
    "application_cancel",
    "expire_due",
    "office_save",
    "staff_profile_save",
    "review_sign_off",
    "review_sign_off_many",
    "counter_hours",
    "card_validity_change",
    "card_validity_new_expiry",
    "resident_move_in_at_counter",
    "FEED_USERNAME",
    "FeedResult",
    "feed_import",
    "feed_system_user",
]
