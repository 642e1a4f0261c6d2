"""The shapes of Twilio's ids (SIDs): two letters for the kind of thing, then 32 hex
digits. A webhook whose ids do not have their shape was not sent by Twilio as it is:
its signature joins names and values with no separator, so characters can be moved
from a value into a name (MessageSid=SM... becomes MessageSi=dSM...) and it still holds."""
from __future__ import annotations

import re

ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
MESSAGE_SID = re.compile(r"(SM|MM)[0-9a-fA-F]{32}")     # an SMS, or an MMS
CALL_SID = re.compile(r"CA[0-9a-fA-F]{32}")
