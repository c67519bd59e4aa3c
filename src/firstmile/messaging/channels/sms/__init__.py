"""SMS adapters."""
