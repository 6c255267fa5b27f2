"""An instance size (OCPUs and memory): how it is typed, kept and shown, in one place."""

from __future__ import annotations

import re
from dataclasses import dataclass

# OCPUS:GB, as --size and SIZES take it.
_SPEC = re.compile(r"^\s*([0-9]+)\s*:\s*([0-9]+(?:\.[0-9]+)?)\s*$")


@dataclass(frozen=True)
class Size:
    ocpus: int
    memory_gbs: int | float

    def __str__(self) -> str:
        """How a size is shown to a person: "1 OCPU / 6 GB", "2 OCPUs / 12 GB"."""
        return f"{self.ocpus} OCPU{'' if self.ocpus == 1 else 's'} / {self.memory_gbs:g} GB"

    @property
    def spec(self) -> str:
        """As it is typed (--size, SIZES: OCPUS:GB), and so kept in the journal and plan file names."""
        return f"{self.ocpus}:{self.memory_gbs:g}"

    @classmethod
    def from_spec(cls, text: str) -> Size | None:
        """From its typed form (OCPUS:GB); None if the text is not one."""
        match = _SPEC.match(text)
        return cls(int(match.group(1)), plain_number(float(match.group(2)))) if match else None

    @classmethod
    def of(cls, ocpus: float, memory_gbs: float) -> Size:
        """From numbers as Terraform or OCI report them (12.0 -> 12)."""
        return cls(int(ocpus), plain_number(float(memory_gbs)))


def plain_number(value: float) -> int | float:
    """12.0 -> 12, so equal settings always render the same text."""
    return int(value) if value.is_integer() else value
