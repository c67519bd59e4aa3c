"""The in-app inbox adapter (the portal shows the inbox)."""
