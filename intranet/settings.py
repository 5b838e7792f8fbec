"""The only settings module. Every difference between the embedded default and
production is an environment variable; see README.md for the list."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
# Runtime files of the embedded default (test database, mail, logs); not in git.
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DJANGO_ENV = env_str("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"
DEV_SECRET = "dev-only-secret-key-not-for-production-0123456789abcdefghijklmnop"

SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET)
DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Origins allowed to open a WebSocket; empty means "the hosts in ALLOWED_HOSTS".
WEBSOCKET_ALLOWED_ORIGINS = env_list("WEBSOCKET_ALLOWED_ORIGINS")

if PRODUCTION:
    # Refuse to run a hospital's intranet on development defaults.
    problems = []
    if DEBUG:
        problems.append("DEBUG must be off")
    if SECRET_KEY == DEV_SECRET or len(SECRET_KEY) < 50:
        problems.append("SECRET_KEY must be set to a random value of 50+ characters")
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must list the real host names (no '*')")
    if not env_str("EMAIL_HOST"):
        problems.append("EMAIL_HOST must name the SMTP relay")
    if problems:
        raise ImproperlyConfigured("DJANGO_ENV=production: " + "; ".join(problems))

INSTALLED_APPS = [
    "daphne",
    "intranet",
    "feeds",
    "discussions",
    "discussions.qa",
    "newsletters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last: keeps the whole stack synchronous (see intranet/middleware.py).
    "intranet.middleware.SyncStack",
]

ROOT_URLCONF = "intranet.urls"
ASGI_APPLICATION = "asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "intranet.context.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the server, the task worker and readers work side by side.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory: end-to-end tests start real server processes that
    # must open the same test database.
    DATABASES["default"]["TEST"] = {
        "NAME": env_str("SQLITE_TEST_NAME", str(VAR_DIR / "test.sqlite3"))
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
# A connection pool per process (psycopg-pool): under ASGI every request and
# every socket's database call otherwise opens a new PostgreSQL connection.
# DB_POOL_SIZE is the most connections one process holds; keep the sum over
# all processes under PostgreSQL's max_connections. 0 turns pooling off.
DB_POOL_SIZE = env_int("DB_POOL_SIZE", 0)
if IS_POSTGRES and DB_POOL_SIZE:
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(2, DB_POOL_SIZE),
        "max_size": DB_POOL_SIZE,
        "timeout": env_int("DB_POOL_TIMEOUT", 10),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # pooled connections are not persistent ones

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "intranet.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": env_str("CHANNEL_PREFIX", "intranet"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "email"],
    }
}

LANGUAGE_CODE = "en-us"
ORG_TIME_ZONE = env_str("ORG_TIME_ZONE", "America/New_York")
TIME_ZONE = ORG_TIME_ZONE
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Django 6.1 mailers: "default" for ordinary mail. With EMAIL_HOST set, mail goes
# to that SMTP relay; otherwise to files under var/mail (the embedded default).
SMTP_HOST = env_str("EMAIL_HOST")
if SMTP_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": SMTP_HOST,
                "port": env_int("EMAIL_PORT", 25),
                "username": env_str("EMAIL_HOST_USER") or None,
                "password": env_str("EMAIL_HOST_PASSWORD") or None,
                "use_tls": env_bool("EMAIL_USE_TLS"),
                "timeout": env_int("EMAIL_TIMEOUT", 30),
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))},
        }
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "In the Loop <intheloop@hospital.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

REST_FRAMEWORK = {
    # Token first: DRF answers 401 with the first class's WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "intranet.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "intranet.api_base.CursorPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env_str("API_RATE_USER", "1200/minute"),
        "anon": env_str("API_RATE_ANON", "60/minute"),
    },
    "EXCEPTION_HANDLER": "intranet.api_errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": ["intranet.api_base.StrictJSONParser"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hospital intranet API",
    "DESCRIPTION": "Let's Talk, Ask Leadership, In the Loop, live feeds and people.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the installed sidecar package: nothing loads from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

CACHES = {
    "default": (
        {
            "BACKEND": "intranet.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF, "ws:", "wss:"] if not PRODUCTION else [CSP.SELF, "wss:"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

# Event log retention (feeds); events older than this are pruned and a client
# resuming from before it is told to resync.
EVENT_RETENTION_DAYS = env_int("EVENT_RETENTION_DAYS", 7)
WORKER_HEARTBEAT_MAX_AGE = env_int("WORKER_HEARTBEAT_MAX_AGE", 120)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- qa (Ask Leadership) ---
# One schema name per Ask Leadership choice set (models and inputs share them).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "QuestionRejectReasonEnum": "discussions.qa.models.RejectReason",
        "QuestionStatusEnum": "discussions.qa.models.QuestionStatus",
        "QASessionStateEnum": "discussions.qa.models.SessionState",
    }
)

# --- discussions (Let's Talk) ---
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "IdeaStatusEnum": "discussions.models.IdeaStatus",
        "ModerationActionKindEnum": "discussions.models.ModerationActionKind",
        "ThreadKindEnum": "discussions.models.ThreadKind",
        "ReactionKindEnum": "discussions.models.ReactionKind",
    }
)

# --- feeds ---
# The bell's unread count on every page.
TEMPLATES[0]["OPTIONS"]["context_processors"].append("feeds.context.unread")
# The hub reads one channel per process; a burst must not overflow it (the
# log tail would still deliver, a second later).
if not REDIS_URL:
    CHANNEL_LAYERS["default"]["CONFIG"] = {"capacity": 5000}
if REDIS_URL and env_str("CHANNEL_LAYER") == "redis-lists":
    # The alternative measured against the pub/sub layer (see docs/websocket.md);
    # redis-py 8 defaults would tear down its blocking receive every 5 s.
    CHANNEL_LAYERS["default"] = {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [{"address": REDIS_URL, "socket_timeout": None, "max_connections": 1000}],
            "prefix": env_str("CHANNEL_PREFIX", "intranet"),
            "capacity": 5000,
        },
    }
FEEDS_TAIL_INTERVAL = float(env_str("FEEDS_TAIL_INTERVAL", "1.0"))  # seconds between log reads
FEEDS_GAP_GRACE = float(env_str("FEEDS_GAP_GRACE", "30"))  # wait this long for a late commit
FEEDS_SNAPSHOT_INTERVAL = float(env_str("FEEDS_SNAPSHOT_INTERVAL", "0.25"))
FEEDS_SNAPSHOT_POLL = float(env_str("FEEDS_SNAPSHOT_POLL", "1.0"))
FEEDS_REAUTH_INTERVAL = float(env_str("FEEDS_REAUTH_INTERVAL", "30"))
# How long a process trusts "every active person may read this stream" for new joiners.
FEEDS_OPEN_STREAM_TTL = float(env_str("FEEDS_OPEN_STREAM_TTL", "1.0"))
# Resumes replay from the hub's memory of a stream's last this-many log ids (0: off).
FEEDS_REPLAY_MEMORY = env_int("FEEDS_REPLAY_MEMORY", 1000)
FEEDS_MAX_SOCKETS_PER_PERSON = env_int("FEEDS_MAX_SOCKETS_PER_PERSON", 20)
FEEDS_MAX_FRAME_BYTES = env_int("FEEDS_MAX_FRAME_BYTES", 64 * 1024)
FEEDS_RATE_PER_SECOND = env_int("FEEDS_RATE_PER_SECOND", 10)
FEEDS_RATE_BURST = env_int("FEEDS_RATE_BURST", 40)
FEEDS_MAX_SUBSCRIPTIONS = env_int("FEEDS_MAX_SUBSCRIPTIONS", 100)
FEEDS_OUTBOX_SIZE = env_int("FEEDS_OUTBOX_SIZE", 2000)

# --- newsletters ---
# The newsletter sender talks SMTP itself (one persistent connection per sender
# thread); it uses the relay in NEWSLETTER_SMTP_HOST, else EMAIL_HOST, else files.
_LOOP_SMTP_HOST = env_str("NEWSLETTER_SMTP_HOST", SMTP_HOST)
NEWSLETTER_SMTP = (
    {
        "host": _LOOP_SMTP_HOST,
        "port": env_int("NEWSLETTER_SMTP_PORT", env_int("EMAIL_PORT", 25)),
        "username": env_str("NEWSLETTER_SMTP_USER", env_str("EMAIL_HOST_USER")) or None,
        "password": env_str("NEWSLETTER_SMTP_PASSWORD", env_str("EMAIL_HOST_PASSWORD")) or None,
        "use_tls": env_bool("NEWSLETTER_SMTP_TLS", env_bool("EMAIL_USE_TLS")),
        "timeout": env_int("EMAIL_TIMEOUT", 30),
    }
    if _LOOP_SMTP_HOST
    else None
)
NEWSLETTER_CONNECTIONS = env_int("NEWSLETTER_CONNECTIONS", 4)
NEWSLETTER_BATCH_SIZE = env_int("NEWSLETTER_BATCH_SIZE", 200)
NEWSLETTER_LEASE_SECONDS = env_int("NEWSLETTER_LEASE_SECONDS", 120)
NEWSLETTER_RETRY_BASE_SECONDS = env_int("NEWSLETTER_RETRY_BASE_SECONDS", 30)
NEWSLETTER_RETRY_MAX_SECONDS = env_int("NEWSLETTER_RETRY_MAX_SECONDS", 900)
NEWSLETTER_MAX_ATTEMPTS = env_int("NEWSLETTER_MAX_ATTEMPTS", 10)
# A slot missed by more than this is not sent automatically: editors decide.
NEWSLETTER_LATE_MINUTES = env_int("NEWSLETTER_LATE_MINUTES", 30)
