"""Business rules: plain values in, domain errors out; no request, no flash, no commit."""
