"""Tables of every registry module (one app owns them all; each module keeps its own)."""

from motcua.registries.civil_status.models import CivilEvent
from motcua.registries.enterprise.models import Enterprise, LegalRepresentative
from motcua.registries.generator_models import GeneratorRun, InjectedDefect, QualitySnapshot
from motcua.registries.judicial.models import JudicialRecord
from motcua.registries.land.models import LandCertificate, Parcel
from motcua.registries.population.models import Household, Person
from motcua.registries.social_insurance.models import Participation

__all__ = [
    "CivilEvent",
    "Enterprise",
    "GeneratorRun",
    "Household",
    "InjectedDefect",
    "JudicialRecord",
    "LandCertificate",
    "LegalRepresentative",
    "Parcel",
    "Participation",
    "Person",
    "QualitySnapshot",
]
