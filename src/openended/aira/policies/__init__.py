"""Search policies: Greedy (AIDE), MCTS and Evolutionary (aira-dojo)."""

from openended.aira.policies.base import Action, SearchPolicy
from openended.aira.policies.evolutionary import Evolutionary
from openended.aira.policies.greedy import Greedy
from openended.aira.policies.mcts import MCTS

POLICIES = ("greedy", "mcts", "evolutionary")

__all__ = ["MCTS", "POLICIES", "Action", "Evolutionary", "Greedy", "SearchPolicy"]
