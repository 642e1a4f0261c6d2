"""The settings the line runs with in the SMS and voice webhook tests: one Twilio
account (its auth token and SID), one hash key, one table. The app is mounted at / behind an API Gateway
stage (/dev), as on Lambda, so signed URLs carry the stage and requests do not."""
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"   # TWILIO_ACCOUNT_SID: the one in Twilio's sample parameter sets
HASH_KEY = "test-phone-hash-key"
ORIGIN = "https://example.test"
STAGE = "/dev"
BASE_URL = ORIGIN + STAGE              # PUBLIC_BASE_URL: what Twilio calls, and signs
TABLE = "triage-sessions-test"
REGION = "us-east-1"
