from firstmile.eventlog.catalogue import declare

TOKEN_CREATED = declare(
    "token.created",
    "An API token was issued.",
    subject="api_token",
    payload={"name": "label of the token", "scopes": "scopes granted"},
)
TOKEN_REVOKED = declare("token.revoked", "An API token was revoked.", subject="api_token")
STAFF_CREATED = declare(
    "staff.created",
    "A back-office user was created.",
    subject="staff_user",
    payload={"role": "agent, supervisor or admin"},
)
STAFF_LOGGED_IN = declare(
    "staff.logged_in",
    "A back-office user signed in with password and second factor.",
    subject="staff_user",
)
STAFF_LOGIN_FAILED = declare(
    "staff.login_failed",
    "A back-office sign-in failed (wrong password or code, or the user is disabled or "
    "locked); repeated wrong passwords or codes lock the user.",
    subject="staff_user",
    payload={
        "step": "password, totp, disabled or locked",
        "locked": "whether the user is now locked",
    },
)
STAFF_DEACTIVATED = declare(
    "staff.deactivated",
    "A back-office user was deactivated by an admin; their open sessions ended.",
    subject="staff_user",
)
