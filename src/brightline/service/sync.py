"""Offline sync receipts: the stored answer to each applied record, so a re-send changes nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from brightline.store.models import SyncReceipt


def receipt_for(session: Session, client_uuid: str) -> SyncReceipt | None:
    """The receipt of an offline record already applied, if any."""
    return session.get(SyncReceipt, client_uuid)


def keep_receipt(
    session: Session, client_uuid: str, *, user_id: int, kind: str, result: str, now: datetime
) -> None:
    """Store the answer given to one applied offline record (JSON, ids only)."""
    session.add(
        SyncReceipt(
            client_uuid=client_uuid, user_id=user_id, kind=kind, result=result, received_at=now
        )
    )
