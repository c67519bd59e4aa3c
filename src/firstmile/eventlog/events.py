from firstmile.eventlog.catalogue import declare

METER_READING_RECEIVED = declare(
    "meter.reading_received",
    "A meter data management system reported a meter reading.",
    subject="supply_point",
    payload={"reading_kwh": "the register value", "read_at": "when the meter was read"},
    external=True,
)
PORTAL_FIRST_LOGIN = declare(
    "portal.first_login",
    "The customer logged in to the self-service portal for the first time.",
    subject="customer",
    external=True,
)
CRM_CONTACT_LOGGED = declare(
    "crm.contact_logged",
    "An external CRM logged a contact with the customer (call, visit, chat).",
    subject="customer",
    payload={"channel": "how the customer got in touch", "reason": "free text"},
    external=True,
)
