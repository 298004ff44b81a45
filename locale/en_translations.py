"""English for the Japanese source strings (used to fill locale/en/LC_MESSAGES/django.po).

Run: .venv/bin/python manage.py makemessages -l en --ignore=.venv --ignore=tests && \
     .venv/bin/python locale/en_translations.py && .venv/bin/python manage.py compilemessages -l en --ignore=.venv
(without --ignore=.venv, compilemessages also rewrites the .mo files of the installed packages).
A plural entry (``{% blocktranslate count %}``, ``ngettext``) has a (singular, plural) pair.
Every msgid must have its English here: `msgfmt --statistics -o /dev/null locale/en/LC_MESSAGES/django.po`
then reports no untranslated or fuzzy message (an entry missing here is left empty, or fuzzy as
msgmerge guessed it).
"""

import re
import sys
from pathlib import Path

EN = {
    "窓口の状況": "Counter overview",
    "住民": "Resident",
    "状態": "Status",
    "代理人申請の段階": "Proxy application stage",
    "時間外": "Outside hours",
    "電子証明書": "Certificates",
    "作成": "Created",
    "変更": "Changed",
    "削除": "Deleted",
    "閲覧": "Viewed",
    "すべて": "All",
    "閲覧記録": "Record views",
    "職員": "Staff",
    "窓口": "Office",
    "開始日": "From",
    "終了日": "To",
    "記録の種類": "Record type",
    "操作": "Action",
    "住民ID": "Resident ID",
    "監査（変更履歴と閲覧記録）": "Audit (changes and record views)",
    "有効": "Valid",
    "更新可能期間": "Renewal window",
    "期限間近": "Expires soon",
    "失効": "Revoked",
    "期限切れ": "Expired",
    "一時停止": "Suspended",
    "なし": "None",
    "時間外処理として記録する": "Record as outside counter hours",
    "本人": "Resident themself",
    "法定代理人": "Legal representative",
    "あて所に尋ねあたりません": "Addressee unknown",
    "転居先不明": "Moved, no forwarding address",
    "受取拒否": "Refused",
    "保管期間経過": "Unclaimed",
    "その他": "Other",
    "理由・備考（履歴に記録）": "Reason / note (recorded in history)",
    "署名用電子証明書": "Signing certificate",
    "利用者証明用電子証明書": "User certificate",
    "申請者": "Applicant",
    "本人確認書類": "Identity document",
    "発行者": "Issuer",
    "番号": "Number",
    "末尾4桁のみ記録されます。": "Only the last 4 characters are recorded.",
    "本人確認書類（2点目）": "Identity document (second)",
    "発行者（2点目）": "Issuer (second)",
    "番号（2点目）": "Number (second)",
    "法定代理権の確認書類": "Proof of legal authority",
    "戸籍謄本・登記事項証明書など（発行から3か月以内）": "Family register copy, registry certificate etc. (issued within 3 months)",
    "確認書類の発行日": "Issue date of the proof",
    "新しいカードの交付日": "Issue date of the new card",
    "旧カードの扱い": "Old card",
    "紛失": "Lost",
    "返納（毀損など）": "Returned (damaged etc.)",
    "廃止": "Cancelled",
    "手数料を収納した": "Fee received",
    "領収番号": "Receipt number",
    "交付日": "Issue date",
    "顔認証マイナンバーカード（暗証番号なし）": "Face-authentication card (no PIN)",
    "氏名": "Name",
    "氏名（カナ）": "Name (kana)",
    "通称": "Alias",
    "生年月日": "Date of birth",
    "性別": "Sex",
    "郵便番号": "Postal code",
    "住所（町域まで）": "Address (town)",
    "住所（番地）": "Address (block)",
    "方書": "Building",
    "異動の種類": "Kind of change",
    "異動日": "Date of change",
    "手続": "Procedures",
    "新規発行・更新": "New issuance / renewal",
    "暗証番号初期化": "Password initialization",
    "失効申請": "Revocation",
    "代理人氏名": "Proxy name",
    "代理人氏名（カナ）": "Proxy name (kana)",
    "代理人生年月日": "Proxy date of birth",
    "代理人郵便番号": "Proxy postal code",
    "代理人住所": "Proxy address",
    "本人との関係": "Relation to the resident",
    "代理人の本人確認書類（任意）": "Proxy's identity document (optional)",
    "1回目の来庁では任意です。": "Optional on the first visit.",
    "お問い合わせ番号（簡易書留）": "Tracking number (registered post)",
    "例: 1234-5678-9013（11〜13桁の数字）": "e.g. 1234-5678-9013 (11 to 13 digits)",
    "お問い合わせ番号は11〜13桁の数字です。": "The tracking number has 11 to 13 digits.",
    "返戻理由": "Return reason",
    "備考（その後の対応など）": "Note (follow-up etc.)",
    "本人のマイナンバーカード": "The resident's My Number card",
    "代理人の官公署発行の顔写真付き本人確認書類": "The proxy's official photo ID",
    "照会書兼回答書の回答書欄が記入済み": "Reply section of the inquiry form filled in",
    "委任状欄が記入済み": "Power of attorney filled in",
    "回答書が封筒に封入され割印あり": "Reply sealed in an envelope with a seal across the flap",
    "電子証明書新規発行申請書": "Application form for new issuance",
    "代理人の本人確認書類": "Proxy's identity document",
    "追加・変更の理由（履歴に記録）": "Reason for the change (recorded in history)",
    "代替文字も電子証明書に使用できない文字です: %(chars)s": "The substitute cannot be used in a certificate either: %(chars)s",
    "本庁": "Main office",
    "出張所": "Branch office",
    "所属コード": "Office code",
    "名称": "Name",
    "種別": "Kind",
    "所在地": "Address",
    "電話番号": "Phone",
    "使用中": "Active",
    "所属窓口": "Office",
    "職員の所属": "Staff office",
    "マイナンバーカード": "My Number card",
    "住基カード": "Juki card",
    "返納": "Returned",
    "有効期限切れ": "Expired",
    "カードの種類": "Card kind",
    "有効期限": "Expires on",
    "状態の変更日時": "Status changed at",
    "顔認証マイナンバーカード": "Face-authentication card",
    "交付窓口": "Issuing office",
    "カード": "Card",
    "種類": "Kind",
    "シリアル番号": "Serial number",
    "発行日": "Issued on",
    "失効日時": "Revoked at",
    "失効理由": "Revocation reason",
    "証明書記録氏名": "Name in certificate",
    "証明書記録住所": "Address in certificate",
    "申請": "Application",
    "発行窓口": "Issuing office",
    "新規発行": "New issuance",
    "更新": "Renewal",
    "カード再交付に伴う再発行": "Reissue with a new card",
    "任意代理人": "Appointed proxy",
    "受付": "Received",
    "照会書送付待ち": "Awaiting inquiry letter",
    "照会書送付済（回答待ち）": "Letter sent (awaiting reply)",
    "回答書受理": "Reply received",
    "完了": "Completed",
    "照会書返戻により終了": "Ended (letter returned)",
    "不受理": "Refused",
    "取下げ": "Withdrawn",
    "申請の種類": "Procedure",
    "受付窓口": "Office",
    "受付日時": "Received at",
    "受付者": "Received by",
    "手数料（円）": "Fee (yen)",
    "手数料収納済": "Fee paid",
    "取扱時間外の処理": "Outside counter hours",
    "完了日時": "Completed at",
    "備考": "Notes",
    "運転免許証": "Driving licence",
    "旅券（パスポート）": "Passport",
    "在留カード": "Residence card",
    "特別永住者証明書": "Special permanent resident certificate",
    "身体障害者手帳（写真付き）": "Disability certificate (with photo)",
    "運転経歴証明書": "Driving history certificate",
    "健康保険証・資格確認書": "Health insurance card",
    "年金手帳": "Pension book",
    "介護保険証": "Care insurance card",
    "学生証": "Student ID",
    "社員証": "Employee ID",
    "キャッシュカード": "Bank card",
    "診察券": "Patient card",
    "提示者": "Shown by",
    "来庁回": "Visit",
    "書類の種類": "Document kind",
    "番号（末尾4桁）": "Number (last 4)",
    "確認日時": "Checked at",
    "1回目来庁（照会書送付依頼）": "Visit 1 (inquiry requested)",
    "照会書送付済": "Letter sent",
    "照会書返戻": "Letter returned",
    "2回目来庁・発行済": "Visit 2, issued",
    "段階": "Stage",
    "1回目来庁日時": "Visit 1 at",
    "1回目窓口": "Visit 1 office",
    "照会書発送日時": "Letter sent at",
    "回答書受理日時": "Reply received at",
    "返戻日時": "Returned at",
    "2回目来庁日時": "Visit 2 at",
    "2回目窓口": "Visit 2 office",
    "代理人による申請": "Proxy applications",
    "閲覧日時": "Viewed at",
    "画面": "Page",
    "この内容で記録する": "Record this",
    "電子証明書の新規発行・更新": "New issuance / renewal of certificates",
    "電子証明書の失効申請": "Revocation of certificates",
    "暗証番号の初期化": "Password initialization",
    "カード再交付に伴う電子証明書の再発行": "Certificates with a reissued card",
    "マイナンバーカードの交付": "Card issuance",
    "カードの紛失届（一時停止）": "Card lost (suspension)",
    "カードの発見届（一時停止の解除）": "Card found (lift suspension)",
    "基本4情報の変更（住所・氏名など）": "Change of the four basic facts (address, name ...)",
    "転出・死亡など（住民記録の消除）": "Moving out, death (removal from the register)",
    "任意代理人による申請（1回目来庁・照会書送付依頼）": "Appointed proxy: visit 1 (request the inquiry letter)",
    "照会書兼回答書の発送": "Inquiry letter mailed",
    "回答書の受理": "Reply received",
    "照会書の返戻（転送不要で戻った）": "Inquiry letter returned",
    "任意代理人の2回目来庁（確認と発行）": "Appointed proxy: visit 2 (checks and issuance)",
    "理由": "Reason",
    "お問い合わせ番号": "Tracking number",
    "郵送・帳票": "Letters and mailing",
    "簡易書留": "Registered post",
    "照会書兼回答書": "Inquiry and reply form",
    "照会番号": "Letter reference",
    "帳票": "Letter",
    "差出": "Posting",
    "日時": "Time",
    "基本4情報": "Four basic facts",
    "住所": "Address",
    "住民登録": "Residence registration",
    "署名用": "Signing",
    "利用者証明用": "User",
    "コードポイント": "Code point",
    "男": "Male",
    "女": "Female",
    "住民登録あり": "Registered",
    "転出": "Moved out",
    "国外転出": "Moved abroad",
    "死亡": "Deceased",
    "職権消除": "Removed ex officio",
    "住民登録の状態": "Registration status",
    "在留資格": "Residence status",
    "在留期間の満了日": "Period of stay ends on",
    "成年被後見人": "Adult ward",
    "登録日時": "Registered at",
    "更新日時": "Updated at",
    "文字": "Character",
    "代替文字": "Substitute",
    "言語": "Language",
    "切替": "Switch",
    "窓口は取扱中です": "The counter is open",
    "現在は取扱時間外です": "The counter is closed now",
    "次の取扱日": "Next opening day",
    "時間外に記録した手続は監督者の確認対象になります。": "Procedures recorded outside hours are flagged for supervisors.",
    "住民を検索": "Find a resident",
    "検索": "Search",
    "本日の申請（窓口別・種類別）": "Today's applications (by office and kind)",
    "計": "Total",
    "合計": "Total",
    "本日の申請はまだありません。": "No applications today yet.",
    "%(month)sに更新可能期間に入る署名用": "Signing certificates entering the renewal window in %(month)s",
    "%(month)sに更新可能期間に入る利用者証明用": "User certificates entering the renewal window in %(month)s",
    "n月": "F Y",
    "%(n)s日": ("%(n)s day", "%(n)s days"),
    "今週、有効期限が到来したもの": "Expired this week",
    "今週、失効したもの": "Revoked this week",
    "代理人申請：回答待ちの照会書": "Proxy applications: letters awaiting reply",
    "発送から%(d)s日を過ぎたもの: <strong>%(n)s</strong>件（赤）": "Out for more than %(d)s days: <strong>%(n)s</strong> (red)",
    "発送待ち": "Awaiting mailing",
    "発送日": "Mailed on",
    "経過": "Elapsed",
    "代理人": "Proxy",
    "日": "days",
    "回答待ちの照会書はありません。": "No letters awaiting reply.",
    "返戻された照会書（30日以内）": "Returned letters (last 30 days)",
    "返戻はありません。": "No returned letters.",
    "取扱時間外に記録された申請（30日以内）": "Applications recorded outside hours (last 30 days)",
    "ありません。": "None.",
    "1回目来庁": "Visit 1",
    "照会書発送": "Letter mailed",
    "返戻": "Returned",
    "2回目来庁": "Visit 2",
    "絞り込む": "Filter",
    "CSVで出力": "Export CSV",
    "所属": "Office",
    "記録": "Record",
    "理由・画面": "Reason / page",
    "該当する記録はありません。": "No matching records.",
    "新しい記録": "Newer",
    "ページ": "Page",
    "古い記録": "Older",
    "現在は取扱時間外です。": "The counter is closed now.",
    "やむを得ず記録する場合は「時間外処理として記録する」を選んでください。": "To record anyway, tick “Record as outside counter hours”.",
    "PDFを表示・印刷": "View / print PDF",
    "未作成": "Not created",
    "照会書を作成・印刷": "Create and print the inquiry letter",
    "帳票機能がないため、発送のみ記録します。": "Letters are not available: only the mailing is recorded.",
    "確認：規則による判定": "Confirm: what the rules decided",
    "次のものが失効・終了します": "The following will be revoked or ended",
    "入力内容": "Entered",
    "入力に戻る": "Back to the form",
    "下の項目を確認してください。": "Please check the fields below.",
    "確認へ進む": "Continue to confirmation",
    "中止して住民画面へ": "Cancel, back to the resident",
    "記録しました": "Recorded",
    "住民画面に戻る": "Back to the resident",
    "申請の記録を開く": "Open the application",
    "次の住民を検索": "Find the next resident",
    "歳": " years",
    "現在の状態では行えません": "Not possible in the current state",
    "カードと電子証明書": "Card and certificates",
    "交付": "Issued",
    "証明書": "Certificate",
    "発行": "Issued",
    "有効なカードなし": "No valid card",
    "電子証明書の発行にはマイナンバーカードが必要です。": "A My Number card is needed for certificates.",
    "過去のカード": "Earlier cards",
    "進行中": "Open",
    "照会書": "Inquiry letter",
    "最近の申請": "Recent applications",
    "すべての申請": "All applications",
    "申請はありません。": "No applications.",
    "文字チェック（電子証明書に記録できる文字）": "Character check (characters a certificate can hold)",
    "文字目": "th character",
    "代替文字なし（かな表記）": "No substitute (kana reading)",
    "そのまま記録できます": "Can be recorded as is",
    "帳票・郵送": "Letters and mailing",
    "帳票はありません。": "No letters.",
    "帳票機能は準備中です（照会書の発送は申請の手続で記録できます）。": "Letters are not available yet (mailing can be recorded in the procedure).",
    "住民記録（参照のみ。変更は「基本4情報の変更」などの手続で行います）": "Register data (read-only; use the procedures to change it)",
    "住民の検索": "Find a resident",
    "帳票の出力記録": "Letter output log",
    "閲覧ログ": "Read log",
    "住民IDは数字で入力してください。": "Enter the resident ID as a number.",
    "%(earliest)sから%(latest)sまでの日付を入力してください。": "Enter a date from %(earliest)s to %(latest)s.",
    "住民IDが大きすぎます。住民の画面に表示される番号を入力してください。": "The resident ID is too large. Enter the number shown on the resident's page.",
    "終了日が開始日より前になっています。": "The end date is before the start date.",
    "ページ番号が正しくないため、最初のページを表示しています。": "The page number is not valid: showing the first page.",
    "これより古い記録は、開始日・終了日で期間を絞り込んで表示してください。": "For older records, narrow the period with the start and end dates.",
    "再度印刷する理由": "Reason for printing again",
    "中断した一括印刷の再実行": "Rerun of an interrupted batch print",
    "通数": "Letters",
    "印刷の状態": "Print status",
    "PDF": "PDF",
    "%(batch)s の印刷をもう一度受け付けました。": "Printing of %(batch)s has been queued again.",
    "一括印刷の状況": "Batch print status",
    "年は数字で指定してください": "the year must be a number",
    "年は%(min)s年から%(max)s年までで指定してください": "the year must be from %(min)s to %(max)s",
    "月は1から12まで、日は1から31までの数字で指定してください": "the month must be a number from 1 to 12 and the day from 1 to 31",
    "数値が大きすぎます": "the number is too large",
    "数字で指定してください": "the value must be a number",
    "使用できない文字が含まれています": "it contains characters that cannot be used",
    "条件が長すぎます": "the value is too long",
    "ページ番号が範囲外です": "the page number is out of range",
    "この条件は使用できません": "this condition is not allowed",
    "絞り込みの条件「%(param)s」は使用できません（%(reason)s）。条件を外して一覧を表示しています。": "The filter “%(param)s” cannot be used (%(reason)s). The list is shown without it.",
    "絞り込みの条件が正しくないため、条件を外して一覧を表示しています。": "The filter is not valid: the list is shown without it.",
    "取扱時間外（平日9:00〜17:30以外・土日祝・年末年始）にやむを得ず記録する場合に選びます。監督者の確認対象になります。": "Tick only when a procedure must be recorded outside counter hours (weekdays outside 9:00–17:30, weekends, public holidays, the New Year holidays). Supervisors will review it.",
    "交付日が未来の日付になっています。": "The issue date is in the future.",
    "交付日が生年月日より前になっています。": "The issue date is before the date of birth.",
    "マイナンバーカードの交付は2016年1月からです。交付日を確認してください。": "My Number cards have been issued since January 2016. Check the issue date.",
    "証明書に記録する氏名（代替文字がない場合のみ）": "Name to record in the certificate (only when a character has no substitute)",
    "代替文字のない文字を含む場合に、その部分をかなにして氏名全体を入力します。": "When the name contains a character with no substitute, enter the whole name with that part in kana.",
    "証明書に記録する住所（代替文字がない場合のみ）": "Address to record in the certificate (only when a character has no substitute)",
    "代替文字のない文字を含む場合に、その部分をかなにして住所全体を入力します。": "When the address contains a character with no substitute, enter the whole address with that part in kana.",
    "確認書類の発行日が未来の日付になっています。": "The issue date of the proof is in the future.",
    "確認書類の発行日を確認してください（発行から3か月以内の書類が必要です）。": "Check the issue date of the proof (it must have been issued within the last 3 months).",
    "生年月日が未来の日付になっています。": "The date of birth is in the future.",
    "生年月日は1900年以降の日付を入力してください。": "Enter a date of birth in 1900 or later.",
    "異動日が未来の日付になっています。": "The date of change is in the future.",
    "異動日が生年月日より前になっています。": "The date of change is before the date of birth.",
    "再印刷の理由": "Reason for reprinting",
    "例: 印刷不良のため、封入時に汚損したため。前の版のPDFはそのまま保存されます。": "e.g. poor print quality, soiled while being enclosed. The PDF of the previous version is kept.",
    "郵便の種類": "Mail class",
    "簡易書留・特定記録は必須。11〜13桁の数字（例: 1234-5678-9013）。": "Required for registered post and recorded delivery: 11 to 13 digits (e.g. 1234-5678-9013).",
    "差出日時": "Posted at",
    "空欄なら現在時刻": "Leave blank for the current time",
    "返戻の内容（その他の場合）": "Details of the return (for “Other”)",
    "返戻日": "Returned on",
    "受理日時": "Received at",
    "差出日": "Posting date",
    "帳票の種類": "Letter kind",
    "%(batch)s（%(count)d通）の印刷を受け付けました。": "Printing of %(batch)s (%(count)d letters) has been queued.",
    "照会番号（QRコードの読取りも可）、お問い合わせ番号、氏名で検索": "Search by letter reference (or scan its QR code), tracking number or name",
    "郵送": "Mailing",
    "出力記録": "Output log",
    "出力記録（直近20件）": "Output log (latest 20)",
    "選択した照会書を一括印刷（差出票付き・1つのPDF）": "Print the selected inquiry letters as a batch (with the posting list, one PDF)",
    "ログイン失敗の記録（ログイン制限の解除）": "Failed logins (lifting login locks)",
    "ロック中": "Locked",
    "ロックされていない": "Not locked",
    "最後の失敗": "Last failure",
    "ユーザー名": "Username",
    "接続元アドレス": "Client address",
    "失敗回数": "Failures",
    "期限切れ（数えられません）": "Expired (no longer counted)",
    "このアカウントはこの接続元からロック中": "This account is locked from this address",
    "この接続元はすべてのアカウントでロック中": "This address is locked for all accounts",
    "このアカウントはすべての接続元でロック中": "This account is locked from all addresses",
    "あと%(n)d回でロック": "Failures left before the lock: %(n)d",
    "選択したアカウントのログイン制限を解除（すべての接続元）": "Lift the login lock of the selected accounts (from all addresses)",
    "ユーザー名のある行を選択してください。": "Select rows that have a username.",
    "%(names)sのログイン制限を解除しました（失敗の記録 %(n)d 件を削除）。": "Lifted the login lock of %(names)s (%(n)d failure records deleted).",
    "選択した接続元アドレスのログイン制限を解除（すべてのアカウント）": "Lift the login lock of the selected addresses (for all accounts)",
    "接続元アドレスのある行を選択してください。": "Select rows that have a client address.",
    "接続元 %(ips)s のログイン制限を解除しました（失敗の記録 %(n)d 件を削除）。": "Lifted the login lock of client address %(ips)s (%(n)d failure records deleted).",
    "任意代理人の申請は即日処理できません。照会書兼回答書を本人の住民登録地へ転送不要の簡易書留で送付し、2回目の来庁で発行します。代理人の本人確認書類は1回目は任意です。": "An appointed proxy's application cannot be completed the same day. The inquiry and reply form goes to the resident's registered address by registered post, not to be forwarded, and the certificates are issued on the second visit. The proxy's identity document is optional on the first visit.",
    "すべての項目を確認してください。代理人の本人確認書類は官公署発行の顔写真付きのもの（運転免許証、パスポートなど）に限ります。": "Check every item. The proxy's identity document must be an official photo ID (driving licence, passport etc.).",
    "住民IDで検索（その住民を表示した閲覧）": "Search by resident ID (the reads that showed that resident)",
    "表示した住民": "Residents shown",
    "変更理由": "Reason for the change",
    "氏名・カナ（ひらがな/カタカナ・全角/半角）、生年月日（1985-06-01、S60.6.1、昭和60年6月1日）、住所（泉町2丁目、吹田市千里山西…）。照会番号を読み取ると申請を開きます。": "Name or kana (hiragana/katakana, full- or half-width), date of birth (1985-06-01, S60.6.1 or the Japanese era in full), address (the town and block as registered). Scanning a letter reference opens its application.",
    "この確認画面の内容では記録できません（入力内容が変わったか、別の職員の画面か、古い画面です）。内容を確かめて、もう一度「確認へ進む」から記録してください。": "This confirmation page cannot be recorded (the entries changed, it is another staff member's page, or it is out of date). Check the entries and record again from “Continue to confirmation”.",
    "この画面は古いか無効です。内容を確かめて、もう一度記録してください。": "This page is out of date or not valid. Check the entries and record again.",
    "本人または法定代理人による即日の発行です。任意代理人の場合は「代理人申請（1回目）」から受け付けてください。": "Same-day issuance for the resident or a legal representative. For an appointed proxy, start with “Appointed proxy: visit 1”.",
    "新しい暗証番号は本人が端末で設定します。このシステムは暗証番号を受け取らず、記録もしません。": "The resident sets the new password at the terminal. This system neither receives nor records passwords.",
    "紛失・毀損によるカードの再交付と同時に電子証明書を発行します。手数料は1種類200円、2種類同時でも200円です。": "Issues certificates together with a card reissued after loss or damage. The fee is 200 yen for one certificate, and 200 yen for both together.",
    "氏名・生年月日・性別・住所のいずれかが変わると、署名用電子証明書は失効します。利用者証明用電子証明書は引き続き有効です。": "A change of name, date of birth, sex or address revokes the signing certificate. The user certificate stays valid.",
    "暗証番号を設定しない顔認証のみのカード": "A card for face authentication only, with no PIN set",
    "有効期限は交付日より後の日付にしてください。": "The expiry date must be after the issue date.",
    "この住民には既に有効なカードがあります。": "This resident already has a valid card.",
    "氏名の代替文字の位置": "Positions of substitute characters in the name",
    "住所の代替文字の位置": "Positions of substitute characters in the address",
    "このカードには同じ種類の有効な電子証明書が既にあります。": "This card already has a valid certificate of the same kind.",
    "有効期限は発行日より後の日付にしてください。": "The expiry date must be after the date of issue.",
    "失効した証明書には失効日時が必要です（有効な証明書には不要です）。": "A revoked certificate needs the time of revocation (a certificate that is not revoked has none).",
    "戸籍謄本・登記事項証明書など（3か月以内）": "Family register copy, registry certificate etc. (within 3 months)",
    "手数料は0円または200円です。": "The fee is 0 or 200 yen.",
    "照会書送付依頼書受理": "Request for the inquiry letter received",
    "本人のマイナンバーカード確認": "Resident's My Number card checked",
    "代理人の顔写真付き本人確認書類確認": "Proxy's photo ID checked",
    "回答書欄記入済": "Reply section filled in",
    "委任状欄記入済": "Power of attorney filled in",
    "封筒に封入・割印あり": "Sealed in the envelope with a seal across the flap",
    "新規発行申請書あり": "Application form for new issuance present",
    "接続元": "Client address",
    "URL": "URL",
    "検索条件": "Search query",
    "表示した住民の数": "Number of residents shown",
    "閲覧ログの住民": "Read log resident",
    "受付トークン": "Submission token",
    "記録へのリンク": "Link to the record",
    "手続の送信": "Procedure submission",
    "中断": "Interrupted",
    "特定記録": "Recorded delivery",
    "普通": "Ordinary mail",
    "印刷待ち": "Waiting to print",
    "印刷中": "Printing",
    "印刷済み": "Printed",
    "印刷できませんでした": "Printing failed",
    "同日内の番号": "Number within the day",
    "作成日時": "Created at",
    "作成者": "Created by",
    "印刷日時": "Printed at",
    "印刷者": "Printed by",
    "一括印刷PDF": "Batch PDF",
    "SHA-256": "SHA-256",
    "ページ数": "Pages",
    "印刷できなかった理由": "Why printing failed",
    "印刷の試行回数": "Print attempts",
    "印刷の開始日時": "Printing started at",
    "印刷の終了日時": "Printing finished at",
    "印刷の受付番号": "Print request number",
    "印刷タスクのID": "Print task ID",
    "差出（一括郵送）": "Mailing batch",
    "印刷済みの差出にはPDFが必要です。": "A printed mailing batch needs a PDF.",
    "電子証明書照会書送付依頼書": "Request to send the certificate inquiry letter",
    "電子証明書の有効期限のお知らせ": "Certificate expiry notice",
    "照会番号（版を除く）": "Letter reference (without version)",
    "版": "Version",
    "前の版": "Previous version",
    "最新版": "Latest version",
    "作成・再印刷の理由": "Reason for creating / reprinting",
    "簡易書留・特定記録の引受番号（例: 1234-5678-9013）。ハイフンは自動で除かれます。": "The tracking number of registered post or recorded delivery (e.g. 1234-5678-9013). Hyphens are removed automatically.",
    "一括印刷PDFの開始ページ": "First page in the batch PDF",
    "返戻の備考": "Return note",
    "帳票（照会書など）": "Letter (inquiry letters etc.)",
    "電子証明書交付記録簿を閲覧できる": "Can view the certificate issuance ledger",
    "このお問い合わせ番号は既に別の郵便物に使われています。": "This tracking number is already used for another item of mail.",
    "返戻には差出日時と返戻理由が必要です。": "A return needs the posting time and a return reason.",
    "回答書は差出済みで返戻されていない照会書についてのみ受理できます。": "A reply can be received only for an inquiry letter that was posted and not returned.",
    "プレビュー": "Preview",
    "ダウンロード": "Download",
    "一括印刷": "Batch print",
    "住民票の文字のまま。姓と名の間は全角スペース。": "Exactly as in the residence record, with a full-width space between surname and given name.",
    "例: 564-8550": "e.g. 564-8550",
    "例: 大阪府吹田市泉町": "e.g. the prefecture, city and town (Osaka-fu Suita-shi Izumicho)",
    "例: 1丁目3番40号": "e.g. the block and number (1-chome 3-ban 40-go)",
    "外国人住民のみ。日本人は空欄。": "Foreign residents only; blank for Japanese nationals.",
    "氏名は必須です。": "The name is required.",
    "郵便番号は 564-8550 の形式で入力してください。": "Enter the postal code in the form 564-8550.",
    "Django site admin": "Django site admin",
    "Django administration": "Django administration",
    "History": "History",
    "View on site": "View on site",
    "やまだ / ﾔﾏﾀﾞ / 山田花子 / 1985-06-01 / S60.6.1 / 泉町2丁目 / 照会番号": "kana / name / 1985-06-01 / S60.6.1 / address / letter reference",
    "Home": "Home",
    "同じ手続をもう一度送信したため、何も記録していません。": "The same procedure was submitted again, so nothing was recorded.",
    "記録日時": "Recorded at",
    "試行回数": "Attempts",
    "ページ（差出票を含む）": " pages (posting list included)",
    "印刷の進み具合": "Print progress",
    "印刷の順番を待っています（受付から%(seconds)s秒）。": "Waiting for its turn to print (%(seconds)s seconds since queued).",
    "%(count)s通のPDFを作成しています（開始から%(seconds)s秒）。": "Creating the PDF of %(count)s letters (%(seconds)s seconds since it started).",
    "この画面は自動で更新されます。閉じても印刷は続きます。": "This page refreshes itself. Printing goes on if you close it.",
    "PDFを作成しました。ダウンロードして印刷してください。": "The PDF is ready. Download it and print it.",
    "差出票付きPDFをダウンロード": "Download the PDF with the posting list",
    "印刷できませんでした。": "Printing failed.",
    "この差出の%(count)s通の照会書はすべてこの差出に残っています。もう一度印刷しても、同じ照会書が別の差出で二重に印刷されることはありません。": "All %(count)s inquiry letters of this batch are still in it. Printing again never prints the same letters a second time in another batch.",
    "再度印刷する": "Print again",
    "差出の詳細（照会書の一覧）": "Batch details (its inquiry letters)",
    "帳票の一覧へ": "To the list of letters",
    "印刷が終わっていない差出（一括印刷）": "Mailing batches not yet printed",
    "画面を開いて「再度印刷する」を押してください": "open its page and press “Print again”",
    "差出（一括印刷）の一覧": "Mailing batches (batch printing)",
    "戻る": "Back",
    "印刷する照会書はありません。": "There are no inquiry letters to print.",
    "履歴に記録されます。": "Recorded in the history.",
    "更新可能期間中": "In the renewal window",
    "この手続は既に記録されています。": "This procedure has already been recorded.",
    "印刷の受付日時": "Print queued at",
    "記録を開く": "Open the record",
    "ホーム": "Home",
    "開始": "Started",
    "終了": "Finished",
    "通": " letters",
    # --- the register feed (task feed) ---
    "反映済み": "Applied",
    "拒否（何も反映していません）": "Refused (nothing applied)",
    "試行（問題なし）": "Dry run (clean)",
    "試行（拒否される行あり）": "Dry run (rows refused)",
    "ファイル名": "File name",
    "文字コード": "Encoding",
    "保管ファイル": "Stored file",
    "実行者": "Started by",
    "開始日時": "Started at",
    "終了日時": "Finished at",
    "試行": "Dry run",
    "結果": "Outcome",
    "行数": "Rows",
    "異動の種類ごとの件数": "Counts per event kind",
    "失効する電子証明書": "Certificates to be revoked",
    "失効した電子証明書": "Certificates revoked",
    "反映済みのため省略": "Skipped as already applied",
    "拒否した行": "Refused rows",
    "報告": "Report",
    "異動連携の実行": "Register feed run",
    "異動の識別子": "Event id",
    "実行": "Run",
    "行": "Line",
    "反映済みの異動": "Applied feed event",
    "異動連携ファイル（CSV）": "Register feed file (CSV)",
    "ファイルが大きすぎます（上限 %(limit)s MB）。": "The file is too large (limit %(limit)s MB).",
    "ファイルが空です。": "The file is empty.",
    "異動連携の結果": "Register feed result",
    "異動連携の試行結果": "Register feed dry run",
    "異動連携ファイルの取込（試行）": "Import a register feed file (dry run)",
    "この試行結果からは反映できません。ファイルをもう一度取り込んでください。": (
        "This dry run cannot be applied. Import the file again."
    ),
    "拒否された行があるため、ファイル全体を反映していません。": "Rows were refused: nothing of the file was applied.",
    "異動連携ファイルを反映しました。": "The register feed file was applied.",
    "住民記録システムからの異動連携": "Register feed from the resident-records system",
    "異動連携ファイルを取り込む": "Import a register feed file",
    "住民記録システムから受け取った異動連携ファイル（CSV）を選んでください。まず試行し、結果を確認してから反映します。試行では何も書き込みません。": (
        "Choose the register feed file (CSV) received from the resident-records system. It is first "
        "tried (a dry run writes nothing); you apply it after checking the result."
    ),
    "上限 %(max_mb)s MB。": "Limit %(max_mb)s MB.",
    "試行する": "Dry run",
    "拒否した行（ファイル全体が反映されません）": "Refused rows (nothing of the file is applied)",
    "宛名番号": "Resident key",
    "電子証明書に使用できない文字（代替文字・カナの準備）と通知書のフォントにない文字": (
        "Characters a certificate cannot hold (prepare substitutes or kana) and characters no letter font has"
    ),
    "項目": "Field",
    "内容": "Text",
    "フォントにない文字": "Not in the letter fonts",
    "文字を省く": "Dropped",
    "カナで記録": "Kana needed",
    "窓口で登録済みの住民との照合・登録内容との差異": "Matched with residents registered at the counter; differences",
    "差異": "Differences",
    "差異なし": "No difference",
    "一覧は先頭の一部のみ表示しています（すべては manage.py import_register --dry-run で確認できます）。": (
        "Only the first entries are listed (manage.py import_register --dry-run shows them all)."
    ),
    "この内容で住民記録に反映します。反映すると電子証明書の失効も記録されます。": (
        "Apply this to the register. Applying also records the certificate revocations."
    ),
    "反映する": "Apply",
    "別のファイルを取り込む": "Import another file",
    "異動連携の実行一覧": "Register feed runs",
    # --- the clerk's day (issue 13): withdrawal, slip, defaults, proxy picker ---
    "再交付するカード（紛失・返納するカード）は本人確認書類になりません。運転免許証など他の書類を確認してください。": (
        "The card being replaced (lost or returned) is not an identity document. Check another one, "
        "such as a driving licence."
    ),
    "紛失・返納するマイナンバーカードは使えません。運転免許証・パスポートなどで確認します。": (
        "The lost or returned My Number card cannot be used. Check a driving licence, passport or the like."
    ),
    "法定代理人の場合": "If a legal representative applies",
    "代替文字がない文字を含む場合（かな表記）": "If a character has no substitute (kana)",
    "取下げの理由（必須・履歴と申請に記録）": "Reason for the withdrawal (required; kept in the history and on the application)",
    "例: 本人から電話で取下げの申出（代理人の来庁が困難なため）": (
        "E.g. the resident withdrew by telephone (the proxy cannot come)"
    ),
    "暗証番号初期化の申請書": "Password initialization application form",
    "電子証明書失効申請書": "Certificate revocation application form",
    "申請の取下げ": "Withdraw the application",
    "取下げを記録する": "Record the withdrawal",
    "申請者から取下げの申出があった申請を、発行せずに終了します。送付済みの照会書などの帳票は記録として残ります。": (
        "Ends an application the applicant withdrew, without issuance. Letters already sent stay on record."
    ),
    "失効日": "Revoked on",
    "有効期限のお知らせを再発行": "Reissue the validity slip",
    "有効期限のお知らせを印刷": "Print the validity slip",
    "前回の印刷": "Last printed",
    "代理人が吹田市の住民の場合": "If the proxy is a resident of the city",
    "住民から検索": "Search the residents",
    "カナ・氏名・生年月日（例: スズキ イチロウ S40.1.1）": "Kana, name, date of birth (e.g. SUZUKI ICHIRO S40.1.1)",
    "住民記録から代理人（%(name)s）の氏名・カナ・住所・生年月日を入力しました。本人との関係を入力してください。": (
        "The proxy's (%(name)s) name, kana, address and date of birth were filled in from the register. "
        "Enter the relation to the resident."
    ),
    "この人を代理人にする": "Choose as the proxy",
    "先頭の10件です。生年月日などで絞り込んでください。": "The first 10 only. Narrow down by date of birth, for example.",
    "該当する住民はいません。市外の方は下の欄に入力してください。": (
        "No resident found. For someone from outside the city, type the details below."
    ),
    # --- English complete (issue 14, point 5): confirm steps, services, dates, punctuation ---
    "〜%(date)s": "until %(date)s",
    "〜%(date)s（更新は%(start)sから）": "until %(date)s (renewal from %(start)s)",
    "%(name)s（%(relation)s）": "%(name)s (%(relation)s)",
    "15歳未満の方および成年被後見人の方は任意代理人による申請はできません（法定代理人が申請してください）。": (
        "Residents under 15 and adult wards cannot apply through an appointed proxy "
        "(their legal representative must apply)."
    ),
    "%(name)s（%(kana)s）・%(relation)s": "%(name)s (%(kana)s), %(relation)s",
    "照会書の送付先": "Inquiry letter sent to",
    "〒%(postal_code)s %(address)s（本人の住民登録地・転送不要）": (
        "%(postal_code)s %(address)s (the resident's registered address, no forwarding)"
    ),
    "有効期限は2回目の来庁日（発行日）で決まります。上記は本日発行した場合の目安です。": (
        "The expiry dates are set by the second visit (the issue date). Those above assume issuance today."
    ),
    "本日は電子証明書を発行しません。": "No certificate is issued today.",
    "申請番号": "Application number",
    "次の手順": "Next steps",
    "照会書兼回答書を印刷し、簡易書留（転送不要）で発送して「照会書の発送」を記録してください。": (
        "Print the inquiry and reply form, send it by simple registered mail (no forwarding) "
        'and record "Inquiry letter sent".'
    ),
    "申請ごとに表示します。": "Shown per application.",
    "#%(number)s %(kind)s（%(status)s）": "#%(number)s %(kind)s (%(status)s)",
    "送付先": "Sent to",
    "〒%(postal_code)s %(address)s（転送不要・簡易書留）": (
        "%(postal_code)s %(address)s (no forwarding, simple registered mail)"
    ),
    "記録時に作成します（照会番号を採番）": "Created when recorded (a reference number is assigned)",
    "この申請は発行せずに終了します。2回目の来庁は受け付けられません。": (
        "This application ends without issuance. A second visit will not be accepted."
    ),
    "照会書がまだ発送されていません。発送後、回答書を持参のうえ来庁してください。": (
        "The inquiry letter has not been sent yet. Once it is sent, come with the reply."
    ),
    "任意代理人による申請は即日処理できません（1回目来庁: %(day)s）。": (
        "An application through an appointed proxy cannot be completed on the same day (first visit: %(day)s)."
    ),
    "現在の状態": "Current status",
    "取下げ後の状態": "Status after withdrawal",
    "2回目の来庁は受け付けられなくなります（取下げの理由を表示して断ります）。": (
        "A second visit will no longer be accepted (it is refused with the reason of the withdrawal)."
    ),
    "発送済みの照会書 %(ref)s（%(day)s 差出）は記録として残ります。": (
        "The inquiry letter already sent, %(ref)s (posted %(day)s), stays on record."
    ),
    "電子証明書は発行しません。手数料はかかりません。": "No certificate is issued. No fee is charged.",
    "手続の種類": "Procedure",
    "取下げの理由": "Reason for the withdrawal",
    "%(position)s文字目（%(char)s）": "character %(position)s (%(char)s)",
    "%(position)s文字目": "character %(position)s",
    "、": ", ",
    "%(age)s歳": "age %(age)s",
    "カードの有効期限（%(day)s）": "the card's expiry date (%(day)s)",
    "%(cause)sにより、%(label)sは%(day)sまでです。カードの更新をご案内ください。": (
        "Because of %(cause)s, the %(label)s is valid until %(day)s. Suggest renewing the card."
    ),
    "%(title)s（記録済み）": "%(title)s (already recorded)",
    "…%(last4)s（末尾4桁のみ記録）": "…%(last4)s (only the last 4 characters are recorded)",
    "%(title)s（完了）": "%(title)s (done)",
    "署名用電子証明書は利用者証明用電子証明書より長く有効にはなりません。": (
        "The signing certificate cannot be valid longer than the user certificate."
    ),
    "失効（%(reason)s）": "Revoked (%(reason)s)",
    "初期化の対象": "To initialize",
    "再交付するカードがありません。初めてのカードは「マイナンバーカードの交付」から記録してください。": (
        'There is no card to reissue. Record a first card with "Issue a My Number card".'
    ),
    "旧カード %(card)s（%(status)sとして終了）": "Old card %(card)s (ended as %(status)s)",
    "%(certificate)s（カード再交付により失効）": "%(certificate)s (revoked by the card reissue)",
    "カードは交付済みです（%(card)s）。": "A card has already been issued (%(card)s).",
    "在留期間の満了日（%(day)s）までとなります。": "Valid until the end of the period of stay (%(day)s).",
    "カードは既に一時停止中です（紛失届の記録済み）。": "The card is already suspended (loss already reported).",
    "利用者証明用電子証明書は一時停止中のカードとともに利用できなくなります。": (
        "The user certificate cannot be used while the card is suspended."
    ),
    "紛失届で失効した署名用電子証明書は失効したままです。必要なら新規発行してください。": (
        "The signing certificate revoked by the loss report stays revoked. Issue a new one if needed."
    ),
    "%(certificate)s（基本4情報の変更）": "%(certificate)s (change of the basic four details)",
    "署名用電子証明書は同じ日に新規発行できます（利用者証明用の有効期限が上限）。": (
        "A new signing certificate can be issued the same day (valid at most as long as the user certificate)."
    ),
    "%(field)sの%(position)s文字目「%(char)s」(%(codepoint)s)は電子証明書に使用できません。代替文字: %(substitute)s": (
        '%(field)s, character %(position)s "%(char)s" (%(codepoint)s) cannot be used in a certificate. '
        "Substitute: %(substitute)s"
    ),
    "%(field)sの%(position)s文字目「%(char)s」(%(codepoint)s)は電子証明書に使用できません。代替文字がないため、かな表記になります。": (
        '%(field)s, character %(position)s "%(char)s" (%(codepoint)s) cannot be used in a certificate. '
        "There is no substitute: it is written in kana."
    ),
    "失効した証明書": "Revoked certificates",
    "カード %(card)s（廃止）": "Card %(card)s (cancelled)",
    "（%(opens)s〜%(closes)s）": " (%(opens)s–%(closes)s)",
    "%(opens)s〜%(closes)s。": "%(opens)s–%(closes)s. ",
    "・": " · ",
    "（%(slip_label)s）": " (%(slip_label)s)",
    "%(birth_date)s・〒%(postal_code)s %(address)s": "%(birth_date)s · %(postal_code)s %(address)s",
    "。": ". ",
    "（": " (",
    "）": ")",
    "：": ": ",
    "（通称: %(alias)s）": " (alias: %(alias)s)",
    "%(birth_date)s（%(age)s歳）・%(sex)s・〒%(postal_code)s %(address)s": (
        "%(birth_date)s (age %(age)s) · %(sex)s · %(postal_code)s %(address)s"
    ),
    "　": " ",
    "（%(office)s）": " (%(office)s)",
    "%(start)s〜%(end)s": "%(start)s – %(end)s",
    "%(position)s文字目 「%(char)s」 %(codepoint)s": 'character %(position)s "%(char)s" %(codepoint)s',
    "代替文字 「%(substitute)s」": 'substitute "%(substitute)s"',
    "返戻理由を選択してください。": "Choose the reason for the return.",
    "署名用電子証明書の有効期限": "Signing certificate expiry date",
    "署名用電子証明書の更新可能期間の開始": "Signing certificate renewal window opens",
    "利用者証明用電子証明書の有効期限": "User certificate expiry date",
    "利用者証明用電子証明書の更新可能期間の開始": "User certificate renewal window opens",
    "手数料": "Fee",
    "証明書に記録する氏名": "Name recorded in the certificate",
    "証明書に記録する住所": "Address recorded in the certificate",
    "取扱時間外": "Outside counter hours",
    "時間外処理として記録（監督者の確認対象）": "Recorded as outside hours (to be checked by a supervisor)",
    "在留期間の満了日（%(day)s）": "end of the period of stay (%(day)s)",
    "「%(title)s」を記録しました。": '"%(title)s" recorded.',
    "利用者証明用電子証明書は引き続き有効です。": "The user certificate stays valid.",
    "新しいカード": "New card",
    "有効なカードがありません。": "There is no valid card.",
    "カードの状態": "Card status",
    "一時停止中のカードはありません。": "No card is suspended.",
    "一時停止中のカードがありません。": "There is no suspended card.",
    "有効（一時停止を解除）": "Valid (suspension lifted)",
    "変更された項目がありません。": "Nothing was changed.",
    "代理人申請：回答待ちの照会書（%(n)s）": "Proxy applications: inquiries awaiting a reply (%(n)s)",
    "（記録日時 %(at)s）": " (recorded %(at)s)",
    "過去のカード（%(n)s）": "Past cards (%(n)s)",
    "有効な電子証明書がないため初期化できません（新規発行になります）。": (
        "No valid certificate to initialize (it would be a new issuance)."
    ),
    "有効期限のお知らせが見つかりません。申請の画面から印刷してください。": (
        "No validity slip found. Print it from the application's page."
    ),
    "代理人の生年月日が正しくありません（来庁日以降の日付です）。": (
        "The proxy's date of birth is wrong (it is on or after the day of the visit)."
    ),
    "任意代理人は%(age)s歳以上の方に限られます。生年月日を確認してください。": (
        "An appointed proxy must be at least %(age)s years old. Check the date of birth."
    ),
    "任意代理人が申請できない手続です。": "An appointed proxy cannot apply for this procedure.",
    "代理人の住所": "Proxy's address",
    "吹田市に住民登録がないため申請できません。": "Not registered as a resident of the city: cannot apply.",
    "照会書が返戻されたため、この申請は終了しています。改めて申請を受け付けてください。": (
        "The inquiry letter came back, so this application has ended. Take a new application."
    ),
    "この申請は取り下げられています（%(note)s）。": "This application was withdrawn (%(note)s).",
    "この申請は既に「%(status)s」です。": 'This application is already "%(status)s".',
    "照会書は既に発送済みです。": "The inquiry letter has already been sent.",
    "発送済みの照会書ではないため返戻を記録できません。": "The inquiry letter was not sent: no return can be recorded.",
    "／": " / ",
    "有効な電子証明書がありません。": "There is no valid certificate.",
    "電子証明書の有効期限のお知らせを印刷": "Print the certificate validity slip",
    "電子証明書の有効期限のお知らせを再発行": "Reissue the certificate validity slip",
    "代理人の生年月日を入力してください。": "Enter the proxy's date of birth.",
    "代理人の生年月日は%(date)s以降の日付を入力してください。": "Enter a proxy's date of birth on or after %(date)s.",
    "代理人の氏名": "Proxy's name",
    "代理人の氏名（カナ）": "Proxy's name (kana)",
    "%(field)sを入力してください。": "Enter the %(field)s.",
    "対象の電子証明書を選択してください。": "Choose the certificates concerned.",
    "有効なマイナンバーカードがありません。": "There is no valid My Number card.",
    "有効な署名用電子証明書がありません。": "There is no valid signing certificate.",
    "有効な利用者証明用電子証明書がありません。": "There is no valid user certificate.",
    "任意代理人による申請ではありません。": "This is not an application through an appointed proxy.",
    "この申請は取り下げられています。": "This application was withdrawn.",
    "発送日時が1回目の来庁より前になっています。": "The posting time is before the first visit.",
    "この回答書は既に受理されています。": "This reply has already been received.",
    "照会書がまだ発送されていません。": "The inquiry letter has not been sent yet.",
    "この照会書の返戻は既に記録されています。": "The return of this inquiry letter is already recorded.",
    "職員を選択してください。": "Choose the staff member.",
    "所属窓口を選択してください。": "Choose the office.",
    "「%(name)s」": '"%(name)s"',
    "%(kind)s（%(applicant_type)s） #%(number)s": "%(kind)s (%(applicant_type)s) #%(number)s",
    "%(kind)s %(start)s〜%(end)s（%(status)s）": "%(kind)s %(start)s – %(end)s (%(status)s)",
    "%(kind)s %(serial)s（%(status)s）": "%(kind)s %(serial)s (%(status)s)",
    "%(name)s（%(kana)s）": "%(name)s (%(kana)s)",
    # history in Japanese and the resident's timeline (task history)
    "%(n)s文字目": "character %(n)s",
    "はい": "Yes",
    "いいえ": "No",
    "住民検索": "Resident search",
    "住民画面": "Resident page",
    "監査": "Audit",
    "監査（CSV）": "Audit (CSV)",
    "住民ごとの経過": "Resident timeline",
    "住民ごとの経過（PDF）": "Resident timeline (PDF)",
    "帳票の出力": "Letter output",
    "この画面は監督者のみが利用できます": "Only supervisors may use this page",
    "氏名・カナ・生年月日（窓口の検索と同じ）": "Name, kana or date of birth (the same search as at the counter)",
    "この画面は監督者のみが利用できます。必要な場合は監督者に依頼してください。": (
        "Only supervisors may use this page. Ask a supervisor if you need it."
    ),
    "窓口の状況に戻る": "Back to the counter overview",
    "すべて表示": "Show all",
    "PDFで出力": "Download as PDF",
    "理由・検索条件": "Reason / search terms",
    "変更内容": "Changes",
    "出力": "Printed",
    "これより古い記録は画面で表示してください。": "Older entries are shown on the screen.",
    "住民の検索結果": "Residents found",
    "この住民で絞り込む": "Filter by this resident",
    "該当者が多いため一部のみ表示しています。生年月日を加えて絞り込んでください。": (
        "Many residents match; only some are shown. Add the date of birth to narrow the search."
    ),
    "該当する住民はいません。": "No resident matches.",
    "%(model)sの一覧": "%(model)s list",
    "%(model)sの画面": "%(model)s page",
    "%(model)sの変更履歴": "%(model)s history",
    "%(model)sの過去の版": "%(model)s past version",
    # django-simple-history's msgid, used by templates/simple_history/object_history_form.html
    "View %(verbose_name)s": "View %(verbose_name)s",
    # lengine: the batch screen's progress
    "%(total)s通のうち%(done)s通を作成しました。": "%(done)s of %(total)s letters made.",
    "差出 #%(number)s": "Mailing #%(number)s",
    "記録ID": "Record ID",
    "表示": "View",
    "保存": "Save",
    "再印刷（発送済みのため控え）": "Reprint (a copy: already mailed)",
    "再印刷（理由を記録）": "Reprint (reason recorded)",
    "差出を記録": "Record the posting",
    "返戻を記録": "Record the return",
    "差出の記録": "Posting",
    "返戻の記録": "Return",
    "帳票の作成": "Create a letter",
    "一括印刷は1つの窓口の照会書ごとに行ってください。": "Print in one batch the inquiry letters of one office at a time.",
    "照会番号「%(query)s」の帳票は見つかりませんでした。": 'No letter with the reference "%(query)s".',
    "%(amount)s円": "¥%(amount)s",
    "キャンセル": "Cancel",
    "%(screen)s（%(count)s名）": "%(screen)s (%(count)s residents)",
    "回答書の受理を記録": "Record the reply",
    "%(title)s: %(reference)s を記録しました。": "%(title)s: %(reference)s recorded.",
    "再印刷": "Reprint",
    "照会書兼回答書を差出": "Inquiry and reply form posted",
    "照会書兼回答書が返戻された": "Inquiry and reply form returned",
    "回答書（封入・割印あり）を受理": "Reply received (sealed, with the tally stamp)",
    "%(kind)s %(reference)s を作成しました。": "%(kind)s %(reference)s created.",
    "本日分の照会書を印刷": "Print today's inquiry letters",
    "本日の照会書を一括印刷": "Print today's inquiry letters in one batch",
    "日付は%(start)sから%(end)sまでで指定してください。": "Give a date from %(start)s to %(end)s.",
    "月は month=YYYY-MM で指定してください。": "Give the month as month=YYYY-MM.",
    "月は%(start)sから%(end)sまでで指定してください。": "Give a month from %(start)s to %(end)s.",
    "窓口を指定してください（?office=）。": "Give the office (?office=).",
    "%(name)s 様": "%(name)s",
    "%(number)s（差出記録済 %(at)s）": "%(number)s (posting recorded %(at)s)",
    "%(reference)s（第%(version)s版）": "%(reference)s (version %(version)s)",
    "%(application)s（%(status)s）": "%(application)s (%(status)s)",
    # --- review queue and statistics (task `review`) ---
    "取扱時間外の申請": "Applications outside counter hours",
    "照会書の返戻": "Returned inquiry letters",
    "返戻理由: %(reason)s（申請 #%(app)s）": "Return reason: %(reason)s (application #%(app)s)",
    "代替文字表の変更": "Substitution table edits",
    "追加": "Added",
    "かなで入力した証明書の氏名・住所": "Certificate name or address typed in kana",
    "%(kind)s・証明書の氏名「%(name)s」": '%(kind)s, name in the certificate "%(name)s"',
    "手数料のある再発行": "Reissues with a fee",
    "手数料 %(fee)s円（%(paid)s、領収番号 %(receipt)s）": "Fee %(fee)s yen (%(paid)s, receipt %(receipt)s)",
    "収納済": "paid",
    "未収納": "not paid",
    "未確認": "Not checked",
    "確認済み": "Checked",
    "処理した職員": "Done by",
    "確認待ち（監督者の確認）": "Review queue (supervisor's check)",
    "確認のコメント": "Comment",
    "何を確認したか（例: 申請書と領収書を照合済み）。個人番号は入力しないでください。": (
        "What you checked (e.g. application form and receipt compared). Never enter an individual number."
    ),
    "この項目は確認待ちの一覧にありません。画面を開き直してください。": (
        "This item is not in the review queue. Please reload the page."
    ),
    "「%(label)s」を確認済みにしました。": 'Marked "%(label)s" as checked.',
    "確認済みにする": "Mark as checked",
    "確認の種類": "Kind of item",
    "発行・更新・失効・初期化": "Issuance, renewal, revocation, initialization",
    "更新の見通し（24か月）": "Renewal forecast (24 months)",
    "代理人申請の流れ": "Proxy flow",
    "時間外・手数料・職員別": "Outside hours, fees, per clerk",
    "月別": "Monthly",
    "週別": "Weekly",
    "日別": "Daily",
    "集計単位": "Per",
    "2000-01-01から1年後までの日付を入力してください。": "Enter a date from 2000-01-01 to one year from today.",
    "この集計単位で表示できる期間は%(days)s日までです。期間を短くするか、集計単位を大きくしてください。": (
        "At this granularity the period can be at most %(days)s days. Shorten the period or choose a larger unit."
    ),
    "完了した申請（種類別）": "Completed applications (by kind)",
    "窓口別・種類別・申請者別（期間計）": "By office, kind and applicant (period total)",
    "件数": "Count",
    "更新可能期間に入る件数（月別、今後24か月）": "Entering their renewal window (per month, next 24 months)",
    "月": "Month",
    "窓口不明": "Office unknown",
    "更新可能期間に入る件数（最後に発行した窓口別、カードと証明書の計）": (
        "Entering their renewal window (by office of last issuance, cards and certificates)"
    ),
    "1回目来庁 → 照会書発送": "Visit 1 → letter mailed",
    "照会書発送 → 回答書受理": "Letter mailed → reply received",
    "回答書受理 → 2回目来庁": "Reply received → visit 2",
    "1回目来庁 → 2回目来庁（全体）": "Visit 1 → visit 2 (overall)",
    "代理人申請（1回目来庁が期間内）の現在の段階": "Proxy applications (visit 1 in the period) by current step",
    "各段階の日数（中央値）": "Days per step (median)",
    "日数の中央値": "Median days",
    "区間": "Step",
    "照会書の返戻（返戻率 %(rate)s：発送 %(sent)s件中 %(returned)s件）": (
        "Returned letters (return rate %(rate)s: %(returned)s of %(sent)s mailed)"
    ),
    "理由なし": "No reason",
    "取扱時間外の記録": "Recorded outside counter hours",
    "時間外の申請": "Applications outside hours",
    "時間外のその他の処理": "Other procedures outside hours",
    "職員別の受付件数（種類別）": "Applications received per clerk (by kind)",
    "統計": "Statistics",
    "帳票の再印刷": "Reprinted letters",
    "%(kind)s %(ref)s（理由: %(reason)s）": "%(kind)s %(ref)s (reason: %(reason)s)",
    "対象の番号": "Item key",
    "確認者": "Reviewer",
    "確認済みの記録": "Review sign-offs",
    "この項目は既に確認済みです。": "This item has already been checked.",
    "本日の処理（すべて）": "Today's items (all)",
    "未確認の時間外の申請": "Unchecked applications outside hours",
    "確認": "Check",
    "ご自身が行った処理は確認済みにできません。": "You cannot sign off your own actions.",
    "本人の処理": "Your own action",
    "該当する項目はありません。": "No matching items.",
    "新しい項目": "Newer items",
    "古い項目": "Older items",
    "ご自身が行った処理は確認済みにできません。別の監督者が確認してください。": (
        "You cannot sign off your own actions. Another supervisor must check this item."
    ),
    "確認：次の内容で確認済みにします": "Confirm: mark as checked with this comment",
    "確認済みとして記録する": "Record as checked",
    "一覧に戻る": "Back to the list",
    "集計する": "Show",
    "期間": "Period",
    "更新の見通しは今月から24か月（期間の指定によりません）。更新可能期間は有効期限の3か月前の翌日から。": (
        "The renewal forecast covers 24 months from this month (whatever the period). "
        "The renewal window opens the day after the date 3 months before expiry."
    ),
    "グラフ描画用のChart.jsがインストールされていません（.ci/vendor-js）。数値の表のみ表示しています。": (
        "Chart.js is not installed (.ci/vendor-js): the numbers are shown as tables only."
    ),
    "件": " items",
    "確認待ちの一覧": "Review queue",
    "過去%(d)s日の未確認": "Not checked, last %(d)s days",
    "%(kind)s（%(applicant_type)s）": "%(kind)s (%(applicant_type)s)",
    "（%(reason)s）": " (%(reason)s)",
    # --- register procedures (転入, 有効期間の変更) ---
    "処理日時": "Processed at",
    "処理者": "Processed by",
    "住民記録システムの宛名番号（個人番号ではありません）。": "The resident number of the resident-records system (not the individual number).",
    "転入日（異動日）": "Date of moving in",
    "転入日が未来の日付になっています。": "The date of moving in is in the future.",
    "転入日が生年月日より前になっています。": "The date of moving in is before the date of birth.",
    "在留期間の満了日を入力した場合は在留資格も入力してください。": "With an end of the period of stay, enter the status of residence too.",
    "在留期間の満了日を入力してください（永住者などを除く）。": "Enter the end of the period of stay (not for permanent residents and the like).",
    "在留期間の満了日が転入日より前になっています。": "The period of stay ends before the date of moving in.",
    "%(label)sの%(pos)s文字目「%(char)s」(%(cp)s)は電子証明書に使用できません。": "Character %(pos)s of the %(label)s, “%(char)s” (%(cp)s), cannot be used in a certificate. ",
    "代替文字: %(sub)s": "Substitute: %(sub)s",
    "代替文字がないため、証明書の発行時にかな表記を入力します。": "It has no substitute: enter that part in kana when a certificate is issued.",
    "%(label)sの「%(chars)s」は通知書の書体にない文字です（印刷時に外字の対応が必要です）。": "“%(chars)s” of the %(label)s is not in the letter fonts (printing needs a custom glyph).",
    "カードの有効期間の変更（在留期間の更新）": "Card validity change (period of stay extended)",
    "在留期間が更新された外国人住民のカードの有効期限を、新しい在留期間の満了日まで延長します（カードを持参）。旧満了日までの電子証明書はそのままです。変更後は新しい満了日までの電子証明書を発行できます。": "Extends the card of a foreign resident whose period of stay was extended up to the new end of stay (the resident brings the card). Certificates up to the old end stay as they are; afterwards certificates up to the new end can be issued.",
    "有効期間の変更が必要なカードはありません。": "No card needs a validity change.",
    "カードの有効期限": "Card expiry",
    "：変更しません（旧満了日まで有効）。": ": not changed (valid until the old end).",
    "新しい満了日までの電子証明書は、変更後に「電子証明書の新規発行・更新」から発行します。": "Certificates up to the new end are issued afterwards with “New issuance / renewal”.",
    "新しい有効期限": "New expiry",
    "転入（手入力）": "Moving in (entered by hand)",
    "この内容で住民登録する": "Register this resident",
    "住民記録システムからの連携が届く前に、窓口で転入者を登録します。宛名番号と住民票の記載のとおりに入力してください（個人番号は入力しないでください）。後日の連携の転入データは、同じ宛名番号のこの記録と照合されます。": "Registers a person who moved in before the resident-records feed brings them. Enter the resident number and the register's entries as written (never the individual number). The feed's later move-in row is matched with this record by the resident number.",
    "住民記録には正しい文字のまま登録します。証明書・通知書の文字は発行時に確認します。": "The register keeps the true characters. The characters of certificates and letters are checked when they are issued.",
    "該当する住民が見つかりません。転入したばかりで住民記録の連携が届いていない場合は、窓口で登録できます。": "No resident found. A person who has just moved in and is not in the feed yet can be registered at the counter.",
    "有効期間の変更が必要です": "A card validity change is needed",
    "在留期間が延長されましたが、カードの有効期限は旧満了日（%(old)s）のままです。カードを持参のうえ有効期間を変更すると %(new)s までになり、その日までの電子証明書を発行できます。": "The period of stay was extended, but the card still ends on the old date (%(old)s). With the card brought in, a validity change extends it to %(new)s, and certificates up to that day can be issued.",
    # default reasons and the register procedures' confirm rows
    "窓口申請による発行": "Issued on an application at the counter",
    "転入（住民記録の連携前に窓口で登録）": "Moved in (registered at the counter before the register feed)",
    "在留期間の更新に伴うカードの有効期間の変更": "Card validity changed after the period of stay was extended",
    "住民記録の消除（転出・死亡など）": "Removed from the register (moved out, died etc.)",
    "%(kind)s（シリアル %(serial)s、有効期限 %(expires_on)s）": "%(kind)s (serial %(serial)s, expires %(expires_on)s)",
    "%(certificate)s（更新により失効）": "%(certificate)s (revoked by the renewal)",
    "%(text)s（職員が入力）": "%(text)s (typed by the clerk)",
    "%(position)s文字目 %(char)s→%(substitute)s": "character %(position)s %(char)s→%(substitute)s",
    "（削除）": "(removed)",
    "%(text)s（代替文字: %(detail)s）": "%(text)s (substitutes: %(detail)s)",
    "有効期限 %(expires_on)s（更新は %(starts)s から）・シリアル %(serial)s": (
        "expires %(expires_on)s (renewal from %(starts)s), serial %(serial)s"
    ),
    "%(year)s年%(month)s月%(day)s日": "%(year)s-%(month)s-%(day)s",
    "有効な%(label)sがあります（有効期限 %(expires_on)s）。更新は %(starts)s から申請できます。": (
        "There is a valid %(label)s (expires %(expires_on)s). It can be renewed from %(starts)s."
    ),
    "本人からの失効申請": "Revocation requested by the resident",
    "暗証番号の初期化（失念・ロック）": "PIN initialization (forgotten or locked)",
    "紛失届（一時停止）": "Loss reported (suspension)",
    "発見届（一時停止の解除）": "Card found (suspension lifted)",
    "基本4情報の変更（住民記録の異動）": "Change of the basic four details (register change)",
    "任意代理人による申請（照会書送付依頼）": "Application through an appointed proxy (inquiry letter requested)",
    "照会書兼回答書を発送（簡易書留・転送不要）": "Inquiry and reply form sent (simple registered mail, no forwarding)",
    "照会書の返戻（転送不要）": "Inquiry letter returned (no forwarding)",
    "任意代理人の2回目来庁（回答書持参）": "Appointed proxy's second visit (with the reply)",
    "%(fee)s（領収番号 %(receipt)s）": "%(fee)s (receipt number %(receipt)s)",
    "〒%(postal_code)s %(address)s": "%(postal_code)s %(address)s",
    # the services' refusals (issuance, card, revocation, initialization)
    "受付窓口を選択してください（職員の所属窓口が登録されていません）。": (
        "Choose the receiving office (the staff member has no office registered)."
    ),
    "カードは一時停止中です（紛失届）。発見の届出またはカードの再交付が必要です。": (
        "The card is suspended (reported lost). Record it found, or reissue the card."
    ),
    "カードの有効期限が近すぎるため電子証明書を発行できません。カードの更新が必要です。": (
        "The card expires too soon to issue a certificate. The card must be renewed."
    ),
    "法定代理権を確認した書類（戸籍謄本・登記事項証明書など）を記録してください。": (
        "Record the document that proves the legal authority (family register copy, registry certificate etc.)."
    ),
    "法定代理人の本人確認書類が不足しています（顔写真付きの公的書類1点、または健康保険証等を含む2点）。": (
        "The legal representative's identity documents are not enough "
        "(one official photo ID, or two including a health insurance card etc.)."
    ),
    "住基カードの交付は終了しています。": "Basic Resident Register cards are no longer issued.",
    "カードの有効期限が過ぎているため一時停止を解除できません。": "The card has expired: its suspension cannot be lifted.",
    "旧カードの扱いを選択してください（紛失・返納・廃止）。": "Choose what happens to the old card (lost, returned, cancelled).",
    "交付日を入力してください。": "Enter the issue date.",
    "交付日に未来の日付は入力できません。": "The issue date cannot be in the future.",
    "交付日が生年月日以前になっています。": "The issue date is on or before the date of birth.",
    "発行する電子証明書を選択してください。": "Choose the certificates to issue.",
    "有効なマイナンバーカードがありません。カードの交付を先に記録してください。": (
        "There is no valid My Number card. Record the card's issue first."
    ),
    "住基カードへの電子証明書の発行・更新は平成27年12月22日17時に終了しました。マイナンバーカードが必要です。": (
        "Certificates on Basic Resident Register cards ended on 22 December 2015 at 17:00. A My Number card is needed."
    ),
    "顔認証マイナンバーカードには電子証明書を格納できません。": "A face-authentication card cannot hold certificates.",
    "15歳未満の方および成年被後見人の方には署名用電子証明書は発行できません（利用者証明用のみ発行できます）。": (
        "No signing certificate for residents under 15 or adult wards (only the user certificate)."
    ),
    "15歳未満の方および成年被後見人の方の申請は法定代理人が行ってください。": (
        "For residents under 15 and adult wards, the legal representative must apply."
    ),
    "確認書類の発行日を入力してください。": "Enter the issue date of the proof.",
    "法定代理権の確認書類は発行から3か月以内のものが必要です。": "The proof of legal authority must be at most 3 months old.",
    "任意代理人による申請は即日処理できません。照会書の送付依頼（1回目来庁）として受け付けてください。": (
        "An application through an appointed proxy cannot be completed the same day. "
        "Take it as a request for the inquiry letter (first visit)."
    ),
    "吹田市に住民登録がないためカードを交付できません。": "Not registered as a resident of the city: no card can be issued.",
    "この住民には既に有効なカードがあります。紛失・返納を先に記録してください。": (
        "This resident already has a valid card. Record its loss or return first."
    ),
    "在留期間の満了日が交付日以前のため、カードを交付できません。": (
        "The period of stay ends on or before the issue date: no card can be issued."
    ),
    "一時停止中のカードではありません。": "The card is not suspended.",
    "失効させる電子証明書を選択してください。": "Choose the certificates to revoke.",
    "初期化する暗証番号を選択してください。": "Choose the PINs to initialize.",
    "有効な署名用電子証明書がないため初期化できません（新規発行になります）。": (
        "No valid signing certificate to initialize (it would be a new issuance)."
    ),
    "有効な利用者証明用電子証明書がないため初期化できません（新規発行になります）。": (
        "No valid user certificate to initialize (it would be a new issuance)."
    ),
    "有効期間の変更が必要なカードはありません（在留期間の更新後に行います）。": (
        "No card needs a validity change (it is done after the period of stay is extended)."
    ),
    "UTF-8（BOM 付きも可）": "UTF-8 (with or without BOM)",
    "cp932（Shift_JIS）": "cp932 (Shift_JIS)",
    # --- s18 English pass: refusals and errors of the services, the feed and the letters ---
    "%(label)s（%(kind)s）": "%(label)s (%(kind)s)",
    "ログインに続けて失敗したため、ログインを一時的に停止しています。": (
        "Logging in is paused after repeated failed attempts."
    ),
    "お急ぎの場合は、監督者にログイン制限の解除を依頼してください。": (
        "If it is urgent, ask a supervisor to lift the login restriction."
    ),
    "最後の試行から約%(minutes)s分後に自動で解除されます。": (
        " It is lifted automatically about %(minutes)s minutes after the last attempt."
    ),
    "ログインできません": "Cannot log in",
    "ログイン画面へ戻る": "Back to the login page",
    "職員のアカウントは削除できません。無効化（有効のチェックを外す）してください。": (
        "Staff accounts cannot be deleted. Deactivate the account instead (untick Active)."
    ),
    "取扱時間外です（月〜金 9:00〜17:30、土日祝・年末年始を除く）。次の取扱日は{next_day}です。やむを得ず記録する場合は「時間外処理として記録する」を選んでください（監督者の確認対象になります）。": (
        "Outside counter hours (Mon–Fri 9:00–17:30, except public holidays and the New Year holidays). "
        "The next counter day is {next_day}. If it must be recorded now, choose "
        "“Record as outside-hours processing” (a supervisor will review it)."
    ),
    "官公署発行の顔写真付き本人確認書類が必要です（運転免許証、パスポートなど）。お持ちでない場合は受付できません。": (
        "A government-issued photo ID is required (driving licence, passport, etc.). "
        "Without one the application cannot be accepted."
    ),
    "本人確認書類の種類が正しくありません: %(kind)s": "Invalid kind of identity document: %(kind)s",
    "提示者の区分が正しくありません: %(holder)s": "Invalid presenter category: %(holder)s",
    "%(char)s（%(position)s文字目）": "%(char)s (character %(position)s)",
    "電子証明書に使用できない文字があります: %(chars)s": "Characters a certificate cannot hold: %(chars)s",
    "吹田市に住民登録がないため申請できません（%(status)s）。": (
        "Cannot apply: not registered as a resident of the city (%(status)s)."
    ),
    "カードの有効期限（%(day)s）が過ぎています。": "The card expired on %(day)s.",
    "確認画面を表示した後に、この方の住民記録が更新されました（住民記録システムからの異動連携など）。住民画面を開き直し、最新の内容で手続をやり直してください。": (
        "This resident's register record was updated after the confirmation page was shown "
        "(for example by the register feed). Reopen the resident page and redo the procedure "
        "with the current data."
    ),
    "このカードは「%(status)s」のため紛失届を記録できません。": (
        "This card is “%(status)s”: a loss report cannot be recorded."
    ),
    "手数料%(fee)s円の収納を確認してください。": "Confirm that the fee of %(fee)s yen has been paid.",
    "郵便番号は7桁の数字で入力してください（例: 564-0041）。": ("Enter the postal code as 7 digits (e.g. 564-0041)."),
    "本人のマイナンバーカードを確認してください。": "Check the resident's My Number card.",
    "照会書兼回答書の回答書欄が記入されていることを確認してください。": (
        "Check that the reply section of the inquiry and reply form is filled in."
    ),
    "委任状欄が記入されていることを確認してください。": "Check that the power-of-attorney section is filled in.",
    "回答書が封筒に封入され、割印されていることを確認してください。": (
        "Check that the reply is sealed in its envelope with a seal across the flap."
    ),
    "電子証明書新規発行申請書を受け取ってください。": "Receive the application form for new certificates.",
    "カードの有効期限（%(day)s）が過ぎています。カードの再交付が必要です。": (
        "The card expired on %(day)s. The card must be reissued."
    ),
    "在留期間が延長されていないため、有効期間の変更はできません（住民記録の在留期間を確認してください）。": (
        "The period of stay has not been extended, so the validity cannot be changed "
        "(check the period of stay in the register)."
    ),
    "住民登録がないため変更できません（%(status)s）。": "Cannot change: not registered as a resident (%(status)s).",
    "有効なマイナンバーカードがありません（一時停止中を含む）。": (
        "No valid My Number card (a suspended card does not count)."
    ),
    "確認の内容をコメントに入力してください。": "Enter in the comment what you checked.",
    "コメントは%(max)s文字以内で入力してください。": "The comment can have at most %(max)s characters.",
    "使用中でない窓口には所属させられません。": "Staff cannot be assigned to an office that is not in use.",
    "所属の記録の職員は変更できません。その職員の所属を新しく登録してください。": (
        "The staff member of an assignment record cannot be changed. Register a new assignment for that staff member."
    ),
    "この差出は既に印刷されています。保存されたPDFをダウンロードしてください。": (
        "This mailing batch is already printed. Download the stored PDF."
    ),
    "この差出は印刷の処理中です。終わるまでお待ちください（画面は自動で更新されます）。": (
        "This mailing batch is being printed. Please wait until it is done (the page refreshes by itself)."
    ),
    "印刷の処理が途中で止まりました（処理していたプロセスが終了した可能性があります）。": (
        "Printing stopped part-way (the process doing it may have ended)."
    ),
    "印刷の処理が異常終了しました。": "Printing ended abnormally.",
    "印刷の処理がまだ始まっていません。印刷処理（ワーカー）が動いているか、システム担当者に確認してください。": (
        "Printing has not started yet. Ask the system administrator whether the print worker is running."
    ),
    "%(reference)s は印刷中に差出に加えられました。": "%(reference)s was added to the batch while it was printing.",
    "「%(char)s」(U+%(codepoint)s)": "“%(char)s” (U+%(codepoint)s)",
    "%(field)sの文字 %(chars)s は帳票の書体（IPAmj明朝・IPAex明朝）にないため印刷できません。住民記録で代替文字を登録するか、%(field)sを確認してください。": (
        "The character(s) %(chars)s of the %(field)s are not in the letter fonts (IPAmj Mincho, IPAex Mincho) "
        "and cannot be printed. Register a substitute character in the register, or check the %(field)s."
    ),
    "窓": "Window",
    "封筒の窓の設定（LETTER_WINDOW_MM）が小さすぎます。": "The envelope window setting (LETTER_WINDOW_MM) is too small.",
    "%(field)sが長すぎるため、宛名が封筒の窓（余白%(play)smm）に収まりません（文字を%(min_pt)sポイントまで縮小しても入りません）。%(field)sを確認してください。": (
        "The %(field)s is too long: the address block does not fit the envelope window (margin %(play)s mm), "
        "even with the type shrunk to %(min_pt)s pt. Check the %(field)s."
    ),
    "お問い合わせ番号の末尾の数字（チェックデジット）が合いません。読み取り違い・入力違いがないか確かめてください。": (
        "The last digit (check digit) of the tracking number does not match. Check for a misread or a typo."
    ),
    "同じお問い合わせ番号が %(other)s にも入力されています。": "The same tracking number is also entered for %(other)s.",
    "このお問い合わせ番号は既に別の郵便物（%(reference)s）に使われています。": (
        "This tracking number is already used for another item (%(reference)s)."
    ),
    "この差出はまだ印刷されていません。印刷が終わってからお問い合わせ番号を入力してください。": (
        "This mailing batch is not printed yet. Enter the tracking numbers after printing."
    ),
    "この差出にない照会書のお問い合わせ番号が含まれています。": (
        "Tracking numbers were given for inquiry letters that are not in this batch."
    ),
    " ほか%(count)s通": " and %(count)s more",
    "お問い合わせ番号が未入力の照会書が%(count)s通あります（%(references)s%(more)s）。「お問い合わせ番号を入力」で全通の番号を入力してから差出票を印刷してください。": (
        "%(count)s inquiry letter(s) have no tracking number yet (%(references)s%(more)s). Enter the numbers "
        "of all letters with “Enter tracking numbers” before printing the mailing list."
    ),
    "%(date)s %(office)s 第%(number)s便": "%(date)s %(office)s batch %(number)s",
    "%(batch)s 差出票 第%(version)s版": "%(batch)s mailing list version %(version)s",
    "日時にはタイムゾーンが必要です。": "A date and time needs a time zone.",
    "窓口を選択してください（職員の所属窓口が登録されていません）。": (
        "Choose an office (no office is registered for this staff member)."
    ),
    "帳票の種類が正しくありません。": "Invalid kind of letter.",
    "照会書・照会書送付依頼書は任意代理人による申請についてのみ作成できます。": (
        "Inquiry letters and inquiry requests can only be made for applications by a proxy."
    ),
    "この申請は「%(status)s」のため照会書を作成できません。": (
        "This application is “%(status)s”: no inquiry letter can be made."
    ),
    "電子証明書新規発行申請書は発行・更新の申請についてのみ作成できます。": (
        "The application form for new certificates can only be made for issuance or renewal applications."
    ),
    "この申請で発行された電子証明書がないため、有効期限のお知らせを作成できません。": (
        "No certificate was issued by this application, so no expiry notice can be made."
    ),
    "他の職員が同時に再印刷しました。画面を更新してください。": (
        "Another staff member reprinted it at the same time. Refresh the page."
    ),
    "照会番号を採番できませんでした。もう一度お試しください。": "Could not assign a reference number. Please try again.",
    "この申請の照会書は既に作成されています。作り直す場合は再印刷してください。": (
        "The inquiry letter of this application already exists. To make it again, reprint it."
    ),
    "この帳票のPDFは既に保存されています。作り直す場合は再印刷してください。": (
        "The PDF of this letter is already stored. To make it again, reprint it."
    ),
    "この通知はすでに発送済みです": "This notice has already been mailed",
    "%(mailed)s（差出日 %(day)s、%(mail_class)s、お問い合わせ番号 %(number)s）。再印刷したものは控えとして保存され、発送済みの版が最新版のままです。": (
        "%(mailed)s (posted %(day)s, %(mail_class)s, tracking number %(number)s). A reprint is stored as a copy; "
        "the mailed version stays the current one."
    ),
    "最新版ではない帳票は再印刷できません。最新版から再印刷してください。": (
        "A letter that is not the current version cannot be reprinted. Reprint from the current version."
    ),
    "返戻された照会書の申請は終了しています。再印刷できません。": (
        "The application of a returned inquiry letter has ended. It cannot be reprinted."
    ),
    "回答書を受理済みの照会書は再印刷できません。": "An inquiry letter whose reply was received cannot be reprinted.",
    "この帳票のPDFはまだ作成されていません。": "The PDF of this letter has not been made yet.",
    "お問い合わせ番号は11〜13桁の数字で入力してください（例: 1234-5678-9013）。": (
        "Enter the tracking number as 11 to 13 digits (e.g. 1234-5678-9013)."
    ),
    "郵送する帳票ではありません。": "This letter is not one that is mailed.",
    "この照会書は再印刷により差し替えられています。最新版で記録してください。": (
        "This inquiry letter was replaced by a reprint. Record it on the current version."
    ),
    "この照会書の差出は既に記録されています。": "The posting of this inquiry letter is already recorded.",
    "郵便の種類が正しくありません。": "Invalid mail class.",
    "「その他」の場合は返戻の内容を入力してください。": "For “Other”, describe why it came back.",
    "差出が記録されていない照会書は返戻を記録できません。": (
        "A return cannot be recorded for an inquiry letter whose posting is not recorded."
    ),
    "回答書を受理済みの照会書です。": "The reply to this inquiry letter has already been received.",
    "返戻日時が差出日時より前になっています。": "The return is dated before the posting.",
    "差出が記録されていない照会書です。先に差出を記録してください。": (
        "The posting of this inquiry letter is not recorded. Record the posting first."
    ),
    "返戻された照会書です。この申請は終了しています。": "This inquiry letter came back. The application has ended.",
    "%(reference)s は一括印刷の対象ではありません（照会書の最新版で、未差出・未印刷のものに限ります）。": (
        "%(reference)s cannot be batch-printed (only current inquiry letters not yet posted or printed)."
    ),
    "%(reference)s は %(office)s の申請ではありません。": "%(reference)s is not an application of %(office)s.",
    "窓口の指定が正しくありません（office= には窓口の番号を指定してください）。": (
        "Invalid office (give the office's number as office=)."
    ),
    "日付は date=YYYY-MM-DD で指定してください。": "Give the date as date=YYYY-MM-DD.",
    "形式は format=pdf または format=csv で指定してください。": "Give the format as format=pdf or format=csv.",
    "住所（番地）を読み取れません。住民票のとおり「1丁目2番3号」の形式で入力してください（「1-2-3」と入力すると「1丁目2番3号」になります。部屋番号などは方書に入力します）。": (
        "Cannot read the block number. Enter it as on the residence certificate, in the form 1丁目2番3号 "
        "(typing 1-2-3 gives 1丁目2番3号; room numbers go into the building field)."
    ),
    "出生": "Birth",
    "転入": "Move-in",
    "転居": "Move within the city",
    "氏名変更": "Name change",
    "職権修正": "Official correction",
    "在留期間更新・在留資格変更": "Period of stay extended / status of residence changed",
    "文字コード「%(encoding)s」には対応していません（UTF-8 または cp932）。": (
        "The encoding “%(encoding)s” is not supported (UTF-8 or cp932)."
    ),
    "%(label)s として読めない文字があります（文字コードを確認してください）。": (
        "Some characters cannot be read as %(label)s (check the encoding)."
    ),
    "不明な列があります: %(columns)s": "Unknown columns: %(columns)s",
    "必要な列がありません: %(columns)s": "Missing columns: %(columns)s",
    "列名が重複しています: %(columns)s": "Duplicate column names: %(columns)s",
    "%(label)sが正しくありません（YYYY-MM-DD）: %(value)s": "Invalid %(label)s (YYYY-MM-DD): %(value)s",
    "%(label)sが正しくありません（存在しない日付）: %(value)s": "Invalid %(label)s (no such date): %(value)s",
    "%(column)s に改行が含まれています。": "%(column)s contains a line break.",
    "%(column)s が長すぎます（%(max)s文字まで）。": "%(column)s is too long (at most %(max)s characters).",
    "event_id（異動の識別子）がありません。": "event_id (the event's identifier) is missing.",
    "event_id が長すぎます（40文字まで）。": "event_id is too long (at most 40 characters).",
    "event（異動の種類）がありません。": "event (the kind of event) is missing.",
    "異動の種類「%(kind)s」は不明です。": "Unknown kind of event “%(kind)s”.",
    "resident_key（宛名番号）がありません。": "resident_key (the city's person number) is missing.",
    "resident_key が個人番号（マイナンバー）です。宛名番号を指定してください（個人番号は受け取れません）。": (
        "resident_key is an individual number (My Number). Give the city's person number "
        "(individual numbers are not accepted)."
    ),
    "resident_key（宛名番号）は英数字15文字までです: %(key)s": (
        "resident_key (the city's person number) is at most 15 letters or digits: %(key)s"
    ),
    "必須項目 %(column)s が空です。": "The required column %(column)s is empty.",
    "異動日（effective_on）": "the event date (effective_on)",
    "生年月日（birth_date）": "the date of birth (birth_date)",
    "在留期間の満了日（period_of_stay_ends_on）": "the end of the period of stay (period_of_stay_ends_on)",
    "異動日（effective_on）が未来の日付です: %(day)s": "The event date (effective_on) is in the future: %(day)s",
    "生年月日（birth_date）が未来の日付です: %(day)s": "The date of birth (birth_date) is in the future: %(day)s",
    "異動日（effective_on）が生年月日より前です。": "The event date (effective_on) is before the date of birth.",
    "性別コード（sex）は 1（男）または 2（女）です: %(value)s": "The sex code (sex) is 1 (male) or 2 (female): %(value)s",
    "郵便番号（postal_code）は NNN-NNNN または NNNNNNN です: %(value)s": (
        "The postal code (postal_code) is NNN-NNNN or NNNNNNN: %(value)s"
    ),
    "在留期間更新ですが在留資格・在留期間の満了日がありません。": (
        "A period-of-stay update without a status of residence or an end of the period of stay."
    ),
    "見出し行を CSV として読めません: %(error)s": "The header line cannot be read as CSV: %(error)s",
    "見出し行がありません（空のファイルです）。": "There is no header line (the file is empty).",
    "CSV として読めません（引用符の誤りなど）: %(error)s": "Cannot be read as CSV (a quoting error or similar): %(error)s",
    "列の数が見出しと違います（%(values)s列、見出しは%(names)s列）。": (
        "The number of columns differs from the header (%(values)s columns, the header has %(names)s)."
    ),
    "event_id「%(event_id)s」が %(line)s 行目と重複しています。": (
        "event_id “%(event_id)s” duplicates the one on line %(line)s."
    ),
    "異動のデータ行がありません。": "There are no event rows.",
    "宛名番号 %(key)s の住民は既に登録されています（出生の異動と矛盾します）。": (
        "The resident with person number %(key)s is already registered (contradicts a birth event)."
    ),
    "宛名番号 %(key)s の住民は死亡として記録されています（転入できません）。": (
        "The resident with person number %(key)s is recorded as deceased (cannot move in)."
    ),
    "宛名番号 %(key)s の住民が登録されていません（%(event)sの対象がありません）。": (
        "No resident with person number %(key)s is registered (nobody to record “%(event)s” for)."
    ),
    "宛名番号 %(key)s の住民は住民登録がありません（%(event)sは記録できません）。": (
        "The resident with person number %(key)s is not registered (“%(event)s” cannot be recorded)."
    ),
    "在留期間更新ですが在留資格・在留期間の満了日が登録内容と同じです。": (
        "A period-of-stay update, but the status of residence and the end of stay are the same as registered."
    ),
    "転居ですが住所が登録内容と同じです。": "A move within the city, but the address is the same as registered.",
    "氏名変更ですが氏名・カナ・通称が登録内容と同じです。": (
        "A name change, but the name, kana and alias are the same as registered."
    ),
    "同じ記録を別の職員が同時に処理しました。画面を開き直して状態を確認してください。": (
        "Another staff member processed the same record at the same time. Reopen the page and check its state."
    ),
    "理由を入力してください。": "Enter a reason.",
    "使用できない制御文字（NUL）が含まれています。入力し直してください。": (
        "Contains a control character that cannot be used (NUL). Please re-enter it."
    ),
    "文字化けした文字（対になっていないサロゲート）が含まれています。入力し直してください。": (
        "Contains garbled characters (unpaired surrogates). Please re-enter it."
    ),
    "使用できない制御文字（%(codepoint)s）が含まれています。入力し直してください。": (
        "Contains a control character that cannot be used (%(codepoint)s). Please re-enter it."
    ),
    "個人番号（マイナンバー）と思われる12桁の数字が含まれています。個人番号は記録できません。": (
        "Contains a 12-digit number that looks like an individual number (My Number). "
        "Individual numbers cannot be recorded."
    ),
    "宛名番号は1〜15文字の英数字で入力してください（個人番号ではありません）。": (
        "Enter the city's person number as 1 to 15 letters or digits (not the individual number)."
    ),
    "宛名番号 %(key)s の住民は既に登録されています（%(name)s）。住民検索から開いてください。": (
        "A resident with person number %(key)s is already registered (%(name)s). Open them from the resident search."
    ),
    "登録できない項目です: %(fields)s": "Fields that cannot be registered: %(fields)s",
    "異動日が正しくありません（未来の日付は記録できません）。": "Invalid event date (a future date cannot be recorded).",
    "変更できない項目です: %(fields)s": "Fields that cannot be changed: %(fields)s",
    "住民登録がない方の異動は記録できません。": "Events cannot be recorded for a person who is not registered.",
    "異動の種類を選択してください（転出・国外転出・死亡・職権消除）。": (
        "Choose the kind of event (move-out, move abroad, death, official removal)."
    ),
    "既に「%(status)s」として記録されています。": "Already recorded as “%(status)s”.",
    "文字を入力してください。": "Enter the character.",
    "この文字はそのまま電子証明書に使用できるため、代替文字は不要です。": (
        "This character can be used in a certificate as it is: no substitute is needed."
    ),
    "代替文字を入力してください。": "Enter the substitute character.",
    "宛名番号がありません。": "The city's person number is missing.",
    "%(limit)s文字以内で入力してください。": "Enter at most %(limit)s characters.",
    "性別を選択してください。": "Choose the sex.",
    "氏名と生年月日は必須です。": "The name and the date of birth are required.",
    "死亡として記録されている方は転入できません。": "A person recorded as deceased cannot move in.",
    "異動日が正しくありません。": "Invalid event date.",
    "%(char)s（%(codepoint)s）": "%(char)s (%(codepoint)s)",
}

# --- lmailing: the mailing list after the tracking numbers, the scan screen, mailed reprints, the ledger ---
EN.update(
    {
        "発送後の再印刷（控え）": "Reprint after mailing (copy)",
        "印刷・再印刷の理由": "Reason for the print or reprint",
        "料金合計（円）": "Total postage (yen)",
        "差出票の印刷": "Printing of the mailing list",
        "印刷の理由": "Reason for printing",
        "再印刷のときは理由を書いてください（例: 郵便局で書き損じたため）。前の版もそのまま保存されます。": (
            "For a reprint, give the reason (e.g. spoiled at the post office). The previous version stays stored."
        ),
        "お問い合わせ番号の入力（差出）": "Tracking numbers entered (posted)",
        "お問い合わせ番号が1件も入力されていません。": "No tracking number has been entered.",
        "%(count)d通のお問い合わせ番号と差出を記録しました。": (
            "Recorded the tracking numbers and the posting of %(count)d letters."
        ),
        "お問い合わせ番号の入力": "Enter tracking numbers",
        "差出票の再印刷": "Reprint of the mailing list",
        "差出票（第%(version)d版）を印刷しました。": "Printed the mailing list (version %(version)d).",
        "差出票（郵便局へ提出）": "Mailing list (for the post office)",
        "期間": "Period",
        "1日": "One day",
        "1か月": "One month",
        "例: 2026-11-25": "e.g. 2026-11-25",
        "月": "Month",
        "例: 2026-11": "e.g. 2026-11",
        "形式": "Format",
        "月は「2026-11」の形で入力してください。": "Enter the month as 2026-11.",
        "月は2000-01から今月までで入力してください。": "Enter a month from 2000-01 to this month.",
        "日は2000-01-01から今日までで入力してください。": "Enter a day from 2000-01-01 to today.",
        "月を入力してください。": "Enter the month.",
        "日を入力してください。": "Enter the day.",
        "電子証明書交付記録簿": "Certificate issuance ledger",
        "印刷の後: お問い合わせ番号と差出票": "After printing: tracking numbers and the mailing list",
        "お問い合わせ番号を入力（スキャン）": "Enter tracking numbers (scan)",
        "差出票を印刷": "Print the mailing list",
        "差出票の順に、各照会書の封筒に貼ったラベルのお問い合わせ番号を読み取ってください。Enterで次の欄へ進みます。"
        "読み取った番号はその場で確かめます。最後に「まとめて記録する」を押すと、すべての番号と差出を一度に記録します。": (
            "In the order of the mailing list, scan the tracking number on each envelope's label. Enter moves to "
            'the next field. Each number is checked as it is read. Finally press "Record all" to record every '
            "number and the posting in one step."
        ),
        "赤く示した欄を確かめてください。何も記録していません。": "Check the fields marked in red. Nothing was recorded.",
        "項": "No.",
        "あて名": "Addressee",
        "差出記録済": "posting recorded",
        "まとめて記録する": "Record all",
        "この差出はまだ印刷されていません。": "This batch has not been printed yet.",
        "差出票を再印刷する": "Reprint the mailing list",
        "差出票を印刷する": "Print the mailing list",
        "印刷した差出票": "Printed mailing lists",
        "料金合計": "Total postage",
        "まだ印刷していません。": "Not printed yet.",
        "差出の状況へ戻る": "Back to the batch",
        "本日・所属窓口": "Today, your office",
        "交付記録簿を開く": "Open the ledger",
        "ページ（封入確認表を含む）": "pages (including the enclosure check list)",
        "一括印刷PDF（封入確認表付き）をダウンロード": "Download the batch PDF (with the enclosure check list)",
        "発送済みを確認のうえ、控えとして再印刷する": "I know it was mailed: reprint as a copy",
        "交付記録簿（窓口・日・月を選ぶ）": "Issuance ledger (choose office, day or month)",
        "選択した照会書を一括印刷（1つのPDF）": "Print the selected inquiry letters as a batch (one PDF)",
        "お問い合わせ番号・差出票": "Tracking numbers and mailing list",
        "差出票": "Mailing list",
    }
)


# --- foundations of the second round: outside-hours records, the register's person number ---
EN.update(
    {
        "処理日時": "Recorded at",
        "処理者": "Recorded by",
        "宛名番号": "Register person number",
        "住民記録システムの宛名番号（個人番号ではありません）。": (
            "The person number of the resident-records system (not the individual number)."
        ),
        "取扱時間外の処理": "Recorded outside counter hours",
        "通称（カナ）": "Registered alias (kana)",
    }
)


# --- glue: review sources (feed revocations, manual move-in), timeline, refused letters in a batch ---
EN.update(
    {
        "住民記録の取込による失効": "Revocations by the register feed",
        "%(file)s：電子証明書の失効 %(revoked)s件（%(rows)s行%(counts)s、実行者 %(user)s）": (
            "%(file)s: %(revoked)s certificates revoked (%(rows)s rows%(counts)s, run by %(user)s)"
        ),
        "宛名番号 %(key)s %(name)s（%(reason)s）": "Person number %(key)s %(name)s (%(reason)s)",
        "住民記録システムからの連携が届く前に、窓口で転入者を登録します。": (
            "Register a person who moved in before the resident-records feed brings them."
        ),
        "次の%(count)s通は印刷できなかったため、PDFと差出票から除きました。住民記録を確認のうえ、個別に作成してください。": (
            "The following %(count)s letters could not be printed and were left out of the PDF and the "
            "mailing list. Check the register, then make them one by one."
        ),
    }
)


# s18 history version
EN.update(
    {
        "過去の版（%(model)s）": "Past version (%(model)s)",
        "変更履歴": "History",
        "変更者": "Changed by",
        "一つ後の変更": "Next change",
        "一つ前の変更": "Previous change",
        "変更履歴へ戻る": "Back to the history",
        "現在の記録": "Current record",
        "この版の値": "Value at this version",
        "この版での変更": "Changed by this version",
        "変更前": "Before",
        "この版で作成された記録の内容です。": "The record as this version created it.",
        "この版の時点の記録の内容です。この版で変更された項目には変更前の値を示します。": (
            "The record as it was at this version. The fields this version changed show their value before it."
        ),
        "この版で記録が削除されました。削除の時点の内容です。": (
            "This version deleted the record. Its content when it was deleted."
        ),
    }
)


# s18 mailing: the check digit on every path, no mailing record in the future, correcting a tracking number
EN.update(
    {
        "%(what)sが未来になっています（%(at)s）。現在（%(now)s）より後の日時は記録できません。": (
            "The %(what)s is in the future (%(at)s). A time later than now (%(now)s) cannot be recorded."
        ),
        "差出が記録され、お問い合わせ番号のある郵便物だけが訂正できます。": (
            "Only a posted letter with a tracking number can be corrected."
        ),
        "この差出の差出票は印刷済みです（第%(version)d版）。印刷後のお問い合わせ番号の訂正は監督者が行います。": (
            "The mailing list of this batch is printed (version %(version)d). After that a supervisor "
            "corrects tracking numbers."
        ),
        "お問い合わせ番号を訂正する権限がありません。": "You may not correct tracking numbers.",
        "今のお問い合わせ番号と同じです。訂正後の番号を入力してください。": (
            "This is the current tracking number. Enter the corrected number."
        ),
        "差出票（第%(version)d版）の印刷後にお問い合わせ番号が訂正されました（%(why)s）。"
        "郵便局に出した差出票と記録が合わないため、差出票を再印刷してください。": (
            "A tracking number was corrected after the mailing list (version %(version)d) was printed "
            "(%(why)s). The list handed to the post office no longer matches the records: print it again."
        ),
        "訂正後のお問い合わせ番号": "Corrected tracking number",
        "封筒に貼ったラベルの番号を読み取るか入力してください（11〜13桁、末尾はチェックデジット）。": (
            "Scan or type the number on the envelope's label (11 to 13 digits, the last one a check digit)."
        ),
        "訂正の理由": "Reason for the correction",
        "例: 別の封筒のラベルを読み取っていたため。前の番号は履歴に残ります。": (
            "e.g. the label of another envelope was scanned. The previous number stays in the history."
        ),
        "%(reference)s のお問い合わせ番号を %(number)s に訂正しました。": (
            "The tracking number of %(reference)s was corrected to %(number)s."
        ),
        "この差出の差出票は印刷済みです（第%(version)d版）。訂正すると、その差出票は古くなり、再印刷が必要になります。": (
            "The mailing list of this batch is printed (version %(version)d). A correction makes it stale; "
            "it must then be printed again."
        ),
        "お問い合わせ番号の訂正": "Correct the tracking number",
        "お問い合わせ番号を訂正": "Correct the tracking number",
        "お問い合わせ番号の訂正による差出票の再印刷": "Mailing list printed again after a tracking number correction",
        "（訂正前の古い版）": "(stale: printed before a correction)",
        "訂正": "Correct",
        "訂正により古くなった日時": "Stale since (correction)",
        "古くなった理由": "Why it is stale",
    }
)


# --- s18review: the review queue at city scale, several items signed off at once ---
EN.update(
    {
        "まとめて確認済みにする": "Mark several as checked",
        "選択した項目をまとめて確認済みにする": "Mark the selected items as checked",
        "このページの未確認をまとめて確認済みにする": "Mark every open item of this page as checked",
        "選択": "Select",
        "確認：次の項目をまとめて確認済みにします": "Confirm: mark these items as checked",
        "チェックを外した項目は確認済みにしません。": "Items you untick are not marked as checked.",
        "確認済みにする項目を選んでください。": "Select the items to mark as checked.",
        "ご自身が行った処理または確認済みの項目は選べません。外してください。": (
            "Your own actions and items already checked cannot be selected. Leave them out."
        ),
        "%(n)s件を確認済みにしました。": "%(n)s items marked as checked.",
    }
)


# s18 review: the sign-off of several items, in English
EN.update(
    {
        "確認済みにする項目を選んでください。": "Choose the items to mark as checked.",
        "一度に確認済みにできるのは%(max)d件までです。": "At most %(max)d items can be marked as checked at once.",
        "ご自身が行った処理が含まれています（%(items)s）。別の監督者が確認してください。": (
            "The selection includes your own actions (%(items)s). Another supervisor must check them."
        ),
        "確認待ちの一覧にない項目が含まれています（%(items)s）。画面を開き直してください。": (
            "The selection includes items no longer in the review queue (%(items)s). Open the page again."
        ),
        "既に確認済みの項目が含まれています（%(items)s）。画面を開き直してください。": (
            "The selection includes items already checked (%(items)s). Open the page again."
        ),
        " ほか%(count)d件": " and %(count)d more",
    }
)


# s18: django-axes' app in the admin
EN.update({"ログイン試行の記録": "Login attempts"})


def _unquote(lines: list[str]) -> str:
    """The text of a msgid/msgstr written over one or more quoted lines."""
    text = "".join(line[line.index('"') + 1 : line.rindex('"')] for line in lines)
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def _fill_entry(entry: str) -> tuple[str, bool]:
    """One catalogue entry with its English from EN (fuzzy flag and previous msgid dropped), and
    whether EN had it. Entries EN lacks and plural ones are left as they are (still fuzzy or empty,
    so that ``msgfmt --statistics`` counts them)."""
    lines = entry.split("\n")
    keys = [i for i, line in enumerate(lines) if line.startswith(("msgid ", "msgid_plural ", "msgstr"))]
    if not keys:
        return entry, False
    msgid_at, msgstr_at = keys[0], keys[1]
    msgid = _unquote(lines[msgid_at:msgstr_at])
    english = EN.get(msgid)
    plural = lines[msgstr_at].startswith("msgid_plural ")
    if (msgid and english is None) or plural != isinstance(english, tuple):
        return entry, False  # missing, or a plural entry without its (singular, plural) pair
    if plural:
        msgstr_at = next(i for i in keys if lines[i].startswith("msgstr["))
        english = [f"msgstr[{n}] " + _quote(text) for n, text in enumerate(english)]
    comments = []
    for line in lines[:msgid_at]:
        if line.startswith("#|"):
            continue  # the previous msgid of a fuzzy match
        if line.startswith("#,"):
            flags = [flag.strip() for flag in line[2:].split(",") if flag.strip() != "fuzzy"]
            if not flags:
                continue
            line = "#, " + ", ".join(flags)
        comments.append(line)
    if not msgid:  # the header: makemessages marks a new one fuzzy
        return "\n".join([*comments, *lines[msgid_at:]]), False
    msgstr = english if plural else ["msgstr " + _quote(english)]
    return "\n".join([*comments, *lines[msgid_at:msgstr_at], *msgstr]), True


def fill(po_path: Path) -> int:
    """Write EN into the catalogue; the number of entries filled."""
    text = po_path.read_text(encoding="utf-8")
    entries = text.rstrip("\n").split("\n\n")
    count = 0
    for index, entry in enumerate(entries):
        entries[index], filled = _fill_entry(entry)
        count += filled
    po_path.write_text("\n\n".join(entries) + "\n", encoding="utf-8")
    return count


if __name__ == "__main__":
    root = Path(__file__).resolve().parent
    print(fill(root / "en" / "LC_MESSAGES" / "django.po"), "strings translated", file=sys.stderr)
