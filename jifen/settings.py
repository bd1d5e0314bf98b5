"""Settings for jifen, read from the environment.

Defaults make `jifen up` work on a SQLite file under ./var; every value that does not
parse stops start-up with a message saying which variable is wrong.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from jifen.conf import env_bool, env_int, env_list, env_str, parse_database_url

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("JIFEN_DATA_DIR", str(Path.cwd() / "var"))).resolve()
# The SQLite file lives here, and SQLite will not create its directory (also when the secret
# key comes from the environment and nothing else would create it).
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = os.environ.get("JIFEN_SECRET_KEY")
    if key:
        return key
    # A clerk running `jifen up` should not have to invent a secret: make one once and keep it.
    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


DEBUG = env_bool("JIFEN_DEBUG", False)
TESTING = env_bool("JIFEN_TESTING", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("JIFEN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("JIFEN_CSRF_TRUSTED_ORIGINS", [])

DATABASES = {
    "default": parse_database_url(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'jifen.sqlite3'}"), base_dir=Path.cwd()
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    # django-ninja's app only serves its bundled Swagger UI files, so the API docs load nothing
    # from a CDN.
    "ninja",
    "jifen.core",
    "jifen.orgs",
    "jifen.rules",
    "jifen.ledger",
    "jifen.claims",
    "jifen.rankings",
    "jifen.market",
    "jifen.grid",
    "jifen.programme",
    "jifen.reports",
    "jifen.web",
    "jifen.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "jifen.core.middleware.SecurityHeadersMiddleware",
    "jifen.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
    "jifen.web.middleware.JifenErrorMiddleware",
]

ROOT_URLCONF = "jifen.urls"
WSGI_APPLICATION = "jifen.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_USER_MODEL = "orgs.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "jifen.orgs.auth.MobileOrUsernameBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; the suite creates thousands of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Files are served from the apps through the finders until `collectstatic` fills this; an empty
# directory keeps whitenoise from warning at every start.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Evidence photos and uploads live outside any static root and are only served by views
# that check who is asking.
MEDIA_ROOT = Path(env_str("JIFEN_MEDIA_ROOT", str(DATA_DIR / "media"))).resolve()
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# Sign-in hardening (django-axes): lock a username+IP pair after repeated failures.
AXES_FAILURE_LIMIT = env_int("JIFEN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("JIFEN_LOGIN_COOLOFF_MINUTES", 30) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("JIFEN_AXES_ENABLED", True)
AXES_LOCKOUT_CALLABLE = "jifen.web.views.account.locked_out"
AXES_USERNAME_CALLABLE = "jifen.web.views.account.axes_username"

HTTPS = env_bool("JIFEN_HTTPS", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("JIFEN_SESSION_HOURS", 12) * 3600
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("JIFEN_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("JIFEN_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("JIFEN_LOG_LEVEL", "WARNING")},
}

JIFEN_DEFAULT_TIME_ZONE = "Asia/Shanghai"
