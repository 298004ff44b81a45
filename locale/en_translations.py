"""English for the Japanese source strings (used to fill locale/en/LC_MESSAGES/django.po).

Run: .venv/bin/python manage.py makemessages -l en --ignore=.venv --ignore=tests && \
     .venv/bin/python locale/en_translations.py && .venv/bin/python manage.py compilemessages -l en
"""
import re
import sys
from pathlib import Path

EN = {
"窓口の状況": "Counter overview", "住民": "Resident", "状態": "Status", "代理人申請の段階": "Proxy application stage",
"時間外": "Outside hours", "電子証明書": "Certificates", "作成": "Created", "変更": "Changed", "削除": "Deleted",
"閲覧": "Viewed", "すべて": "All", "閲覧記録": "Record views", "職員": "Staff", "窓口": "Office", "開始日": "From",
"終了日": "To", "記録の種類": "Record type", "操作": "Action", "住民ID": "Resident ID",
"監査（変更履歴と閲覧記録）": "Audit (changes and record views)", "有効": "Valid", "更新可能期間": "Renewal window",
"期限間近": "Expires soon", "失効": "Revoked", "期限切れ": "Expired", "一時停止": "Suspended", "なし": "None",
"時間外処理として記録する": "Record as outside counter hours", "本人": "Resident themself", "法定代理人": "Legal representative",
"あて所に尋ねあたりません": "Addressee unknown", "転居先不明": "Moved, no forwarding address", "受取拒否": "Refused",
"保管期間経過": "Unclaimed", "その他": "Other", "理由・備考（履歴に記録）": "Reason / note (recorded in history)",
"署名用電子証明書": "Signing certificate", "利用者証明用電子証明書": "User certificate", "申請者": "Applicant",
"本人確認書類": "Identity document", "発行者": "Issuer", "番号": "Number",
"末尾4桁のみ記録されます。": "Only the last 4 characters are recorded.", "本人確認書類（2点目）": "Identity document (second)",
"発行者（2点目）": "Issuer (second)", "番号（2点目）": "Number (second)", "法定代理権の確認書類": "Proof of legal authority",
"戸籍謄本・登記事項証明書など（発行から3か月以内）": "Family register copy, registry certificate etc. (issued within 3 months)",
"確認書類の発行日": "Issue date of the proof", "新しいカードの交付日": "Issue date of the new card",
"旧カードの扱い": "Old card", "紛失": "Lost", "返納（毀損など）": "Returned (damaged etc.)", "廃止": "Cancelled",
"手数料を収納した": "Fee received", "領収番号": "Receipt number", "交付日": "Issue date",
"顔認証マイナンバーカード（暗証番号なし）": "Face-authentication card (no PIN)", "氏名": "Name", "氏名（カナ）": "Name (kana)",
"通称": "Alias", "生年月日": "Date of birth", "性別": "Sex", "郵便番号": "Postal code", "住所（町域まで）": "Address (town)",
"住所（番地）": "Address (block)", "方書": "Building", "異動の種類": "Kind of change", "異動日": "Date of change",
"手続": "Procedures", "新規発行・更新": "New issuance / renewal", "暗証番号初期化": "Password initialization",
"失効申請": "Revocation", "代理人氏名": "Proxy name", "代理人氏名（カナ）": "Proxy name (kana)",
"代理人生年月日": "Proxy date of birth", "代理人郵便番号": "Proxy postal code", "代理人住所": "Proxy address",
"本人との関係": "Relation to the resident", "代理人の本人確認書類（任意）": "Proxy's identity document (optional)",
"1回目の来庁では任意です。": "Optional on the first visit.", "お問い合わせ番号（簡易書留）": "Tracking number (registered post)",
"例: 1234-5678-9012（11〜13桁の数字）": "e.g. 1234-5678-9012 (11 to 13 digits)",
"お問い合わせ番号は11〜13桁の数字です。": "The tracking number has 11 to 13 digits.", "返戻理由": "Return reason",
"備考（その後の対応など）": "Note (follow-up etc.)", "本人のマイナンバーカード": "The resident's My Number card",
"代理人の官公署発行の顔写真付き本人確認書類": "The proxy's official photo ID",
"照会書兼回答書の回答書欄が記入済み": "Reply section of the inquiry form filled in", "委任状欄が記入済み": "Power of attorney filled in",
"回答書が封筒に封入され割印あり": "Reply sealed in an envelope with a seal across the flap",
"電子証明書新規発行申請書": "Application form for new issuance", "代理人の本人確認書類": "Proxy's identity document",
"追加・変更の理由（履歴に記録）": "Reason for the change (recorded in history)",
"代替文字も電子証明書に使用できない文字です: %(chars)s": "The substitute cannot be used in a certificate either: %(chars)s",
"本庁": "Main office", "出張所": "Branch office", "所属コード": "Office code", "名称": "Name", "種別": "Kind",
"所在地": "Address", "電話番号": "Phone", "使用中": "Active", "所属窓口": "Office", "職員の所属": "Staff office",
"マイナンバーカード": "My Number card", "住基カード": "Juki card", "返納": "Returned", "有効期限切れ": "Expired",
"カードの種類": "Card kind", "有効期限": "Expires on", "状態の変更日時": "Status changed at",
"顔認証マイナンバーカード": "Face-authentication card", "交付窓口": "Issuing office", "カード": "Card",
"種類": "Kind", "シリアル番号": "Serial number", "発行日": "Issued on", "失効日時": "Revoked at", "失効理由": "Revocation reason",
"証明書記録氏名": "Name in certificate", "証明書記録住所": "Address in certificate", "申請": "Application",
"発行窓口": "Issuing office", "新規発行": "New issuance", "更新": "Renewal", "カード再交付に伴う再発行": "Reissue with a new card",
"任意代理人": "Appointed proxy", "受付": "Received", "照会書送付待ち": "Awaiting inquiry letter",
"照会書送付済（回答待ち）": "Letter sent (awaiting reply)", "回答書受理": "Reply received", "完了": "Completed",
"照会書返戻により終了": "Ended (letter returned)", "不受理": "Refused", "取下げ": "Withdrawn", "申請の種類": "Procedure",
"受付窓口": "Office", "受付日時": "Received at", "受付者": "Received by", "手数料（円）": "Fee (yen)", "手数料収納済": "Fee paid",
"取扱時間外の処理": "Outside counter hours", "完了日時": "Completed at", "備考": "Notes", "運転免許証": "Driving licence",
"旅券（パスポート）": "Passport", "在留カード": "Residence card", "特別永住者証明書": "Special permanent resident certificate",
"身体障害者手帳（写真付き）": "Disability certificate (with photo)", "運転経歴証明書": "Driving history certificate",
"健康保険証・資格確認書": "Health insurance card", "年金手帳": "Pension book", "介護保険証": "Care insurance card",
"学生証": "Student ID", "社員証": "Employee ID", "キャッシュカード": "Bank card", "診察券": "Patient card", "提示者": "Shown by",
"来庁回": "Visit", "書類の種類": "Document kind", "番号（末尾4桁）": "Number (last 4)", "確認日時": "Checked at",
"1回目来庁（照会書送付依頼）": "Visit 1 (inquiry requested)", "照会書送付済": "Letter sent", "照会書返戻": "Letter returned",
"2回目来庁・発行済": "Visit 2, issued", "段階": "Stage", "1回目来庁日時": "Visit 1 at", "1回目窓口": "Visit 1 office",
"照会書発送日時": "Letter sent at", "回答書受理日時": "Reply received at", "返戻日時": "Returned at", "2回目来庁日時": "Visit 2 at",
"2回目窓口": "Visit 2 office", "代理人による申請": "Proxy applications", "閲覧日時": "Viewed at", "画面": "Page",
"この内容で記録する": "Record this", "電子証明書の新規発行・更新": "New issuance / renewal of certificates",
"電子証明書の失効申請": "Revocation of certificates", "暗証番号の初期化": "Password initialization",
"カード再交付に伴う電子証明書の再発行": "Certificates with a reissued card", "マイナンバーカードの交付": "Card issuance",
"カードの紛失届（一時停止）": "Card lost (suspension)", "カードの発見届（一時停止の解除）": "Card found (lift suspension)",
"基本4情報の変更（住所・氏名など）": "Change of the four basic facts (address, name ...)",
"転出・死亡など（住民記録の消除）": "Moving out, death (removal from the register)",
"任意代理人による申請（1回目来庁・照会書送付依頼）": "Appointed proxy: visit 1 (request the inquiry letter)",
"照会書兼回答書の発送": "Inquiry letter mailed", "回答書の受理": "Reply received",
"照会書の返戻（転送不要で戻った）": "Inquiry letter returned", "任意代理人の2回目来庁（確認と発行）": "Appointed proxy: visit 2 (checks and issuance)",
"理由": "Reason", "お問い合わせ番号": "Tracking number", "郵送・帳票": "Letters and mailing", "簡易書留": "Registered post",
"照会書兼回答書": "Inquiry and reply form", "照会番号": "Letter reference", "帳票": "Letter", "差出": "Posting",
"日時": "Time", "基本4情報": "Four basic facts", "住所": "Address", "住民登録": "Residence registration", "署名用": "Signing",
"利用者証明用": "User", "コードポイント": "Code point", "男": "Male", "女": "Female", "住民登録あり": "Registered",
"転出": "Moved out", "国外転出": "Moved abroad", "死亡": "Deceased", "職権消除": "Removed ex officio",
"住民登録の状態": "Registration status", "在留資格": "Residence status", "在留期間の満了日": "Period of stay ends on",
"成年被後見人": "Adult ward", "登録日時": "Registered at", "更新日時": "Updated at", "文字": "Character", "代替文字": "Substitute",
"言語": "Language", "切替": "Switch", "窓口は取扱中です": "The counter is open", "現在は取扱時間外です": "The counter is closed now",
"次の取扱日": "Next opening day", "時間外に記録した手続は監督者の確認対象になります。": "Procedures recorded outside hours are flagged for supervisors.",
"住民を検索": "Find a resident", "検索": "Search", "本日の申請（窓口別・種類別）": "Today's applications (by office and kind)",
"計": "Total", "合計": "Total", "本日の申請はまだありません。": "No applications today yet.",
"%(m)s月に更新可能期間に入る署名用": "Signing certificates entering the renewal window in month %(m)s",
"%(m)s月に更新可能期間に入る利用者証明用": "User certificates entering the renewal window in month %(m)s",
"今週、有効期限が到来したもの": "Expired this week", "今週、失効したもの": "Revoked this week",
"代理人申請：回答待ちの照会書": "Proxy applications: letters awaiting reply",
"発送から%(d)s日を過ぎたもの: <strong>%(n)s</strong>件（赤）": "Out for more than %(d)s days: <strong>%(n)s</strong> (red)",
"発送待ち": "Awaiting mailing", "発送日": "Mailed on", "経過": "Elapsed", "代理人": "Proxy", "日": "days",
"回答待ちの照会書はありません。": "No letters awaiting reply.", "返戻された照会書（30日以内）": "Returned letters (last 30 days)",
"返戻はありません。": "No returned letters.", "取扱時間外に記録された申請（30日以内）": "Applications recorded outside hours (last 30 days)",
"ありません。": "None.", "1回目来庁": "Visit 1", "照会書発送": "Letter mailed", "返戻": "Returned", "2回目来庁": "Visit 2",
"絞り込む": "Filter", "CSVで出力": "Export CSV", "所属": "Office", "記録": "Record", "理由・画面": "Reason / page",
"該当する記録はありません。": "No matching records.", "新しい記録": "Newer", "ページ": "Page", "古い記録": "Older",
"現在は取扱時間外です。": "The counter is closed now.",
"やむを得ず記録する場合は「時間外処理として記録する」を選んでください。": "To record anyway, tick “Record as outside counter hours”.",
"PDFを表示・印刷": "View / print PDF", "未作成": "Not created", "照会書を作成・印刷": "Create and print the inquiry letter",
"帳票機能がないため、発送のみ記録します。": "Letters are not available: only the mailing is recorded.",
"確認：規則による判定": "Confirm: what the rules decided", "次のものが失効・終了します": "The following will be revoked or ended",
"入力内容": "Entered", "入力に戻る": "Back to the form", "下の項目を確認してください。": "Please check the fields below.",
"確認へ進む": "Continue to confirmation", "中止して住民画面へ": "Cancel, back to the resident", "記録しました": "Recorded",
"住民画面に戻る": "Back to the resident", "申請の記録を開く": "Open the application", "次の住民を検索": "Find the next resident",
"歳": " years", "現在の状態では行えません": "Not possible in the current state", "カードと電子証明書": "Card and certificates",
"交付": "Issued", "証明書": "Certificate", "発行": "Issued", "有効なカードなし": "No valid card",
"電子証明書の発行にはマイナンバーカードが必要です。": "A My Number card is needed for certificates.", "過去のカード": "Earlier cards",
"進行中": "Open", "照会書": "Inquiry letter", "最近の申請": "Recent applications", "すべての申請": "All applications",
"申請はありません。": "No applications.", "文字チェック（電子証明書に記録できる文字）": "Character check (characters a certificate can hold)",
"文字目": "th character", "代替文字なし（かな表記）": "No substitute (kana reading)", "そのまま記録できます": "Can be recorded as is",
"帳票・郵送": "Letters and mailing", "帳票はありません。": "No letters.",
"帳票機能は準備中です（照会書の発送は申請の手続で記録できます）。": "Letters are not available yet (mailing can be recorded in the procedure).",
"住民記録（参照のみ。変更は「基本4情報の変更」などの手続で行います）": "Register data (read-only; use the procedures to change it)",
"住民の検索": "Find a resident",
}


def fill(po_path: Path) -> int:
    text = po_path.read_text(encoding="utf-8")
    count = 0

    def repl(m):
        nonlocal count
        msgid = m.group(1)
        english = EN.get(msgid.encode().decode("unicode_escape") if "\\" in msgid else msgid)
        if english is None:
            return m.group(0)
        count += 1
        return f'msgid "{msgid}"\nmsgstr "{english.replace(chr(34), chr(92) + chr(34))}"'

    text = re.sub(r'^msgid "(.+)"\nmsgstr ""$', repl, text, flags=re.M)
    text = text.replace("#, fuzzy\n", "", 1)
    po_path.write_text(text, encoding="utf-8")
    return count


if __name__ == "__main__":
    root = Path(__file__).resolve().parent
    print(fill(root / "en" / "LC_MESSAGES" / "django.po"), "strings translated", file=sys.stderr)
