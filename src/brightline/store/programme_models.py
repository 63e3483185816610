"""Storage model of the programme's settings as an admin changes them: one row per version.

Append-only (the database refuses UPDATE and DELETE, migration 0019): every earlier version
stays with who changed it, when and why. It shares ``Base.metadata`` with the other models.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from brightline.store.models import Base


class ProgrammeSettingVersion(Base):
    """One version of the programme's operational settings (version 1, 2 …; 0 is the file)."""

    __tablename__ = "programme_setting_versions"

    # Numbered by the change itself (latest + 1): two changes made from the same version
    # collide on the key, and the second is refused as stale.
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    setting_values: Mapped[str] = mapped_column(Text)  # JSON, keys sorted
    changed_by: Mapped[str] = mapped_column(String(32))  # staff pseudonym, never a username
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(Text)
