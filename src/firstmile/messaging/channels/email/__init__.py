"""Email adapters."""
