"""The patient's page in the API: who accessed my record, when and why."""

from __future__ import annotations

from fastapi import APIRouter, Request

from brightline.access.patient import patient_access_report, wrong_code_or_pin
from brightline.api.deps import SiteDep, client_address
from brightline.api.openapi_errors import THROTTLED
from brightline.api.schemas import AccessLinePublic, PatientAccessRequest

router = APIRouter(prefix="/patient", tags=["patients"], responses=THROTTLED)


@router.post("/access-report", response_model=list[AccessLinePublic])
def access_report(
    body: PatientAccessRequest, site: SiteDep, request: Request
) -> list[AccessLinePublic]:
    """With the referral code and PIN from the slip: every access to your record.

    Shows dates, purposes and staff roles (never names), emergency accesses marked, and for
    each a Merkle inclusion proof that anyone can check against the published checkpoint.
    Wrong attempts are limited per referral code and per client.
    """
    with site.transaction() as session:
        lines = patient_access_report(
            session,
            site.keys,
            body.referral_code,
            body.pin,
            client=client_address(request),
            now=site.now(),
        )
        result = None if lines is None else [AccessLinePublic(**line.as_json()) for line in lines]
    if result is None:
        raise wrong_code_or_pin()
    return result
