"""The read-only Flow the engine works from, and the ranking of dispositions.
Pure: reading flow files from disk is handler.infra.flow_files."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from handler.core.emergency_scan import EmergencyScanner


# Lowest first: a conversation ends in the highest disposition of its findings.
DISPOSITIONS = ("self_care", "routine", "urgent", "emergency")
RANK = {name: rank for rank, name in enumerate(DISPOSITIONS)}


class FlowError(Exception):
    """A flow file that cannot be used: unreadable, not JSON, or not the schema's shape."""


def highest(dispositions) -> str | None:
    ranked = [d for d in dispositions if d is not None]
    return max(ranked, key=RANK.__getitem__) if ranked else None


@dataclass(frozen=True)
class Flow:
    data: Mapping
    dispositions: Mapping[str, str | None]
    source: str = ""
    _scanners: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def version(self) -> str:
        return self.data["version"]

    @property
    def nodes(self) -> Mapping[str, Mapping]:
        return self.data["nodes"]

    @property
    def languages(self) -> list[str]:
        return self.data["languages"]

    def text(self, key: str, lang: str) -> str:
        return self.data["texts"][key][lang]

    def words(self, section: str, name: str, lang: str) -> list[str]:
        return list(self.data.get(section, {}).get(name, {}).get(lang, []))

    @cached_property
    def checks_by_concept(self) -> dict[str, Mapping]:
        return {check["concept"]: check for check in self.data["emergency_checks"]}

    def scanner(self, lang: str) -> EmergencyScanner:
        if lang not in self._scanners:
            self._scanners[lang] = EmergencyScanner(self.data, lang)
        return self._scanners[lang]

    def disposition_of(self, findings) -> str | None:
        return highest(self.dispositions.get(code) for code in findings)
