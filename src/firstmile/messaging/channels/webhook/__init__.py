"""The webhook adapter: the operator's own system delivers (e.g. its app backend's push)."""
