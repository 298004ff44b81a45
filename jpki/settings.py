"""Settings for the Suita City JPKI counter system.

Everything that differs between machines comes from the environment (django-environ); see
`.env.example` for the full list. Defaults are safe for local use: SQLite in the checkout,
DEBUG off unless asked for.
"""

import base64
import hashlib
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- core -------------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
PRODUCTION = env.bool("PRODUCTION", default=False)
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")  # required: no default in production
else:
    SECRET_KEY = env.str("SECRET_KEY", default="insecure-local-development-key-change-me-0123456789")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "simple_history",
    "jpki.axes_app.AxesConfig",  # django-axes with a Japanese name in the admin
    "django_tasks",
    "django_tasks_db",
    "jpki",
    "residents",
    "letters",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "jpki.security.ContentSecurityPolicyMiddleware",  # before whitenoise: static files get it too
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jpki.urls"
WSGI_APPLICATION = "jpki.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
            # The counter's template tags live with the screens (jpki/admin/), not in an app's
            # templatetags package.
            "libraries": {"counter_tags": "jpki.admin.templatetags"},
        },
    },
]

# --- database ---------------------------------------------------------------------------------
_DEFAULT_DATABASE_URL = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {
    # An empty DATABASE_URL (e.g. `DATABASE_URL=` in .env) means the default, not an error.
    "default": env.db_url_config(env.str("DATABASE_URL", default="") or _DEFAULT_DATABASE_URL),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    # mmap_size: reads map the file instead of a read() per page into a fresh 2 MB cache per request
    # (the review queue's year at 400,000 residents: SQL 605 → 340 ms; README "Supervisors").
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command",
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA mmap_size=1073741824;",
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth, sessions, lockout ------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)  # idle timeout
SESSION_SAVE_EVERY_REQUEST = True  # sliding expiry: the timeout counts from the last request
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Login throttling (django-axes; the limits are failures within the cool-off, which starts again
# with every failure):
# - per account and address, AXES_FAILURE_LIMIT = 5: a clerk who mistypes 5 times is stopped at that
#   terminal only; someone guessing at another terminal does not lock the clerk out at theirs;
# - per address over all accounts, AXES_ADDRESS_FAILURE_LIMIT = 20: one address can no longer try 4
#   passwords on every account; 20 (4 x the per-account limit) leaves room for several clerks behind
#   one address (a branch office's NAT) each mistyping a few times (a login clears that account's
#   failures from that address), while a sweep over the staff list stops after 20 guesses;
# - per account over all addresses, AXES_USERNAME_FAILURE_LIMIT = 15: guesses at one account spread
#   over many addresses stop at 15; locking a clerk out everywhere takes 3 addresses each reaching
#   its own per-account limit, not one.
# A supervisor lifts a lock from the admin (ログイン失敗の記録, jpki/admin/logins.py). The address is
# REMOTE_ADDR unless TRUSTED_PROXY_COUNT trusted reverse proxies are in front (jpki.security).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=20)  # read by jpki.security
AXES_USERNAME_FAILURE_LIMIT = env.int("AXES_USERNAME_FAILURE_LIMIT", default=15)  # read by jpki.security
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
AXES_HANDLER = "jpki.security.LoginThrottleHandler"  # one limit per lockout parameter (above)
AXES_RESET_ON_SUCCESS = True  # clears that account's failures from that address only
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_LOCKOUT_CALLABLE = "jpki.security.lockout_response"  # Japanese lockout page (HTTP 429)
# Reverse proxies in front of gunicorn that append the client's address to X-Forwarded-For (nginx:
# proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for). 0: the header is ignored (a client
# could otherwise pick the address that gets locked). Behind the README's one TLS proxy: 1.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "jpki.security.client_ip_address"

# --- production hardening ---------------------------------------------------------------------
# Content-Security-Policy on every response (jpki.security.ContentSecurityPolicyMiddleware; the
# shape of Django 6.0's SECURE_CSP). Scripts only from this origin: Django's admin has no inline
# script; the one inline handler of templates/admin/base_site.html (the language switch) is allowed
# by the hash of its exact text ('unsafe-hashes'), nothing else inline runs. Styles allow
# 'unsafe-inline' because our admin templates still carry <style> blocks and style attributes
# (Django's own admin needs none); CSS cannot run script, and autoescaping keeps input out of it.
# Images: this origin and data: URIs. No framing, forms post only to this origin.
_LANGUAGE_SWITCH_HANDLER = "this.form.submit()"
_LANGUAGE_SWITCH_HASH = base64.b64encode(hashlib.sha256(_LANGUAGE_SWITCH_HANDLER.encode()).digest()).decode()
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'unsafe-hashes'", f"'sha256-{_LANGUAGE_SWITCH_HASH}'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- i18n -------------------------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- static and private files -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str("STATICFILES_BACKEND", default="django.contrib.staticfiles.storage.StaticFilesStorage")
    },
}
# Rendered letters hold personal data: they live outside any public path and are served only by
# permission-checked views. There is deliberately no MEDIA_URL route.
PRIVATE_STORAGE_ROOT = env.path("PRIVATE_STORAGE_ROOT", default=BASE_DIR / "var" / "private")
# The register feed's upload (admin): largest file accepted, in bytes (kept under PRIVATE_STORAGE_ROOT/feeds).
FEED_MAX_UPLOAD_BYTES = env.int("FEED_MAX_UPLOAD_BYTES", default=50 * 1024 * 1024)

# --- background tasks -------------------------------------------------------------------------
# Batch PDFs are rendered outside the web request: the request stores a task in the database (in
# the same transaction as the batch) and a worker, `manage.py db_worker`, runs it (django-tasks
# with its database backend, django-tasks-db). The tests run tasks in the calling thread instead
# (tests/conftest.py).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A batch still queued or rendering after this long counts as interrupted (its worker died) and can be
# rendered again from its page: far above the measured speed, so a busy worker is not taken for a dead one.
LETTER_BATCH_TIMEOUT_SECONDS = env.float("LETTER_BATCH_TIMEOUT_SECONDS", default=60.0)
LETTER_BATCH_TIMEOUT_PER_LETTER_SECONDS = env.float("LETTER_BATCH_TIMEOUT_PER_LETTER_SECONDS", default=0.2)
# Worker processes that lay out a large batch's letters (letters.engine); unset: the CPUs, at most 4.
LETTER_RENDER_PROCESSES = env.int("LETTER_RENDER_PROCESSES", default=None)

# --- history ----------------------------------------------------------------------------------
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_ENFORCE_HISTORY_MODEL_PERMISSIONS = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# --- the city and the counter -----------------------------------------------------------------
CITY_NAME = env.str("CITY_NAME", default="吹田市")
SYSTEM_NAME = env.str("SYSTEM_NAME", default="電子証明書窓口システム")
OFFICE_RETURN_POSTAL_CODE = env.str("OFFICE_RETURN_POSTAL_CODE", default="564-8550")
OFFICE_RETURN_ADDRESS = env.str("OFFICE_RETURN_ADDRESS", default="大阪府吹田市泉町1丁目3番40号")
OFFICE_RETURN_NAME = env.str("OFFICE_RETURN_NAME", default="吹田市役所 市民部 市民課")
OFFICE_PHONE = env.str("OFFICE_PHONE", default="06-6384-1231")
OFFICE_PHONE_EXTENSIONS = env.str("OFFICE_PHONE_EXTENSIONS", default="内線2275・2276")
# Days after which a proxy inquiry letter without reply is highlighted (not published: a setting).
PROXY_REPLY_DEADLINE_DAYS = env.int("PROXY_REPLY_DEADLINE_DAYS", default=14)
# The letter area always visible through the envelope window (left, top, width, height mm): README "Mail-safety".
LETTER_WINDOW_MM = tuple(env.list("LETTER_WINDOW_MM", cast=float, default=[25.0, 16.0, 86.0, 39.0]))
LETTER_DOCUMENT_NUMBER = env.str("LETTER_DOCUMENT_NUMBER", default="")  # 文書番号 on the inquiry letter, optional
LETTER_SEAL_OMITTED = env.bool("LETTER_SEAL_OMITTED", default=False)  # print 「公印省略」 under the mayor's name
# Postage on the mailing list (差出票), in yen: the base postage of one letter (定形郵便 up to 25 g)
# and the fee each mail class adds (簡易書留, 特定記録). Japan Post's rates from October 2024.
MAIL_POSTAGE_BASE = env.int("MAIL_POSTAGE_BASE", default=110)
MAIL_FEE_SIMPLE_REGISTERED = env.int("MAIL_FEE_SIMPLE_REGISTERED", default=350)
MAIL_FEE_RECORDED = env.int("MAIL_FEE_RECORDED", default=210)

# --- logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
