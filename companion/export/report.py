"""``report.html`` of the bundle: one printable A4 page set in Chinese, for a dispute desk, a
regulator or a court: the chart, the findings with before/after screenshots, the evidence table,
how to verify, and what this evidence does and does not prove. Rendered by Jinja with autoescape
and the ``t`` filter (``text.html``) on page-derived text; no script, no remote resource.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2

from companion import __version__
from companion.analysis.incidents import group as group_incidents
from companion.campaigns.charts import WIDE, ChartPoint, downsample, progress_percent, render_svg
from companion.campaigns.formatting import figures, fmt_time, type_names
from companion.complaints.case import CaseFacts, facts_paragraph
from companion.core.timeutil import parse_rfc3339_or_none
from companion.core.vocab import FINDING_TYPE_ZH, SEVERITY_ZH
from companion.evidence.environment import CLOCK_FLAG_ZH
from companion.export.proofs import Proofs
from companion.export.text import html

PRINT_POINTS = 400
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
_ENV.filters["t"] = html


def chart(readings: list[dict[str, Any]], findings: list[dict[str, Any]], files: dict[str, str]):
    points = []
    for r in readings:
        t = parse_rfc3339_or_none(r.get("taken_at"))
        if t is None:
            continue
        helpers = r.get("helper_count")
        if helpers is None and r.get("helpers") is not None:
            helpers = len(r["helpers"])
        prog = progress_percent(
            r.get("cut_amount"), r.get("remaining_amount"), r.get("cut_percent"), r.get("remaining_percent"),
            r.get("target_price"),
        )  # fmt: skip
        label = " · ".join([fmt_time(r["taken_at"]), *figures(r, "helper_count")])
        points.append(ChartPoint(r["capture_id"], t, prog, helpers, label))
    cited = [i for f in findings for i in (f.get("before_capture_id"), f.get("after_capture_id")) if i]
    drawn = downsample(points, PRINT_POINTS, cited)
    return render_svg(
        drawn,
        findings,
        href=lambda cid: files.get(cid, "#"),
        finding_href=lambda i: f"#incident-{findings[i].get('incident_id', i)}",
        total=len(points),
        layout=WIDE,
    )


def render_report(
    campaign: dict[str, Any],
    case: CaseFacts,
    captures: list[dict[str, Any]],
    readings: list[dict[str, Any]],
    findings: list[dict[str, Any]],
    proofs: Proofs,
    files: dict[str, str],
    exported_at: str,
    folder: str,
) -> Iterator[str]:
    """The report's HTML in pieces (Jinja's ``generate``): the bundle writes each piece as it comes,
    so 10,000 rows never sit in memory as one string."""
    grouped = group_incidents(findings)  # people see incidents; each lists the findings it groups
    stamped = [cp for cp in proofs.checkpoints if cp["tokens"]]
    tsas = sorted({t["tsa_name"] or t["tsa_url"] for cp in stamped for t in cp["tokens"]})
    return _ENV.get_template("report.html").generate(
        campaign=campaign,
        case_text=facts_paragraph(case),
        captures=captures,
        findings=findings,
        incidents=grouped,
        chart=chart(readings, grouped, files),
        files=files,
        trusted_at=proofs.trusted_at,
        covered=sum(1 for c in captures if c["id"] in proofs.trusted_at),
        tsas=tsas,
        exported_at=exported_at,
        version=__version__,
        folder=folder,
        fmt_time=fmt_time,
        type_names=type_names,
        SEVERITY_ZH=SEVERITY_ZH,
        TYPE_ZH=FINDING_TYPE_ZH,
        FLAG_ZH=CLOCK_FLAG_ZH,
    )
