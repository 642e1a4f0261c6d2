"""The flow's own words, so that tests follow the flow file instead of copying its
texts: a fixed text, a question's prompt, the opening of an outcome's advice. Each
takes the flow (default: the real one from flows/, read once)."""
from __future__ import annotations

from functools import cache

from handler.core.flow import Flow
from handler.infra.flow_files import load_flows


@cache
def the_flow() -> Flow:
    return load_flows()["muscle-spasms"]


def text(key: str, lang: str = "en", flow: Flow | None = None) -> str:
    """One of the flow's fixed texts (opening, help, expired...)."""
    return (flow or the_flow()).text(key, lang)


def question_prompt(node_id: str, lang: str = "en", flow: Flow | None = None) -> str:
    return (flow or the_flow()).nodes[node_id].text[lang]


def advice_opening(node_id: str, lang: str = "en", flow: Flow | None = None) -> str:
    """The first block of an outcome's advice: what tells a patient which advice they got."""
    flow = flow or the_flow()
    first = flow.nodes[node_id].parts[0]
    return first.text[lang] if first.text is not None else flow.text(first.include or "", lang)


def emergency_openings(flow: Flow | None = None, lang: str = "en") -> set[str]:
    """How every emergency outcome's advice begins: a reply that begins so is emergency advice."""
    flow = flow or the_flow()
    return {advice_opening(node_id, lang, flow) for node_id, node in flow.nodes.items()
            if node.type == "outcome" and node.disposition == "emergency"}
