from firstmile.eventlog.catalogue import declare

TOKEN_CREATED = declare(
    "token.created",
    "An API token was issued.",
    subject="api_token",
    payload={"name": "label of the token", "scopes": "scopes granted"},
)
TOKEN_REVOKED = declare("token.revoked", "An API token was revoked.", subject="api_token")
