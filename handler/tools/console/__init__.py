"""The clinician console: a local web tool served by `triage-line serve` at /console/
(a dev phone on the real webhooks, the flow as a diagram, the sign-off review, the
vignettes). Never part of the Lambda app: see docs/console.md."""
