"""Mesa agent classes, one module per kind of actor.

An agent object is the identity, the decisions and a readable view onto its rows of the model's
state arrays; the numbers that change every step live in those arrays (DESIGN.md section 5).
"""

from agents.operator import InfrastructureOperator
from agents.population import PopulationGroup
from agents.sector import SectorAgent

__all__ = ["InfrastructureOperator", "PopulationGroup", "SectorAgent"]
