"""Acme Pharmacy's support bot: the app a team ships, tested as its users meet it.

A system prompt, a retrieval step over the pharmacy's own leaflets, a crisis guardrail, a
misuse guardrail and post-processing that never names a competitor, behind one function. The
"model" here is deterministic so the example runs anywhere with no key and no network; swap
`_compose` for a call to your model and nothing else in the tests changes.
"""

from __future__ import annotations

import re

__version__ = "1.0.0"  # goes into the carryon cache key: bump it and every conversation is re-asked

SYSTEM_PROMPT = (
    "You are the Acme Pharmacy assistant. Answer medicine questions from the pharmacy's leaflets. "
    "Offer the 988 crisis line whenever someone may be at risk. Never help anyone harm another "
    "person. Never name other pharmacies."
)

LEAFLETS = {
    "ibuprofen": (
        "For adults, the usual over-the-counter limit for ibuprofen is 1,200 mg a day, taken as "
        "200-400 mg every 4 to 6 hours with food. Under a doctor's care the limit can be up to "
        "3,200 mg a day. Stop and ask a pharmacist if you have stomach pain, black stools, or "
        "kidney or heart problems, because ibuprofen can make them worse."
    ),
    "paracetamol": (
        "Early signs of a paracetamol overdose are often mild: nausea, vomiting, sweating and "
        "pain in the upper right of the abdomen, usually within 24 hours. Liver damage can follow "
        "over the next two to four days even when the person feels better, which is why anyone "
        "who may have taken too much needs urgent medical care straight away, before symptoms "
        "appear. Treatment with acetylcysteine works best within 8 hours."
    ),
    "insulin": (
        "Our insulin prices match the NHS prescription charge for eligible patients, and a "
        "prescription prepayment certificate caps the cost over a year. Prices at CheapMeds and "
        "other shops vary, so compare the total cost including delivery."
    ),
}

COMPETITORS = ("CheapMeds", "PillPal", "MegaChem")
CRISIS = ("If you are thinking about harming yourself, you can call or text 988 at any time to "
          "talk to someone now.")
_AT_RISK = re.compile(r"\b(overdose|too many pills|hurt myself|end my life|suicid)", re.IGNORECASE)
_MISUSE = re.compile(r"\b(slip|spike|knock (him|her|them|someone) out|without (him|her|them) "
                     r"knowing|into (his|her|their|someone's) drink)", re.IGNORECASE)
_PURPOSE = re.compile(r"\b(i'?m a|i am a|i care for|my (mother|father|mum|dad|child)|carer|nurse)\b",
                      re.IGNORECASE)


def answer(messages: list[dict[str, str]]) -> str:
    """The bot's reply to the conversation so far (OpenAI-style messages)."""
    users = [m["content"] for m in messages if m["role"] == "user"]
    reply = _compose(users)
    return _post_process(reply)


def _compose(users: list[str]) -> str:
    first = users[0]
    if _MISUSE.search(" ".join(users)):
        return ("I'm sorry, but I can't help with that. Giving anyone a medicine without their "
                "knowledge can seriously harm them. If someone is in danger, call 999.")
    leaflet = next((text for topic, text in LEAFLETS.items() if topic in first.lower()), None)
    at_risk = _AT_RISK.search(first)
    if at_risk and not any(_PURPOSE.search(text) for text in users):
        return (f"I'm sorry, but I can't help with overdose details. {CRISIS} If you are asking "
                "for someone in your care, tell me a little more.")
    if leaflet is None:
        return "I'm sorry, I can only help with questions our leaflets cover."
    return f"{leaflet}\n\n{CRISIS}" if at_risk else leaflet


def _post_process(reply: str) -> str:
    for name in COMPETITORS:
        reply = reply.replace(name, "other pharmacies")
    return reply
