"""A form definition read into frozen dataclasses: the `Form` other apps receive from
`services.form_for`, its groups, fields and parties (see README.md for the format)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# Field types a person can fill; no file uploads (files are dossier components).
FIELD_TYPES = (
    "text",
    "textarea",
    "date",
    "integer",
    "number",
    "boolean",
    "choice",
    "email",
    "phone",
    "personal_id",
    "commune_code",
)
# Subjects reachable from the person the form is filled for, and the attribute of the
# population.person.family service that names them.
RELATION_SERVICE = "population.person.family"
RELATIONS = {"spouse": "spouse_id", "father": "father_id", "mother": "mother_id"}
RELATION_LABELS = {
    "self": "người được khai",
    "spouse": "vợ/chồng",
    "father": "cha",
    "mother": "mẹ",
}


@dataclass(frozen=True)
class Party:
    """Another person who must confirm the dossier (e.g. the other party of a marriage)."""

    role: str
    personal_id_path: str
    label: str
    label_en: str = ""


@dataclass(frozen=True)
class GroupSpec:
    key: str
    label: str
    spec: dict[str, Any]

    @property
    def repeated(self) -> bool:
        return "repeat" in self.spec

    @property
    def min_items(self) -> int:
        return int(self.spec.get("repeat", {}).get("min", 0))

    @property
    def max_items(self) -> int:
        return int(self.spec.get("repeat", {}).get("max", 1))

    @property
    def show_if(self) -> dict[str, Any] | None:
        return self.spec.get("show_if")

    def fields(self) -> Iterator[FieldSpec]:
        for raw in self.spec["fields"]:
            yield FieldSpec(group=self, key=raw["key"], spec=raw)


@dataclass(frozen=True)
class FieldSpec:
    """One field with its path: `group.field`, or `group[].field` inside a repeatable group."""

    group: GroupSpec
    key: str
    spec: dict[str, Any]

    @property
    def path(self) -> str:
        return f"{self.group.key}{'[]' if self.group.repeated else ''}.{self.key}"

    @property
    def type(self) -> str:
        return str(self.spec["type"])

    @property
    def label(self) -> str:
        return str(self.spec["label"])

    @property
    def required(self) -> bool:
        return bool(self.spec.get("required", False))

    @property
    def prefill(self) -> dict[str, str] | None:
        return self.spec.get("prefill")

    @property
    def read_only(self) -> bool:
        return bool(self.spec.get("read_only", False)) and self.prefill is not None

    @property
    def show_if(self) -> dict[str, Any] | None:
        return self.spec.get("show_if")

    @property
    def choices(self) -> list[str]:
        return [c["value"] for c in self.spec.get("choices", [])]

    @property
    def typed(self) -> bool:
        """A field the person types (not a registry-authoritative read-only value)."""
        return not self.read_only


@dataclass(frozen=True)
class Form:
    """The electronic form (biểu mẫu điện tử) of one version of a procedure."""

    procedure_code: str
    procedure_version: int
    definition: dict[str, Any]
    content_hash: str = ""
    parties: tuple[Party, ...] = ()
    _index: dict[str, FieldSpec] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not self.parties and self.definition.get("parties"):
            parties = tuple(
                Party(p["role"], p["personal_id_path"], p["label"], p.get("label_en", ""))
                for p in self.definition["parties"]
            )
            object.__setattr__(self, "parties", parties)
        self._index.update({f.path: f for f in self.fields()})

    @property
    def title(self) -> str:
        return str(self.definition.get("title", ""))

    def groups(self) -> Iterator[GroupSpec]:
        for raw in self.definition.get("groups", []):
            yield GroupSpec(key=raw["key"], label=raw["label"], spec=raw)

    def group(self, key: str) -> GroupSpec | None:
        return next((g for g in self.groups() if g.key == key), None)

    def fields(self) -> Iterator[FieldSpec]:
        """Every field spec, in order, with its path."""
        for group in self.groups():
            yield from group.fields()

    def field(self, path: str) -> FieldSpec | None:
        return self._index.get(path)

    def prefilled_fields(self) -> list[FieldSpec]:
        return [f for f in self.fields() if f.prefill is not None]

    def services(self) -> set[str]:
        """The exchange data services prefilling this form needs (relations included)."""
        needed = {f.prefill["service"] for f in self.prefilled_fields() if f.prefill}
        if any(f.prefill and f.prefill["subject"] in RELATIONS for f in self.prefilled_fields()):
            needed.add(RELATION_SERVICE)
        return needed

    @property
    def purpose(self) -> str:
        return f"thu-tuc:{self.procedure_code}"
