"""Campaigns: marketing sends to a segment, with A/B variants and a control group.

A campaign names a segment, one or more variants (each a template purpose with a weight),
the share of members held back as a control group, a send rate, an optional repeat
interval, and the conversion event its results count. Each run assigns every member of
the segment at that moment to a variant or to the control group (deterministically: a
hash of campaign and customer, so a customer stays in the same group run after run) and
sends through the messaging service at the configured rate, as bulk-lane jobs that never
delay transactional messages. Sends are idempotent per run and customer, so a crashed
batch that runs again sends nothing twice. Results per variant: recipients, messages
delivered, opened, and conversions (the goal event within the window after the send, or
after assignment for the control group).
"""
