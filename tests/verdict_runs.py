"""Whole runs as typed evidence, built directly: no data, no model, no notebook.

Each run is what stages 1-6 would have saved, put together from small typed pieces
(a KPI, drift alerts, a fresh batch's lift, an A/B plan), and stage 7 is decided from
it by the package's own code (`readiness.readiness`, `scale_up_stage.evaluate`). Stage
4's decision and reasons come from `tasks.decision.decide_poc`, so the words tested
are the words a journey writes. The tests of stage 7's words and of the rendered pages
use them instead of running journeys.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playbook import charter
from playbook.beyond import (
    ab_test,
    beyond_stage,
    iterate_stage,
    readiness,
    reproducibility,
    scale_up_stage,
)
from playbook.beyond.ab_test import AbPlan, Design
from playbook.beyond.beyond_stage import BeyondEvidence, FreshBatchFacts
from playbook.beyond.drift import DriftReport, DriftRule, FeatureDrift
from playbook.beyond.iterate_stage import IterateEvidence
from playbook.beyond.monitoring import ContractRecord, Threshold
from playbook.beyond.readiness import Readiness, RunEvidence
from playbook.beyond.scale_up_stage import ScaleUpEvidence
from playbook.beyond.shadow import Replay
from playbook.charter.model import Charter
from playbook.core import journey
from playbook.core.journey import StageOutcome
from playbook.run import manifest as manifests
from playbook.tasks import decision as decision_rules
from playbook.tasks import poc_stage
from playbook.tasks.kpi import KpiReport
from playbook.tasks.latency import LatencyReport
from playbook.tasks.poc_stage import PocEvidence

REPO = Path(__file__).resolve().parents[1]
FEATURES = [
    "tenure_months",
    "monthly_fee",
    "support_calls",
    "plan",
    "region",
    "age",
    "late_payments",
    "discount",
    "device",
    "usage_minutes",
    "contract_months",
]


def _outcome(stage: Any, evidence: Any) -> StageOutcome[Any]:
    """A stage's outcome as its notebook saves it, summary and reasons its own."""
    return StageOutcome(
        stage=stage.STAGE,
        status=journey.PASSED,
        summary=stage.summary(evidence),
        reasons=stage.reasons(evidence),
        evidence=evidence,
    )


def template(name: str) -> Charter:
    """A bundled template's charter: churn (a value KPI) or demand_forecast (a cost)."""
    return charter.load(REPO / "templates" / f"{name}.yaml")


def kpi(poc: Charter, *, lift: float, low: float, high: float) -> KpiReport:
    """The charter's KPI with the model's lift and its interval as given."""
    definition = poc.need("kpi")
    cost = definition.kind == "forecast"
    baseline = 10_000_000.0
    model = baseline - lift if cost else baseline + lift
    return KpiReport(
        metric=definition.name,
        unit=definition.unit,
        period=definition.period,
        baseline_name="seasonal naive" if cost else "today's rule",
        baseline=baseline,
        model=model,
        lift=lift,
        lift_ci_low=low,
        lift_ci_high=high,
        min_lift=float(definition.min_lift or "nan"),
        relative_lift=lift / baseline,
        confidence=definition.confidence,
        resamples=definition.bootstrap_resamples,
        test_rows=4_000,
        test_periods=["2025-10", "2025-11", "2025-12"],
        per_period={
            label: {"baseline": baseline, "model": model}
            for label in ("2025-10", "2025-11", "2025-12")
        },
        method="paired bootstrap over the test rows",
        better="lower" if cost else "higher",
    )


def poc_outcome(
    report: KpiReport, *, latency_ms: float = 5.0
) -> StageOutcome[PocEvidence]:
    """Stage 4 as its notebook saves it, decided by the package's own rule."""
    budget = 100.0
    evidence = PocEvidence(
        task="forecast" if report.better == "lower" else "top_k",
        kpi=report,
        decision=decision_rules.decide_poc(report),
        split="the last 3 periods held out",
        ladder=[],
        model_name="gradient boosting",
        candidates=[],
        tuning_trials=1,
        experiment_inputs=None,
        latency=LatencyReport(
            mode="batch",
            budget_ms=budget,
            batch_rows=4_000,
            batch_p50_ms=latency_ms,
            batch_p95_ms=latency_ms,
            row_p50_ms=1.0,
            row_p95_ms=1.0,
            meets=latency_ms <= budget,
            judged_on="p95 of scoring 4,000 rows at once",
        ),
    )
    return _outcome(poc_stage, evidence)


def beyond_outcome(
    *, alerts: int, fresh: KpiReport | None, contract_failed: int = 0
) -> StageOutcome[BeyondEvidence]:
    """Stage 5 with `alerts` of the features past their alert, and the fresh lift."""
    features = [
        FeatureDrift(name, "numbers", 0.4, 0.2, 1e-6, 1e-5, "alert")
        if i < alerts
        else FeatureDrift(name, "numbers", 0.02, 0.01, 0.6, 1.0, "stable")
        for i, name in enumerate(FEATURES)
    ]
    report = DriftReport(
        reference="the 12 training periods",
        current="fresh_SYNTHETIC.csv (data.fresh)",
        reference_rows=12_000,
        current_rows=1_500,
        features=features,
        rule=DriftRule(warning=0.1, alert=0.25, ks_alert=0.1, confidence=0.95),
    )
    source = "fresh_SYNTHETIC.csv (data.fresh)"
    evidence = BeyondEvidence(
        fresh_batch=True,
        drift=report,
        alerts=report.alerts,
        record=ContractRecord(
            source, "ab" * 32, 1_500, [], "churn", 12, contract_failed
        ),
        fresh=FreshBatchFacts(
            source=source,
            rows=1_500,
            labelled=fresh is not None,
            contract_passed=contract_failed == 0,
            expectations=12,
            failed=contract_failed,
        ),
        fresh_kpi=fresh,
        thresholds=[Threshold("feature", "tenure_months", "0.1", "0.25", "PSI")],
    )
    return _outcome(beyond_stage, evidence)


def design(report: KpiReport, *, ab_periods: int | None) -> Design:
    """Stage 6's A/B design: a money test of `ab_periods` periods, or none (None)."""
    longest = 6 if report.period == "month" else 26
    if ab_periods is None:
        reason = ab_test.NOT_SPLIT
        return Design(False, reason, None, None, longest, False, reason)
    plan = AbPlan(
        effect_per_unit=50.0,
        sd_control=900.0,
        sd_treatment=950.0,
        significance=0.05,
        power=0.8,
        units_per_arm=800 * ab_periods,
        units_per_period=1_600.0,
        periods=ab_periods,
        period=report.period,
        srm_check="Check the split is 50/50 with a chi-square test.",
        guardrails=["complaints per contacted customer"],
    )
    feasible = ab_periods <= longest
    summary = f"the shorter A/B test needs {plan.units_per_arm:,} units per arm"
    return Design(True, "", plan, None, longest, feasible, summary)


def iterate_outcome(ab: Design) -> StageOutcome[IterateEvidence]:
    """Stage 6 with the A/B design given and nothing else of note."""
    evidence = IterateEvidence(
        plan=ab.plan,
        rate_plan=ab.rates,
        feasible=ab.feasible if ab.applies else None,
        no_test_reason=None if ab.applies else ab.reason,
        runs=[],
        losing_segments=[],
        losing_count=0,
        replay=Replay("the latest period", 1_500, 1, 300, 0.2, 1.2e6, 1.0e6),
    )
    return _outcome(iterate_stage, evidence)


@dataclass(frozen=True)
class Run:
    """A run: its charter, earlier evidence, A/B design and stage 7 decided from it."""

    name: str
    poc: Charter
    earlier: RunEvidence
    ab: Design
    ready: Readiness
    outcome: StageOutcome[ScaleUpEvidence]

    @property
    def evidence(self) -> ScaleUpEvidence:
        """Stage 7's evidence."""
        return self.outcome.evidence

    def manifest(self) -> dict[str, Any]:
        """The manifest the runner would write for the run, stages 1-7 complete."""
        record = manifests.start(
            poc=self.poc.poc,
            title=self.poc.title,
            run_id=f"20261201-000000-{self.name}",
            charter_path=Path("charter.yaml"),
            charter_sha256="ab" * 32,
            data_path="data.csv",
            data_sha256="cd" * 32,
            synthetic_data=self.poc.data.synthetic,
            seed=42,
            selected=[1, 2, 3, 4, 5, 6, 7],
        )
        for outcome in [*self.earlier_outcomes(), self.outcome]:
            manifests.record_outcome(record, outcome)
            record["stages"][outcome.stage].update(
                status="complete", summary=outcome.summary
            )
        record["status"] = "complete"
        return record

    def write(self, folder: Path) -> Path:
        """The run as a run folder: each outcome under results/, and the manifest."""
        for outcome in (*self.earlier_outcomes(), self.outcome):
            journey.save(folder, outcome)
        manifests.write(folder, self.manifest())
        return folder

    def earlier_outcomes(self) -> list[StageOutcome[Any]]:
        """The outcomes of stages 4 to 6 that the run has."""
        outcomes = [self.earlier.poc, self.earlier.beyond, self.earlier.iterate]
        return [outcome for outcome in outcomes if outcome is not None]


def decide(
    name: str,
    poc: Charter,
    *,
    poc_outcome: StageOutcome[PocEvidence] | None,
    beyond: StageOutcome[BeyondEvidence] | None,
    ab: Design,
) -> Run:
    """Stage 7 decided, by the package, from the earlier stages' evidence given."""
    earlier = RunEvidence(
        poc=poc_outcome,
        beyond=beyond,
        iterate=iterate_outcome(ab),
        model_card="model/model_card.md",
    )
    stage4 = poc_outcome.evidence.kpi if poc_outcome is not None else None
    own = [
        readiness.measured(
            reproducibility.TITLE,
            reproducibility.REFERENCE,
            evidence="scored the 1,500 test rows again with the saved model",
            concern=reproducibility.CONCERN,
            problem=None,
        )
        if stage4 is not None
        else None,
        readiness.measured(
            "The scoring entry point works",
            "ML Test Score I6",
            evidence="scored 1,500 rows of the fresh batch",
            concern="the scoring entry point",
            problem=None,
        ),
    ]
    ready = readiness.readiness(
        earlier, run=None, own=[item for item in own if item is not None]
    )
    outcome = scale_up_stage.evaluate(
        earlier, ready=ready, poc=poc, charter_file="charter.yaml", run_dir="runs/x"
    )
    return Run(name, poc, earlier, ab, ready, outcome)


def churn_run(
    name: str,
    *,
    lift: float,
    low: float,
    high: float,
    alerts: int = 0,
    fresh: tuple[float, float, float] | None = (2.5e6, 1.2e6, 3.8e6),
    ab_periods: int | None = 4,
    latency_ms: float = 5.0,
) -> Run:
    """A churn run (a value KPI, minimum 2.0M KRW a month) with the findings given."""
    poc = template("churn")
    report = kpi(poc, lift=lift, low=low, high=high)
    fresh_kpi = None
    if fresh is not None:
        fresh_lift, fresh_low, fresh_high = fresh
        fresh_kpi = kpi(poc, lift=fresh_lift, low=fresh_low, high=fresh_high)
    return decide(
        name,
        poc,
        poc_outcome=poc_outcome(report, latency_ms=latency_ms),
        beyond=beyond_outcome(alerts=alerts, fresh=fresh_kpi),
        ab=design(report, ab_periods=ab_periods),
    )


def demo_runs() -> dict[str, Run]:
    """A GO, an ITERATE, a STOP, and a cost-KPI GO that later findings hold back.

    Stage 4's numbers give the same decision under the rule today and under the
    interval rule of issue #13 (GO only when the interval's low end reaches the
    minimum), so these runs keep their meaning when that rule lands.
    """
    forecast = template("demand_forecast")
    report = kpi(forecast, lift=747_000.0, low=657_000.0, high=860_000.0)
    weak = kpi(forecast, lift=420_000.0, low=-80_000.0, high=910_000.0)
    return {
        "go": churn_run("go", lift=2.6e6, low=2.1e6, high=3.1e6),
        "iterate": churn_run("iterate", lift=1.8e6, low=0.9e6, high=2.7e6, alerts=3),
        "stop": churn_run("stop", lift=0.6e6, low=0.1e6, high=1.2e6),
        "held_back": decide(
            "held_back",
            forecast,
            poc_outcome=poc_outcome(report),
            beyond=beyond_outcome(alerts=3, fresh=weak),
            ab=design(report, ab_periods=None),
        ),
    }


def with_decision(run: Run, **changes: Any) -> StageOutcome[PocEvidence]:
    """Stage 4's outcome of `run` with its decision's fields changed."""
    assert run.earlier.poc is not None
    evidence = run.earlier.poc.evidence
    changed = dataclasses.replace(evidence.decision, **changes)
    return dataclasses.replace(
        run.earlier.poc, evidence=dataclasses.replace(evidence, decision=changed)
    )


def in_korean(run: Run) -> Run:
    """The same run for a Korean reader: each stage's words written in Korean.

    Stage 4's decision is worded again from the same KPI and rule, stages 5 and 6
    summarise the same evidence in Korean, and stage 7 is decided again with its
    readiness problems in Korean; stage 7's own measurements are kept. The charter's
    own words (title, KPI name) are its Korean template twin's.
    """
    twin = next(
        poc
        for poc in map(charter.load, sorted((REPO / "templates" / "ko").glob("*.yaml")))
        if poc.poc == run.poc.poc
    )
    poc = dataclasses.replace(run.poc, language="ko", title=twin.title)

    def worded(outcome: StageOutcome[Any] | None, stage: Any) -> Any:
        if outcome is None:
            return None
        evidence = outcome.evidence
        if stage is poc_stage:
            report = dataclasses.replace(evidence.kpi, metric=twin.need("kpi").name)
            said = decision_rules.decide_poc(
                report, rule=evidence.decision.rule, language="ko"
            )
            evidence = dataclasses.replace(evidence, kpi=report, decision=said)
        return dataclasses.replace(
            outcome,
            evidence=evidence,
            summary=stage.summary(evidence, language="ko"),
            reasons=(
                stage.reasons(evidence, language="ko")
                if stage is iterate_stage
                else stage.reasons(evidence)
            ),
        )

    earlier = dataclasses.replace(
        run.earlier,
        poc=worded(run.earlier.poc, poc_stage),
        beyond=worded(run.earlier.beyond, beyond_stage),
        iterate=worded(run.earlier.iterate, iterate_stage),
    )
    own = [item for item in run.ready.items if item.stage == scale_up_stage.STAGE]
    ready = readiness.readiness(earlier, run=None, own=own, language="ko")
    outcome = scale_up_stage.evaluate(
        earlier, ready=ready, poc=poc, charter_file="charter.yaml", run_dir="runs/x"
    )
    return Run(run.name, poc, earlier, run.ab, ready, outcome)
