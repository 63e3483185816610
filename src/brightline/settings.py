"""Brightline's settings: one typed object read from ``BRIGHTLINE_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# argon2id parameter sets for password hashes; 'test' exists only to make test suites fast.
Argon2Profile = Literal["rfc9106-low-memory", "test"]
CHEAP_ARGON2_WARNING = (
    "WARNING: BRIGHTLINE_ARGON2_PROFILE=test: passwords are hashed with argon2's "
    "cheapest parameters and can be brute-forced. For test suites only; unset it before "
    "storing any real account."
)


class Settings(BaseSettings):
    """Every setting Brightline reads, with its default and the help shown in CLI and docs."""

    model_config = SettingsConfigDict(env_prefix="BRIGHTLINE_", extra="ignore", frozen=True)

    home: Path = Field(
        default=Path("./brightline-data"),
        description="Data directory: database file, keys, photos, snapshots.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the operational store. Empty means the SQLite file "
            "brightline.db in the data directory; use postgresql+psycopg://… for a server."
        ),
    )
    key_file: Path | None = Field(
        default=None,
        description="File holding the identifier keys; default <home>/keys/identifiers.key.",
    )
    pseudonym_key_file: Path | None = Field(
        default=None,
        description=(
            "File holding the national-ID pseudonym (HMAC) key, held apart from the identifier "
            "key; default <home>/keys/pseudonym.key."
        ),
    )
    programme_file: Path | None = Field(
        default=None,
        description="Programme file (TOML: triage rules, worklist days); default: built-in rules.",
    )
    break_glass_minutes: int = Field(
        default=60, ge=1, le=24 * 60, description="How long an emergency access stays open."
    )
    attendance_undo_days: int = Field(
        default=7,
        ge=0,
        le=366,
        description="How many days after recording it a surgical centre may undo an arrival.",
    )
    token_idle_minutes: int = Field(
        default=30, ge=1, description="A sign-in token expires after this much inactivity."
    )
    token_absolute_hours: int = Field(
        default=12, ge=1, description="A sign-in token expires this long after sign-in, always."
    )
    image_max_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Largest accepted eye photo, in bytes."
    )
    image_max_pixels: int = Field(
        default=40_000_000, ge=10_000, description="Largest accepted eye photo, in pixels."
    )
    sqlite_busy_timeout_ms: int = Field(
        default=5000, ge=0, description="How long SQLite waits for a lock before giving up."
    )
    audit_origin: str = Field(
        default="brightline.local/audit",
        # c2sp.org/signed-note key names and checkpoint origins: no spaces, no '+'.
        pattern=r"^[^\s+]+$",
        description=(
            "Name of this installation's audit log: the first line of every checkpoint and the "
            "name of its signing key (e.g. the site's domain followed by /audit)."
        ),
    )
    audit_checkpoint_every: int = Field(
        default=1000, ge=1, description="Sign a new audit checkpoint after this many entries."
    )
    audit_checkpoint_seconds: int = Field(
        default=3600,
        ge=1,
        description="Sign a new audit checkpoint when the last one is this old and entries came.",
    )
    spark_master: str = Field(
        default="local[2]",
        description="Spark master for --engine spark: local[N] on one machine, spark://host:7077 "
        "for a cluster reading the snapshot from shared storage.",
    )
    audit_signing_key_file: Path | None = Field(
        default=None,
        description=(
            "File holding the audit log's Ed25519 checkpoint signing key; "
            "default <home>/keys/audit-signing.key."
        ),
    )

    snapshot_refresh_minutes: int = Field(
        default=0,
        ge=0,
        le=7 * 24 * 60,
        description=(
            "Take a new analytics snapshot in the server when the latest is this many minutes "
            "old (0: only when asked, from the dashboard or with 'brightline snapshot')."
        ),
    )
    public_base_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s/]+(/[^\s]*)?$",
        description=(
            "The address patients reach this installation at (e.g. https://eyes.example.org): "
            "the referral slip prints the access report's full address and its QR code."
        ),
    )

    argon2_profile: Argon2Profile = Field(
        default="rfc9106-low-memory",
        description=(
            "argon2id parameters for new password hashes: rfc9106-low-memory (RFC 9106 "
            "§4, t=3, m=64 MiB, p=4). 'test' is argon2's cheapest profile, for test suites "
            "only: never use it where real passwords are stored."
        ),
    )
    privacy_budget_per_year: float = Field(
        default=2.0,
        gt=0,
        le=20,
        description=(
            "Total ε of differential privacy that public releases may spend on each calendar "
            "year of data (the ledger refuses a release that would exceed it)."
        ),
    )
    identified_export_hours: int = Field(
        default=72,
        ge=1,
        le=24 * 30,
        description="An approved identified export must be produced within this many hours.",
    )
    research_k_anonymity: int = Field(
        default=5,
        ge=2,
        description="Every research-export record shares its age band, sex and county with "
        "at least this many people (k-anonymity); others are generalised or suppressed.",
    )
    research_min_county_people: int = Field(
        default=20,
        ge=1,
        description="A county with fewer people than this in a research export is merged "
        "into '(other)'.",
    )
    dhis2_token: SecretStr | None = Field(
        default=None,
        description="DHIS2 personal access token for 'brightline export dhis2 --push' "
        "(sent as 'Authorization: ApiToken …'); takes precedence over username and password.",
    )
    dhis2_username: str | None = Field(
        default=None, description="DHIS2 username for --push with basic authentication."
    )
    dhis2_password: SecretStr | None = Field(
        default=None, description="DHIS2 password for --push with basic authentication."
    )
    offline_warn_days: int = Field(
        default=7,
        ge=1,
        le=365,
        description=(
            "The offline screener app warns loudly when its device has not sent its records "
            "to the server for this many days."
        ),
    )
    fhir_export_expiry_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 30,
        description="The files of an asynchronous FHIR $export are removed this many hours "
        "after the export is done.",
    )

    @field_validator("database_url")
    @classmethod
    def _empty_is_default(cls, value: str | None) -> str | None:
        return value or None

    @property
    def resolved_database_url(self) -> str:
        """The database URL in force: the configured one or the SQLite file under ``home``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'brightline.db').resolve()}"

    @property
    def keys_dir(self) -> Path:
        """Directory holding the secret keys (created 0700 by ``brightline init``)."""
        return self.home / "keys"

    @property
    def resolved_key_file(self) -> Path:
        """File holding the identifier encryption key."""
        return self.key_file or self.keys_dir / "identifiers.key"

    @property
    def resolved_pseudonym_key_file(self) -> Path:
        """File holding the national-ID pseudonym key."""
        return self.pseudonym_key_file or self.keys_dir / "pseudonym.key"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (e.g. from CLI flags) on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
