"""Triage Line: an SMS and voice triage line for muscle spasms and leg cramps."""
