"""Gunicorn's settings for this project. Gunicorn reads ``./gunicorn.conf.py`` when started in the
checkout (``.venv/bin/gunicorn jpki.wsgi ...``); ``-c gunicorn.conf.py`` names it explicitly.

Access log without query strings or referrers: the counter's search box sends its terms in the URL
(``/admin/residents/resident/?q=ヤマダ 1985-06-01``: names, kana, dates of birth, addresses) and the
next page's ``Referer`` repeats them. Gunicorn's default format logs the full request line
(``%(r)s``) and the referrer (``%(f)s``); this one logs the method and the path (``%(U)s``) only.
Who searched for what is recorded in the application's read log, which only supervisors can open.
The access log itself is off unless ``--access-logfile`` (or ``accesslog``) is given.
"""

access_log_format = '%(h)s - - %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
