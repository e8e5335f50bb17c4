"""Contract types of our own for import-linter (`.importlinter`, run by `make lint`).

import-linter's `layers` contract checks only the packages it lists: an app left out of the
list (dropped by mistake, or new and never added) could import from any layer unnoticed.
`complete_layers` is that same contract, which first fails when a root package is in no layer.
"""

from __future__ import annotations

from typing import Any

import grimp
from importlinter.application import output
from importlinter.contracts.layers import LayersContract
from importlinter.domain.contract import ContractCheck


class CompleteLayersContract(LayersContract):
    type_name = "complete_layers"

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        roots: Any = self.session_options["root_packages"]
        roots = roots.split() if isinstance(roots, str) else roots
        layered = {tail.name for layer in self.layers for tail in layer.module_tails}  # type: ignore[attr-defined]
        unlayered = sorted(set(roots) - layered)
        if unlayered:
            return ContractCheck(kept=False, warnings=[], metadata={"unlayered": unlayered})
        return super().check(graph, verbose)

    def render_broken_contract(self, check: ContractCheck) -> None:
        unlayered = check.metadata.get("unlayered")
        if not unlayered:
            super().render_broken_contract(check)
            return
        for package in unlayered:
            output.print_error(
                f"{package} is in no layer: every root package must have its place in `layers`."
            )
            output.new_line()
