"""Runtime configuration, read from TANDEM_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from server.privacy.groups import MIN_GROUP_SIZE_FLOOR

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything an operator can set; tests build one directly instead of using the environment."""

    model_config = SettingsConfigDict(env_prefix="TANDEM_", extra="ignore")

    # sqlite:///relative/or/absolute.db or postgresql://user@host:port/db
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'tandem.db'}"
    # PostgreSQL connections each server process keeps open; more concurrent requests than
    # connections wait their turn (first come, first served).
    database_pool_size: int = Field(default=10, ge=1, le=200)
    # The key access tokens are signed with: this value, or the file secret_key_file (mode
    # 0600, e.g. a container secret); when neither is set, a random key is generated once
    # and kept (mode 0600) under var_dir.
    secret_key: SecretStr | None = None
    secret_key_file: Path | None = None
    # The https:// address people open Tandem at, when it is served to them through a
    # TLS-terminating proxy: responses then carry Strict-Transport-Security, and
    # `tandem doctor` checks it.
    public_url: str | None = Field(default=None, pattern=r"^https?://[^/\s]+/?$")
    var_dir: Path = PROJECT_ROOT / "var"
    pwa_dist: Path = PROJECT_ROOT / "pwa" / "dist"

    jwt_issuer: str = "tandem"
    jwt_audience: str = "tandem-api"
    access_token_minutes: int = Field(default=15, ge=1, le=15)
    refresh_token_days: int = Field(default=30, ge=1, le=90)

    login_window_minutes: int = 15
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 30
    # Peers whose X-Forwarded-For we believe (e.g. "127.0.0.1,10.0.0.5"); empty: none.
    trusted_proxies: list[str] = Field(default_factory=list)

    # Web Push: the VAPID private key (PEM; created with mode 0600 under var_dir when unset
    # and missing), the contact push services may use, and how often the dispatcher looks
    # for due deliveries when nothing woke it.
    vapid_private_key_file: Path | None = None
    vapid_subject: str = Field(
        default="mailto:push-admin@tandem.local", pattern=r"^(mailto:|https://)"
    )
    push_dispatch_interval_seconds: float = Field(default=5.0, gt=0, le=300)
    # How often each server process looks for reminders to send (one process at a time).
    reminder_interval_seconds: float = Field(default=900.0, gt=0, le=86400)
    # How often each server process evaluates every alert rule over everyone (one process at
    # a time); progress and check-ins are also evaluated as they are written.
    alert_interval_seconds: float = Field(default=900.0, gt=0, le=86400)
    # How often each server process deletes the records past HR's retention periods (safe in
    # several processes at once: a second delete finds nothing).
    retention_interval_seconds: float = Field(default=21600.0, gt=0, le=604800)
    # How often each server process folds the change log's busiest topics (`sync.versions`;
    # one process at a time).
    sync_compact_interval_seconds: float = Field(default=60.0, gt=0, le=86400)
    # Build every collection of every pull, even those whose version says unchanged, and fail
    # the pull when one changed under its version (the tests: a write the change log misses).
    sync_verify_versions: bool = False
    # No figure about fewer people than this (docs/privacy.md); never below the floor of 3.
    min_group_size: int = Field(default=5, ge=MIN_GROUP_SIZE_FLOOR, le=100)

    max_request_body_bytes: int = 1_048_576
    max_import_rows: int = 20_000

    @property
    def served_over_https(self) -> bool:
        return bool(self.public_url and self.public_url.startswith("https://"))

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
