"""Segments: customers who meet a condition, kept up to date as events arrive.

A pack's `segments.yaml` defines each segment by a condition in the expression language
(firstmile.kit.expressions) over the customer (`customer`: attributes and accounts), the
time (`now`) and counts of the customer's events (`count(type)`, `count(type, window)`).
Every event of a customer queues one re-evaluation of that customer; a windowed count also
schedules one for the moment an event leaves its window, so "activated in the last 7
days" ends on time without any nightly rebuild. A full recount runs on demand. Entering
and leaving a segment are events (segment.entered, segment.left) that journeys trigger on.
"""
