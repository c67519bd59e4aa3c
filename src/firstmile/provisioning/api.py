"""Services, service orders, self-activation, eSIM codes, technician visits, fallout, devices."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from firstmile.kit.errors import InvalidInput, NotFound
from firstmile.kit.http import AdminActor, AgentActor, AnyActor, Db, IntegrationActor, TxRoute
from firstmile.kit.i18n import is_rtl, is_supported, pick
from firstmile.provisioning import service as provisioning_service
from firstmile.provisioning.adapters import simulator, tmf641_listener
from firstmile.provisioning.adapters.tmf641_listener import (
    ListenerResult,
    ServiceOrderNotification,
)
from firstmile.provisioning.models import DeviceGuide, FalloutStatus
from firstmile.provisioning.schemas import (
    DeviceGuideRead,
    DeviceStepRead,
    DeviceSummaryRead,
    EsimCodeRead,
    FalloutAssign,
    FalloutCancel,
    FalloutCaseRead,
    SelfActivationCreate,
    ServiceOrderRead,
    ServiceRead,
    SimCarrierRead,
    SlotRead,
    TechnicianAppointmentCreate,
    TechnicianAppointmentRead,
)

router = APIRouter(prefix="/api", tags=["provisioning"], route_class=TxRoute)
NO_STORE = {"Cache-Control": "no-store"}
Id = Annotated[str, Query(min_length=1, max_length=36)]


@router.get("/services", response_model=list[ServiceRead])
def list_services(
    db: Db, _actor: AnyActor, customer_id: Id | None = None, order_id: Id | None = None
) -> list[ServiceRead]:
    """A customer's (or an order's) service instances."""
    found = provisioning_service.services(db, customer_id=customer_id, order_id=order_id)
    return [ServiceRead.model_validate(s) for s in found]


@router.get("/services/{service_id}", response_model=ServiceRead)
def read_service(service_id: str, db: Db, _actor: AnyActor) -> ServiceRead:
    return ServiceRead.model_validate(provisioning_service.service(db, service_id))


@router.get("/service-orders", response_model=list[ServiceOrderRead])
def list_service_orders(order_id: Id, db: Db, _actor: AnyActor) -> list[ServiceOrderRead]:
    """The technical service orders an order decomposed into, with their progress."""
    return [
        ServiceOrderRead.model_validate(so)
        for so in provisioning_service.service_orders(db, order_id)
    ]


@router.post("/services/{service_id}/self-activation", response_model=ServiceRead)
def self_activation(
    service_id: str, body: SelfActivationCreate, db: Db, actor: AnyActor
) -> ServiceRead:
    """Activate a physical SIM with the code printed on its carrier (attempts are limited)."""
    service = provisioning_service.self_activate(
        db, service_id, activation_code=body.activation_code, actor=actor
    )
    return ServiceRead.model_validate(service)


@router.get("/services/{service_id}/esim", response_model=EsimCodeRead)
def esim_code(service_id: str, db: Db, actor: AnyActor, response: Response) -> EsimCodeRead:
    """The eSIM activation code (GSMA SGP.22 `LPA:1$<SM-DP+>$<matching id>`)."""
    code = provisioning_service.esim_activation_code(db, service_id, actor=actor)
    response.headers.update(NO_STORE)
    return EsimCodeRead(service_id=service_id, activation_code=code)


@router.get(
    "/services/{service_id}/esim.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "QR code of the LPA string"}},
)
def esim_qr(service_id: str, db: Db, actor: AnyActor) -> Response:
    code = provisioning_service.esim_activation_code(db, service_id, actor=actor, fmt="png")
    return Response(provisioning_service.qr_png(code), media_type="image/png", headers=NO_STORE)


@router.get("/services/{service_id}/technician-slots", response_model=list[SlotRead])
def technician_slots(
    service_id: str,
    db: Db,
    _actor: AnyActor,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[SlotRead]:
    """Free technician slots in the area of the customer's service address."""
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput("must include a time zone offset", field=name)
    slots = provisioning_service.technician_slots(db, service_id, since=since, until=until)
    return [SlotRead.model_validate(s) for s in slots]


@router.post(
    "/services/{service_id}/technician-appointment",
    response_model=TechnicianAppointmentRead,
    status_code=201,
)
def technician_appointment(
    service_id: str, body: TechnicianAppointmentCreate, db: Db, actor: AnyActor
) -> TechnicianAppointmentRead:
    """Book an installation visit; reschedule or cancel it through the appointments API."""
    booking = provisioning_service.book_technician(
        db, service_id, slot_id=body.slot_id, actor=actor
    )
    return TechnicianAppointmentRead(service_id=service_id, booking_id=str(booking.id))


@router.get("/fallout", response_model=list[FalloutCaseRead])
def fallout_queue(
    db: Db,
    _actor: AgentActor,
    status: FalloutStatus | None = FalloutStatus.OPEN,
    assignee: Annotated[str | None, Query(max_length=120)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[FalloutCaseRead]:
    """Service orders that need an agent (open cases first in, first out)."""
    cases = provisioning_service.fallout_queue(
        db, status=status, assignee=assignee, limit=limit, offset=offset
    )
    return [FalloutCaseRead.model_validate(c) for c in cases]


@router.get("/fallout/{case_id}", response_model=FalloutCaseRead)
def read_fallout(case_id: str, db: Db, _actor: AgentActor) -> FalloutCaseRead:
    return FalloutCaseRead.model_validate(provisioning_service.fallout_case(db, case_id))


@router.post("/fallout/{case_id}/retry", response_model=FalloutCaseRead)
def retry_fallout(case_id: str, db: Db, actor: AgentActor) -> FalloutCaseRead:
    return FalloutCaseRead.model_validate(
        provisioning_service.retry_fallout(db, case_id, actor=actor)
    )


@router.post("/fallout/{case_id}/cancel", response_model=FalloutCaseRead)
def cancel_fallout(case_id: str, body: FalloutCancel, db: Db, actor: AgentActor) -> FalloutCaseRead:
    case = provisioning_service.cancel_fallout(db, case_id, reason=body.reason, actor=actor)
    return FalloutCaseRead.model_validate(case)


@router.post("/fallout/{case_id}/assignment", response_model=FalloutCaseRead)
def assign_fallout(case_id: str, body: FalloutAssign, db: Db, actor: AgentActor) -> FalloutCaseRead:
    case = provisioning_service.assign_fallout(db, case_id, assignee=body.assignee, actor=actor)
    return FalloutCaseRead.model_validate(case)


LISTENER_STATUS = {"recorded": 201, "repeated": 200, "ignored": 202}


@router.post(
    "/tmf641/listener/serviceOrderStateChangeEvent",
    response_model=ListenerResult,
    status_code=201,
    responses={
        200: {"model": ListenerResult, "description": "This eventId was already recorded"},
        202: {"model": ListenerResult, "description": "Accepted; the state changes nothing"},
    },
)
@router.post(
    "/tmf641/listener/serviceOrderAttributeValueChangeEvent",
    response_model=ListenerResult,
    status_code=201,
    responses={
        200: {"model": ListenerResult, "description": "This eventId was already recorded"},
        202: {"model": ListenerResult, "description": "Accepted; the state changes nothing"},
    },
)
def tmf641_notification(
    body: ServiceOrderNotification, db: Db, actor: IntegrationActor, response: Response
) -> ListenerResult:
    """A TMF641 network's notification about a service order (its `externalId` is ours):
    `completed`, `failed` or `rejected` is recorded as a network report, once per eventId;
    other states are accepted and change nothing. Register `{base_url}/api/tmf641` as the
    callback at the network's hub."""
    result = tmf641_listener.receive(db, body, actor=actor.ref)
    response.status_code = LISTENER_STATUS[result.outcome]
    return result


def _locale(locale: str) -> str:
    if not is_supported(locale):
        raise InvalidInput("unsupported locale; use en, ja, cs, sv or ar", field="locale")
    return locale


def _summary(guide: DeviceGuide, locale: str) -> DeviceSummaryRead:
    return DeviceSummaryRead(
        model=guide.model,
        device_kind=guide.device_kind,
        name=pick(guide.name, locale),
        technician=guide.technician,
    )


@router.get("/devices", response_model=list[DeviceSummaryRead])
def list_devices(
    db: Db, _actor: AnyActor, locale: Annotated[str, Query(max_length=10)] = "en"
) -> list[DeviceSummaryRead]:
    """Device models with remote activation instructions, from the operator pack."""
    chosen = _locale(locale)
    return [_summary(g, chosen) for g in provisioning_service.device_guides(db)]


@router.get("/devices/{model}", response_model=DeviceGuideRead)
def read_device(
    model: str,
    db: Db,
    _actor: AnyActor,
    request: Request,
    locale: Annotated[str, Query(max_length=10)] = "en",
) -> DeviceGuideRead:
    """Step-by-step remote activation instructions for one device model, in `locale`."""
    chosen = _locale(locale)
    guide = provisioning_service.device_guide(db, model)
    steps = [
        DeviceStepRead(
            number=n,
            title=pick(step["title"], chosen),
            body=pick(step["body"], chosen),
            tip=pick(step["tip"], chosen) if step.get("tip") else None,
            image=str(request.url_for("device_image", model=model, number=n))
            if step.get("image")
            else None,
        )
        for n, step in enumerate(guide.steps, start=1)
    ]
    return DeviceGuideRead(
        **_summary(guide, chosen).model_dump(),
        locale=chosen,
        direction="rtl" if is_rtl(chosen) else "ltr",
        steps=steps,
    )


@router.get(
    "/devices/{model}/steps/{number}/image",
    name="device_image",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}, "image/png": {}}}},
)
def device_image(model: str, number: int, db: Db, _actor: AnyActor) -> Response:
    """The illustration of one instruction step, from the pack folder."""
    found = provisioning_service.device_step_image(db, model, number)
    if found is None:
        raise NotFound("image of step", f"{model}/{number}")
    content, media_type = found
    return Response(content, media_type=media_type)


@router.get(
    "/provisioning/simulator/sim-carriers",
    response_model=list[SimCarrierRead],
    summary="What the network simulator printed on a service's SIM carrier (demo; admin only)",
)
def simulated_sim_carriers(service_id: Id, db: Db, _actor: AdminActor) -> list[SimCarrierRead]:
    provisioning_service.service(db, service_id)  # 404 for an unknown service
    return [SimCarrierRead.model_validate(c) for c in simulator.printed_carriers(db, service_id)]
