"""Gather one campaign's bundle from the archive and write it: shared by the download routes and
``bargain-witness export`` (no request needed)."""

from __future__ import annotations

from typing import Any, BinaryIO

import sqlite_utils

from companion.campaigns.queries import campaign_readings, campaign_timeline
from companion.complaints.case import case_facts
from companion.core.config import tsa_settings
from companion.core.services import Services
from companion.export.bundle import Progress, write_bundle
from companion.export.proofs import collect


def write_campaign_bundle(
    db: sqlite_utils.Database,
    svc: Services,
    campaign: dict[str, Any],
    out: BinaryIO,
    progress: Progress | None = None,
) -> None:
    captures = campaign_timeline(db, campaign["id"])  # the full rows come with proofs.records
    readings = campaign_readings(db, campaign["id"])
    findings = svc.analysis.findings(db, campaign["id"])
    case = case_facts(campaign, readings, captures, findings)
    proofs = collect(db, campaign["id"], tsa_settings(svc.user_config, svc.data_dir))
    write_bundle(
        out,
        campaign,
        captures,
        readings,
        findings,
        case,
        svc.blobs,
        proofs,
        progress,
        comm_root=svc.data_dir.communications,
        extras=[item for extra in svc.bundle_extras for item in extra(db, campaign["id"])],
    )
