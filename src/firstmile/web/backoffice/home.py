"""The back office's start page: how much waits in each work queue, with links to them."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from firstmile.appointments import service as appointments_service
from firstmile.kit.http import Db
from firstmile.kit.time import utcnow
from firstmile.kyc import service as kyc_service
from firstmile.provisioning import service as provisioning_service
from firstmile.web.backoffice.common import local_midnight, operator_time_zone, page
from firstmile.web.pages import AgentUser, PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/backoffice", response_class=HTMLResponse)
def home(request: Request, db: Db, staff: AgentUser) -> HTMLResponse:
    tz = operator_time_zone(db)
    today = utcnow().astimezone(ZoneInfo(tz)).date()
    start = local_midnight(today, tz)
    end = local_midnight(today + timedelta(days=1), tz)
    counts = {
        "kyc": kyc_service.queue_size(db),
        "fallout": provisioning_service.fallout_count(db),
        "appointments": appointments_service.bookings_count(db, since=start, until=end),
    }
    return page(request, db, "backoffice/home.html", {"counts": counts, "today": today})
