"""Generate a seeded synthetic home: layout, people, device histories and ground truth."""

from __future__ import annotations

import time

import numpy as np

from custom_components.homeiq.core.home import Home, StateHistory
from custom_components.homeiq.core.home_type import HOME_TYPES
from custom_components.homeiq.core.time import fixed_offset_zone

from .behaviour import DEVICE_BEHAVIOURS, battery, household_tracks
from .context import Context, independent_track, placed_view
from .environment import DAY, HOUR, Environment, draw_location, external_series
from .failures import (
    FAILURE_WEIGHTS,
    FailurePlan,
    abnormal_motion,
    apply_failure,
    plan_failures,
    plan_recent_failures,
)
from .layout import draw_layout, weighted_choice
from .model import GroundTruth, SyntheticHome
from .names import translate_home
from .profiles import PROFILES
from .routine import build_schedule, draw_primary_routine
from .stress import (
    BURST_ACTIVITY_WEIGHT,
    LANGUAGES,
    Stress,
    burst_params,
    burst_times,
    step_levels,
    stress_rng,
)
from .synergy import (
    RULES,
    SynergyPlan,
    automation_name,
    choose_threshold,
    effect_track,
    plan_synergies,
)
from .track import UNAVAILABLE, UNKNOWN, Track

DEFAULT_START_TS = 1_760_000_000.0
MAX_DAYS = 400
RESTART_S = 120.0  # longest time an entity reads unknown / unavailable after a restart


def generate_home(
    seed: int,
    *,
    home_type: str | None = None,
    days: int = 30,
    start_ts: float = DEFAULT_START_TS,
    target_entities: int | None = None,
    stress: Stress | None = None,
    recent_failures: tuple[str, ...] = (),
) -> SyntheticHome:
    """Generate one home and its ground truth, fully determined by the arguments.

    ``home_type`` defaults to one drawn from the seed; ``target_entities`` asks for a size
    (honoured within 10 %); the history covers ``days`` days from ``start_ts``; ``stress``
    makes it unlike the homes the models were designed on (see :mod:`.stress`; off by
    default, and then the home is the same as without the argument).
    ``recent_failures`` (kinds from ``RECENT_FAILURE_KINDS``) plants, on top of the seed's
    own failures, one failure of each kind under way at the end of the history, drawn from
    a stream of its own: a demo home then always has devices failing now. Without it the
    home is the seed's, unchanged.
    """
    _check_arguments(home_type, days)
    end_ts = start_ts + days * DAY
    streams = np.random.default_rng(seed).spawn(8)
    drawn_type = HOME_TYPES[int(streams[0].integers(len(HOME_TYPES)))]
    home_type = home_type or drawn_type
    profile = PROFILES[home_type]
    occupants = weighted_choice(streams[0], profile.occupants)
    layout = draw_layout(streams[0], home_type, occupants, target_entities)
    location = draw_location(streams[1], profile.climate)
    env = Environment(streams[1], location, start_ts - DAY, end_ts)
    routine = draw_primary_routine(streams[2], home_type)
    schedule = build_schedule(streams[2], env, layout, routine)
    ctx = Context(streams[3], env, layout, schedule, start_ts, end_ts)
    plans, ctx.independent = plan_synergies(streams[4], layout, ctx.season_mode())
    stress = stress if stress is not None and stress.active else None
    extra = stress_rng(seed) if stress is not None else None
    failures = _planted_failures(streams[5], ctx, plans, stress, extra)
    recent_rng = np.random.default_rng(seed).spawn(9)[8]
    recent = _recent_failures(recent_rng, ctx, plans, failures, recent_failures)
    tracks = _base_tracks(ctx, {plan.effect for plan in plans})
    for failure in failures:
        apply_failure(streams[5], failure, layout, tracks)
    for failure in recent:
        apply_failure(recent_rng, failure, layout, tracks)
    failures += recent
    if stress is not None and stress.battery_step is not None:
        for entity_id, placed in layout.placed.items():
            if placed.part == "battery" and entity_id in tracks:
                track = tracks[entity_id]
                track.numeric_values = step_levels(track.numeric_values, stress.battery_step)
    _restarts(streams[5], ctx, tracks, failures)
    histories = _histories(ctx, streams[6], plans, tracks)
    _planted_automations(ctx, plans)
    home = Home(
        areas=layout.areas,
        devices=layout.devices,
        entities=layout.entities(),
        histories={e: histories[e] for e in layout.placed if e in histories},
        automations=sorted(ctx.automations, key=lambda a: a.automation_id),
        external=external_series(streams[7], env, start_ts, end_ts),
        window_start=start_ts,
        window_end=end_ts,
        time_zone=fixed_offset_zone(location.utc_offset_h),
    )
    truth = GroundTruth(
        home_type=home_type,
        seed=seed,
        occupants=occupants,
        routine=routine,
        synergies=[plan.planted() for plan in plans],
        failures=[failure.planted() for failure in failures],
        vacations=list(
            zip(schedule.vacations.starts.tolist(), schedule.vacations.ends.tolist(), strict=True)
        ),
        climate_zone=location.climate_zone,
        grid_region=location.grid_region,
        utc_offset_h=location.utc_offset_h,
    )
    synthetic = SyntheticHome(home, truth)
    if stress is not None and stress.language is not None:
        assert extra is not None
        language = stress.language
        if language == "mixed":
            language = LANGUAGES[int(extra.integers(len(LANGUAGES)))]
        synthetic = translate_home(synthetic, language)
    return synthetic


def _check_arguments(home_type: str | None, days: int) -> None:
    if home_type is not None and home_type not in HOME_TYPES:
        msg = f"unknown home type {home_type!r}; expected one of {HOME_TYPES}"
        raise ValueError(msg)
    if not 1 <= days <= MAX_DAYS:
        msg = f"days must be between 1 and {MAX_DAYS}"
        raise ValueError(msg)


def _planted_failures(
    rng: np.random.Generator,
    ctx: Context,
    plans: list[SynergyPlan],
    stress: Stress | None = None,
    extra: np.random.Generator | None = None,
) -> list[FailurePlan]:
    """Failures on devices that no synergy acts on; abnormal motion goes into the context.

    With night-burst stress, abnormal activity is planted more often, at the hours and of
    the size drawn from ``extra`` (the stress options' own stream).
    """
    layout = ctx.layout
    protected = {layout.placed[plan.effect].entity.device_id or "" for plan in plans}
    bursts = None if stress is None else stress.night_bursts
    weights = (
        {**FAILURE_WEIGHTS, "abnormal_activity": BURST_ACTIVITY_WEIGHT}
        if bursts is not None
        else FAILURE_WEIGHTS
    )
    failures = plan_failures(
        rng, layout, protected, ctx.env, start=ctx.start, end=ctx.end, weights=weights
    )
    for failure in failures:
        if failure.kind == "abnormal_activity":
            if bursts is not None:
                assert extra is not None
                assert failure.end_ts is not None
                nights = round((failure.end_ts - failure.start_ts - 3 * HOUR) / DAY) + 1
                midnight = failure.start_ts - HOUR
                failure.params = burst_params(extra, bursts)
                failure.start_ts, failure.end_ts = burst_times(midnight, nights, failure.params)
            ctx.extra_motion[failure.entity_ids[0]] = abnormal_motion(rng, failure)
    return failures


def _recent_failures(
    rng: np.random.Generator,
    ctx: Context,
    plans: list[SynergyPlan],
    failures: list[FailurePlan],
    kinds: tuple[str, ...],
) -> list[FailurePlan]:
    """Failures under way at the end, on devices no synergy acts on and not failing yet."""
    if not kinds:
        return []
    layout = ctx.layout
    excluded = {layout.placed[plan.effect].entity.device_id or "" for plan in plans}
    excluded |= {failure.device_id for failure in failures}
    recent = plan_recent_failures(rng, layout, excluded, ctx.env, kinds, end=ctx.end)
    for failure in recent:
        if failure.kind == "abnormal_activity":
            ctx.extra_motion[failure.entity_ids[0]] = abnormal_motion(rng, failure)
    return recent


def _base_tracks(ctx: Context, effects: set[str]) -> dict[str, Track]:
    """Tracks of every enabled entity that is not driven by a planted synergy."""
    layout = ctx.layout
    tracks = household_tracks(ctx)
    for device_id, kind in layout.device_kinds.items():
        view = placed_view(layout, device_id, kind)
        produced = DEVICE_BEHAVIOURS[kind](ctx, view)
        if battery_id := view.parts.get("battery"):
            produced[battery_id] = battery(ctx, view)
        tracks.update(produced)
    for entity_id, placed in layout.placed.items():
        if not placed.entity.enabled:
            tracks.pop(entity_id, None)
        elif entity_id in ctx.independent or (entity_id not in tracks and entity_id not in effects):
            tracks[entity_id] = independent_track(ctx, entity_id)
    for effect in effects:
        tracks.pop(effect, None)
    return tracks


def _restarts(
    rng: np.random.Generator, ctx: Context, tracks: dict[str, Track], failures: list[FailurePlan]
) -> None:
    """Home Assistant restarts: device entities read unknown or unavailable for a moment."""
    count = int(rng.poisson(1.5 * (ctx.end - ctx.start) / (30 * DAY)))
    dead = {f.device_id: f.failure_ts for f in failures if f.failure_ts is not None}
    for moment in np.sort(rng.uniform(ctx.start, ctx.end, count)).tolist():
        for entity_id, track in tracks.items():
            device_id = ctx.layout.placed[entity_id].entity.device_id
            dies = dead.get(device_id or "", np.inf)
            if device_id is None or dies <= moment + RESTART_S or rng.random() < 0.4:
                continue
            numeric = track.numeric_times.shape[0] > 0
            track.add_outage(
                moment,
                moment + rng.uniform(10.0, RESTART_S),
                UNKNOWN if numeric else UNAVAILABLE,
            )


def _histories(
    ctx: Context, rng: np.random.Generator, plans: list[SynergyPlan], tracks: dict[str, Track]
) -> dict[str, StateHistory]:
    """Pack the causes, derive the effects from them, pack everything."""
    for plan in plans:
        if plan.numeric:
            choose_threshold(rng, plan, tracks[plan.cause], ctx.env.day_index)
    histories = {e: track.pack(ctx.start, ctx.end) for e, track in tracks.items()}
    for plan in plans:
        track = effect_track(rng, plan, histories[plan.cause], ctx.end)
        histories[plan.effect] = track.pack(ctx.start, ctx.end)
    return histories


def _planted_automations(ctx: Context, plans: list[SynergyPlan]) -> None:
    """The automations of the automated synergies, plus an old one the user switched off."""
    for plan in plans:
        if plan.automated:
            ctx.add_automation(
                automation_name(plan, ctx.layout),
                (plan.cause,),
                (plan.effect,),
                (RULES[plan.kind].service,),
            )
    _switched_off_automation(ctx, plans)


def _switched_off_automation(ctx: Context, plans: list[SynergyPlan]) -> None:
    """Sometimes a disabled automation from the past (it leaves no trace in the history)."""
    effects = {plan.effect for plan in plans}
    switchable = [
        entity_id
        for entity_id, placed in ctx.layout.placed.items()
        if entity_id.partition(".")[0] in ("light", "switch")
        and placed.entity.enabled
        and entity_id not in effects
    ]
    if switchable and ctx.rng.random() < 0.3:
        target = switchable[int(ctx.rng.integers(len(switchable)))]
        service = f"{target.partition('.')[0]}.turn_on"
        ctx.add_automation("Holiday lights", ("sun.sun",), (target,), (service,), enabled=False)


def generate_corpus(
    n_homes: int,
    seed: int,
    *,
    days: int = 30,
    start_ts: float = DEFAULT_START_TS,
    stress: Stress | None = None,
) -> list[SyntheticHome]:
    """``n_homes`` homes with balanced types, each generated from its own derived seed
    (with the ``stress`` options of :func:`generate_home`).
    """
    rng = np.random.default_rng(seed)
    types = [HOME_TYPES[i % len(HOME_TYPES)] for i in range(n_homes)]
    order = rng.permutation(n_homes)
    seeds = rng.integers(0, 2**62, n_homes)
    return [
        generate_home(
            int(seeds[i]),
            home_type=types[int(order[i])],
            days=days,
            start_ts=start_ts,
            stress=stress,
        )
        for i in range(n_homes)
    ]


def count_events(home: Home) -> int:
    """Rows over all entity and external histories."""
    return sum(len(h) for h in home.histories.values()) + sum(
        len(h) for h in home.external.values()
    )


def measure_generator_rate(
    seed: int = 0, days: int = 30, target_entities: int = 150
) -> dict[str, float]:
    """Time one generation: events (history rows), seconds and events per second."""
    begin = time.perf_counter()
    synthetic = generate_home(seed, days=days, target_entities=target_entities)
    seconds = time.perf_counter() - begin
    events = count_events(synthetic.home)
    return {"events": events, "seconds": seconds, "events_per_s": events / seconds}
