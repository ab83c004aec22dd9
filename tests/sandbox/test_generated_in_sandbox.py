"""All 20 generated combinations (4 service types x 5 vendors) pass their own tests in the
sandbox. Two workspaces, each with its warm container, take the combinations in turn: the
project folder is rewritten for each one and the container is reset between runs."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle
from pathlib import Path

import pytest

from service_creator.domain.config import Settings
from service_creator.domain.reports import TestReport
from service_creator.domain.requirements import (
    FEATURES_BY_SERVICE_TYPE,
    SERVICE_TYPES,
    VENDORS,
    Requirements,
)
from service_creator.sandbox.runs import close_warm, run_in_sandbox

generator = pytest.importorskip("service_creator.generation.offline.generator")

pytestmark = [pytest.mark.docker, pytest.mark.slow]
SLOTS = 2
COMBINATIONS = [(kind, vendor) for kind in SERVICE_TYPES for vendor in VENDORS]


def requirements_for(index: int, service_type: str, vendor: str) -> Requirements:
    pricing = ("monthly", "hourly", "usage_based", "tiered")
    features = FEATURES_BY_SERVICE_TYPE[service_type]
    return Requirements(
        service_type=service_type,
        service_name=f"{service_type.lower()}-{vendor.lower().replace(' ', '-')}",
        vendors=[vendor],
        features=list(features[: 2 + index % 2]),
        pricing_model=pricing[index % len(pricing)],
        vendor_api="REST",
        auth_methods=["api_key"],
        logging=["json"],
        deployment="docker_compose",
    )


def write_generated(folder: Path, requirements: Requirements) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    for generated in generator.render_project(requirements):
        path = folder / generated.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(generated.content)


def run_slot(
    folder: Path, jobs: list[tuple[int, str, str]], settings: Settings
) -> dict[str, TestReport]:
    reports = {}
    for index, service_type, vendor in jobs:
        write_generated(folder, requirements_for(index, service_type, vendor))
        reports[f"{service_type}/{vendor}"] = run_in_sandbox(folder, settings, warm=True)
    return reports


def test_every_generated_combination_passes_in_the_sandbox(
    sandbox_image: str, sandbox_settings: Settings, tmp_path: Path
) -> None:
    jobs = [(i, kind, vendor) for i, (kind, vendor) in enumerate(COMBINATIONS)]
    slots: list[list[tuple[int, str, str]]] = [[] for _ in range(SLOTS)]
    for slot, job in zip(cycle(range(SLOTS)), jobs, strict=False):
        slots[slot].append(job)
    try:
        with ThreadPoolExecutor(max_workers=SLOTS) as pool:
            futures = [
                pool.submit(run_slot, tmp_path / f"slot{n}", slot, sandbox_settings)
                for n, slot in enumerate(slots)
            ]
            reports = {name: r for f in futures for name, r in f.result().items()}
    finally:
        close_warm()

    assert len(reports) == 20
    failed = {
        name: f"{r.outcome}: {r.message}\n{r.output[-3000:]}"
        for name, r in reports.items()
        if r.outcome != "passed"
    }
    assert not failed, "\n\n".join(f"== {name}\n{text}" for name, text in failed.items())
    assert all(r.passed > 0 and r.failed == r.errors == 0 for r in reports.values())
