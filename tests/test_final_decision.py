"""Stage 7's decision and its words, from typed evidence built directly (no journeys).

The rule: the final decision is stage 4's or worse, never better; every downgrade is
named; the reasons argue for the decision shown, at most four, none twice.
"""

import dataclasses
import itertools

import pytest
import verdict_runs as runs

from playbook.beyond import iterate_stage, memo, readiness, scale_up_stage, verdict
from playbook.beyond.readiness import Downgrade
from playbook.tasks.decision import Decision

DRIFT = (
    "3 of 11 features drifted past their alerts since training (tenure_months, "
    "monthly_fee, support_calls)."
)
NO_LABELS = (
    "Nothing shows the gain holds on later data: the fresh batch has no labels yet."
)
NO_STAGE_5 = "Nothing shows the gain holds on later data: stage 5 did not run."
WEAK_FRESH = (
    "On the fresh batch the lift's interval reaches zero (lift 1.0M KRW per month "
    "[-300.0k KRW, 2.3M KRW]): the gain is not shown on later data."
)
WORSE_FRESH = (
    "On the fresh batch the model does worse than today's baseline: lift -1.5M KRW "
    "per month [-2.4M KRW, -600.0k KRW]."
)
SLOW = (
    "Prediction takes 450.0 ms (p95 of scoring 4,000 rows at once), over the 100 ms "
    "budget."
)
LONG_AB = (
    "An A/B test would need about 48 months (38,400 units per arm) to confirm the "
    "minimum lift, longer than the 6 months a POC may take."
)
GO = {"lift": 2.6e6, "low": 2.1e6, "high": 3.1e6}
ITERATE = {"lift": 1.8e6, "low": 0.9e6, "high": 2.7e6}
STOP = {"lift": 0.6e6, "low": 0.1e6, "high": 1.2e6}


def _without_stage_5(**numbers):
    run = runs.churn_run("no-stage-5", **numbers)
    return runs.decide(
        run.name,
        run.poc,
        poc_outcome=run.earlier.poc,
        beyond=None,
        ab=run.ab,
    )


def _lean(lean, chance):
    return verdict.uncertainty_note(
        "iterate",
        rule="strict",
        lean=lean,
        chance_reaches_min=chance,
        more_periods_needed=3,
        minimum="2.0M KRW",
        period="month",
    )


def _carried(*extra):
    """Stage 4's reasons as they are, then the problems that also argue for it."""
    return lambda stage4: [*stage4.reasons, *extra]


def _downgraded(start, end, by, *problems):
    lead = f"Downgraded from stage 4's {start} to {end} by {by}."
    return lambda stage4: [lead, *problems]


# Each path: the run, what is uncertain about stage 4's decision (None: nothing known),
# the final decision, its reasons (from stage 4's decision) and the memo's headline.
PATHS = [
    (
        "go",
        lambda: runs.churn_run("go", **GO),
        None,
        "go",
        _carried(),
        "Go: the model earns 2.6M KRW per month more than today's rule, enough to "
        "build it.",
    ),
    (
        "iterate-leaning-up",
        lambda: runs.churn_run("up", **ITERATE),
        _lean("up", 0.62),
        "iterate",
        _carried(),
        "Iterate: the evidence cannot yet tell go from stop.",
    ),
    (
        "iterate-leaning-down",
        lambda: runs.churn_run("down", **ITERATE),
        _lean("down", 0.3),
        "iterate",
        _carried(),
        "Iterate: the evidence cannot yet tell go from stop.",
    ),
    (
        "iterate-with-drift-too",
        lambda: runs.churn_run("drifted", **ITERATE, alerts=3),
        None,
        "iterate",
        _carried(DRIFT),
        "Iterate: the evidence cannot yet tell go from stop.",
    ),
    (
        "stop",
        lambda: runs.churn_run("stop", **STOP, alerts=3),
        None,
        "stop",
        _carried(),
        "Stop: the model does not beat today's baseline by enough to matter.",
    ),
    (
        "downgraded-by-drift",
        lambda: runs.churn_run("drift", **GO, alerts=3),
        None,
        "iterate",
        _downgraded("GO", "ITERATE", "drift", DRIFT),
        "Iterate: drift must be settled before building.",
    ),
    (
        "downgraded-by-no-fresh-labels",
        lambda: runs.churn_run("unlabelled", **GO, fresh=None),
        None,
        "iterate",
        _downgraded("GO", "ITERATE", "the fresh batch's lift", NO_LABELS),
        "Iterate: the fresh batch's lift must be settled before building.",
    ),
    (
        "downgraded-by-no-stage-5",
        lambda: _without_stage_5(**GO),
        None,
        "iterate",
        _downgraded("GO", "ITERATE", "the missing check on later data", NO_STAGE_5),
        "Iterate: the missing check on later data must be settled before building.",
    ),
    (
        "downgraded-by-weak-fresh-batch",
        lambda: runs.churn_run("weak", **GO, fresh=(1.0e6, -0.3e6, 2.3e6)),
        None,
        "iterate",
        _downgraded("GO", "ITERATE", "the fresh batch's lift", WEAK_FRESH),
        "Iterate: the fresh batch's lift must be settled before building.",
    ),
    (
        "downgraded-to-stop-by-fresh-batch",
        lambda: runs.churn_run("worse", **ITERATE, fresh=(-1.5e6, -2.4e6, -0.6e6)),
        None,
        "stop",
        _downgraded("ITERATE", "STOP", "the fresh batch's lift", WORSE_FRESH),
        "Stop: what came after stage 4 (the fresh batch's lift) rules it out.",
    ),
    (
        "downgraded-by-latency",
        lambda: runs.churn_run("slow", **GO, latency_ms=450.0),
        None,
        "iterate",
        _downgraded("GO", "ITERATE", "latency", SLOW),
        "Iterate: latency must be settled before building.",
    ),
    (
        "downgraded-by-ab-duration",
        lambda: runs.churn_run("long", **GO, ab_periods=48),
        None,
        "iterate",
        _downgraded("GO", "ITERATE", "the A/B test's length", LONG_AB),
        "Iterate: the A/B test's length must be settled before building.",
    ),
    (
        "downgraded-by-four-problems",
        lambda: runs.churn_run(
            "many", **GO, alerts=3, fresh=None, ab_periods=48, latency_ms=450.0
        ),
        None,
        "iterate",
        _downgraded(
            "GO",
            "ITERATE",
            "latency, drift, the fresh batch's lift and the A/B test's length",
            SLOW,
            DRIFT,
            "Also open: the fresh batch's lift and the A/B test's length; the "
            "readiness checklist states each.",
        ),
        "Iterate: latency, drift, the fresh batch's lift and the A/B test's length "
        "must be settled before building.",
    ),
]


@pytest.mark.parametrize(
    ("build", "note", "final", "reasons", "headline"),
    [case[1:] for case in PATHS],
    ids=[case[0] for case in PATHS],
)
def test_each_path_gives_its_decision_reasons_and_headline(
    build, note, final, reasons, headline
):
    run = build()
    stage4 = run.earlier.poc.evidence.decision
    decided = run.evidence.decision
    assert decided.decision == final
    assert decided.reasons == reasons(stage4)
    held = scale_up_stage.held_back(stage4, run.evidence.downgrades)
    assert memo.headline(decided, earlier=run.earlier, held_back=held) == headline
    assert run.evidence.memo.headline == headline
    # What the stage saves is what the reader sees: the outcome's reasons and summary.
    assert run.outcome.reasons == decided.reasons
    assert run.outcome.summary.startswith(f"{final}; readiness:")
    # The one-line summary says what is still uncertain, once stage 4 knows it.
    known = dataclasses.replace(run.evidence, uncertainty=note)
    said = scale_up_stage.summary(known)
    if note is None:
        assert said == run.outcome.summary
    else:
        assert said.startswith(f"{final} ({note[0].lower()}{note[1:-1]}); readiness:")


def test_a_cost_kpi_saves_in_the_memo_and_its_headline():
    run = runs.demo_runs()["held_back"]
    go = dataclasses.replace(run.evidence.decision, decision="go")
    said = memo.headline(go, earlier=run.earlier, held_back=[])
    assert said.startswith("Go: the model saves 747.0k KRW per week against seasonal")
    assert run.evidence.memo.money[0].startswith(
        "Offline, the model saves 747.0k KRW per week against seasonal naive"
    )
    assert not any("earn" in line for line in run.evidence.memo.money)


# --- the rule, over every combination ------------------------------------------

POOL = [
    Downgrade("drift", "iterate", DRIFT),
    Downgrade("the fresh batch's lift", "stop", WORSE_FRESH),
    Downgrade("latency", "iterate", SLOW),
    Downgrade("the A/B test's length", "iterate", LONG_AB),
    Downgrade("the model card", "iterate", "No model card documents the saved model."),
]
STAGE4 = {
    "go": Decision("go", ["The lift is 2.6M.", "The interval clears 2.0M."]),
    "iterate": Decision("iterate", ["The lift is 1.8M.", "It spans 2.0M.", "Wait."]),
    "stop": Decision("stop", ["The lift is 0.6M.", "It stays below 2.0M."]),
}
COMBINATIONS = [
    (start, list(found))
    for start in STAGE4
    for size in range(len(POOL) + 1)
    for found in itertools.combinations(POOL, size)
]
RANK = {"go": 0, "iterate": 1, "stop": 2}


@pytest.mark.parametrize(
    ("start", "found"),
    COMBINATIONS,
    ids=[f"{s}-{'+'.join(d.by for d in f) or 'none'}" for s, f in COMBINATIONS],
)
def test_the_final_decision_is_never_better_than_stage_4s_and_names_each_downgrade(
    start, found
):
    stage4 = STAGE4[start]
    decided = scale_up_stage.final_decision(stage4, found)
    worst = max([start, *(d.to for d in found)], key=RANK.get)
    assert decided.decision == worst
    assert RANK[decided.decision] >= RANK[start]
    assert len(decided.reasons) <= 4  # a box a reader takes in at a glance
    assert len(set(decided.reasons)) == len(decided.reasons)
    held = [d for d in found if RANK[d.to] > RANK[start]]
    if held:
        lead = decided.reasons[0]
        assert lead.startswith(
            f"Downgraded from stage 4's {start.upper()} to {worst.upper()} by "
        )
        assert all(d.by in lead for d in held)
        # Stage 4's reasons argue for a better decision than the one shown.
        assert not set(stage4.reasons) & set(decided.reasons)
    else:
        assert decided.reasons[: len(stage4.reasons)] == stage4.reasons[:4]
        # Problems that cap at a better decision than the one shown do not argue
        # for it, so they are not among its reasons.
        milder = [d.reason for d in found if RANK[d.to] < RANK[worst]]
        assert not set(milder) & set(decided.reasons)
    # Every problem that argues for the decision is stated or named.
    for d in found:
        if d.to == worst:
            assert d.reason in decided.reasons or any(
                r.startswith("Also open:") and d.by in r for r in decided.reasons
            )


def test_without_stage_4_the_decision_is_iterate_and_says_why():
    decided = scale_up_stage.final_decision(None, POOL)
    assert decided == Decision("iterate", [scale_up_stage.NO_POC])


def test_the_summary_says_which_way_an_iterate_leans():
    run = runs.churn_run("up", **ITERATE)
    leaning = dataclasses.replace(run.evidence, uncertainty=_lean("up", 0.62))
    assert scale_up_stage.summary(leaning) == (
        "iterate (leaning up: 62% chance the lift reaches 2.0M KRW; about 3 more test "
        "months would settle it); readiness: 10 of 11 decided items met"
    )


def test_the_same_problem_found_twice_is_one_reason():
    twice = [POOL[0], dataclasses.replace(POOL[0], by="drift again")]
    decided = scale_up_stage.final_decision(STAGE4["go"], twice)
    assert decided.reasons.count(DRIFT) == 1


# --- readiness items state what they found ---------------------------------------


@pytest.mark.parametrize(
    "build",
    [case[1] for case in PATHS],
    ids=[case[0] for case in PATHS],
)
def test_an_item_not_met_states_its_problem_never_its_title(build):
    run = build()
    for item in run.ready.items:
        if item.status == readiness.NOT_MET:
            assert item.problem, f"{item.item} is not met but states no problem"
        if item.status == readiness.MET:
            assert item.problem is None
        if item.problem is not None:
            assert item.item.lower() not in item.problem.lower()
            assert item.concern


def test_downgrades_leave_out_stage_4s_own_items():
    run = runs.churn_run("iterate", **ITERATE)
    not_met = {i.concern for i in run.ready.items if i.status == readiness.NOT_MET}
    assert readiness.DECISION in not_met
    assert all(d.by != readiness.DECISION for d in run.evidence.downgrades)


def test_the_minimum_is_printed_in_full_when_rounding_would_hide_the_gap():
    poc = runs.template("churn")
    report = runs.kpi(poc, lift=1_968_000.0, low=1_100_000.0, high=2_800_000.0)
    item = readiness.readiness(
        readiness.RunEvidence(poc=runs.poc_outcome(report)), run=None, own=[]
    )
    problems = [i.problem for i in item.items if i.concern == readiness.DECISION]
    assert (
        "The measured lift, 1,968,000 KRW per month, is below the minimum of "
        "2,000,000 KRW." in problems
    )


def test_the_minimum_item_gives_the_chance_of_reaching_it_not_the_lift_again():
    poc = runs.template("churn")
    report = runs.kpi(poc, lift=2_200_000.0, low=1_600_000.0, high=2_800_000.0)
    ready = readiness.readiness(
        readiness.RunEvidence(poc=runs.poc_outcome(report)), run=None, own=[]
    )
    above_zero, minimum = (i for i in ready.items if i.concern == readiness.DECISION)
    assert above_zero.evidence.startswith("The model earns 2.2M KRW per month more")
    assert minimum.evidence.startswith("The interval straddles the minimum of 2.0M KRW")
    assert "the chance that the lift reaches it is" in minimum.evidence


# --- the A/B test's length ---------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "periods", "expected"),
    [
        (
            "month",
            48,
            "An A/B test would need about 48 months (38,400 units per arm) to confirm "
            "the minimum lift, longer than the 6 months a POC may take.",
        ),
        (
            "week",
            40,
            "An A/B test would need about 40 weeks (32,000 units per arm) to confirm "
            "the minimum lift, longer than the 26 weeks (6 months) a POC may take.",
        ),
        ("month", 4, None),
    ],
    ids=["months", "weeks", "fits"],
)
def test_an_ab_test_too_long_is_stated_with_both_lengths(period, periods, expected):
    poc = runs.template("churn" if period == "month" else "demand_forecast")
    report = dataclasses.replace(
        runs.kpi(poc, lift=1.0, low=0.0, high=2.0), period=period
    )
    evidence = runs.iterate_outcome(runs.design(report, ab_periods=periods)).evidence
    assert iterate_stage.ab_problem(evidence) == expected
    assert iterate_stage.reasons(evidence) == ([expected] if expected else [])


def test_no_ab_test_that_applies_is_no_problem():
    poc = runs.template("demand_forecast")
    report = runs.kpi(poc, lift=1.0, low=0.0, high=2.0)
    evidence = runs.iterate_outcome(runs.design(report, ab_periods=None)).evidence
    assert iterate_stage.ab_problem(evidence) is None


# --- the phrases, from the numbers -------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "rule", "lean", "chance", "more", "expected"),
    [
        (
            "iterate",
            "strict",
            "up",
            0.62,
            3,
            "Leaning up: 62% chance the lift reaches 2.0M KRW; about 3 more test "
            "months would settle it.",
        ),
        (
            "iterate",
            "strict",
            "down",
            0.3,
            1,
            "Leaning down: 30% chance the lift reaches 2.0M KRW; about 1 more test "
            "month would settle it.",
        ),
        (
            "iterate",
            "strict",
            None,
            None,
            4,
            "About 4 more test months would settle it.",
        ),
        (
            "iterate",
            "strict",
            "up",
            0.999,
            None,
            "Leaning up: over 99% chance the lift reaches 2.0M KRW.",
        ),
        ("iterate", "strict", None, None, None, None),
        (
            "go",
            "lenient",
            None,
            0.62,
            None,
            "GO by the charter's lenient rule (on the measured lift, not its "
            "interval): 38% chance the lift is below 2.0M KRW.",
        ),
        ("go", "strict", None, 0.99, None, None),
        ("stop", "strict", None, 0.01, None, None),
    ],
    ids=[
        "iterate-up",
        "iterate-down",
        "iterate-periods-only",
        "iterate-almost-sure",
        "iterate-nothing-known",
        "lenient-go",
        "strict-go",
        "stop",
    ],
)
def test_uncertainty_note_says_the_lean_the_periods_or_the_lenient_risk(
    decision, rule, lean, chance, more, expected
):
    note = verdict.uncertainty_note(
        decision,
        rule=rule,
        lean=lean,
        chance_reaches_min=chance,
        more_periods_needed=more,
        minimum="2.0M KRW",
        period="month",
    )
    assert note == expected


@pytest.mark.parametrize(
    ("rule", "lean"), [("loose", None), ("strict", "sideways")], ids=["rule", "lean"]
)
def test_uncertainty_note_refuses_an_unknown_rule_or_lean(rule, lean):
    with pytest.raises(ValueError, match="must be one of"):
        verdict.uncertainty_note(
            "iterate",
            rule=rule,
            lean=lean,
            chance_reaches_min=0.5,
            more_periods_needed=None,
            minimum="2.0M KRW",
            period="month",
        )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1_968_000.0, 2_000_000.0], ["1,968,000 KRW", "2,000,000 KRW"]),
        ([2_100_000.0, 2_000_000.0], ["2.1M KRW", "2.0M KRW"]),
        ([2_000_000.0, 2_000_000.0], ["2.0M KRW", "2.0M KRW"]),
        ([-80_000.0, 910_000.0], ["-80.0k KRW", "910.0k KRW"]),
    ],
    ids=["would-read-alike", "apart", "equal", "signs"],
)
def test_amounts_apart_never_print_two_different_amounts_alike(values, expected):
    assert verdict.amounts_apart(values, "KRW") == expected


@pytest.mark.parametrize(
    ("better", "lift", "expected"),
    [
        ("higher", 2.6e6, "earns 2.6M KRW per month more than today's rule"),
        ("higher", -2.5e5, "earns 250.0k KRW per month less than today's rule"),
        ("lower", 7.47e5, "saves 747.0k KRW per month against today's rule"),
        ("lower", -2.5e5, "costs 250.0k KRW per month more than today's rule"),
    ],
    ids=["value", "value-lost", "cost", "cost-lost"],
)
def test_a_value_kpi_earns_and_a_cost_kpi_saves(better, lift, expected):
    report = runs.kpi(runs.template("churn"), lift=lift, low=lift, high=lift)
    assert verdict.gain(dataclasses.replace(report, better=better)) == expected


def _stage4(**decided):
    poc = runs.template("churn")
    report = runs.kpi(poc, lift=1_900_000, low=900_000, high=2_900_000)
    evidence = runs.poc_outcome(dataclasses.replace(report, chance_reaches_min=0.62))
    stage4 = evidence.evidence
    decision = dataclasses.replace(stage4.decision, **decided)
    return dataclasses.replace(stage4, decision=decision)


def test_stage_7_says_which_way_stage_4s_iterate_leans_and_what_settles_it():
    note = scale_up_stage.stage4_note(
        _stage4(decision="iterate", lean="up", more_periods_needed=4)
    )
    assert note is not None
    assert "62% chance the lift reaches" in note
    assert "4" in note


def test_stage_7_states_the_risk_of_a_lenient_go():
    note = scale_up_stage.stage4_note(_stage4(decision="go", rule="lenient"))
    assert note is not None
    assert "lenient" in note and "38% chance the lift is below" in note


def test_a_strict_go_has_nothing_left_to_say():
    assert scale_up_stage.stage4_note(_stage4(decision="go", rule="strict")) is None
