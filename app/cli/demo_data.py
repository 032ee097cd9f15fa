"""Ninety days of generated but realistic answers for the demo workspace, so a newcomer's first
look at the dashboard shows a living service: agents and teams that differ, channels with their
own response times, an outage that dents the scores (and sits in the event log), comments in
several languages, analysed by the real pipeline (sentiment, themes, mismatches).

Deterministic (one seeded generator: the same seed and day give the same rows), idempotent (a
workspace that already has answers gets nothing more) and fast: invites and answers go in as two
bulk inserts, then the analysis service scores the comments in its own batches (seconds, not
minutes, on SQLite).
"""

from __future__ import annotations

import math
import random
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from app.extensions import db
from app.models import Annotation, Invite, Response, Survey
from app.models.invite import InviteStatus
from app.services.answers.analysis import analyze_responses, stale_batches

DAYS = 90
TICKETS_PER_DAY = 45  # about 3,300 tickets over 90 days; at ~70 % answered, about 2,400 answers


@dataclass(frozen=True)
class Agent:
    id: str
    name: str
    team: str
    skill: float  # added to the log-odds of a good answer


AGENTS = (
    Agent("101", "Maya Chen", "Billing", 0.9),
    Agent("102", "Luis Ortega", "Billing", 0.2),
    Agent("103", "Aisha Bello", "Billing", 0.5),
    Agent("104", "Tom Becker", "Technical", -0.4),
    Agent("105", "Sofia Rossi", "Technical", 0.6),
    Agent("106", "Jonas Weber", "Technical", 0.0),
    Agent("107", "Chloé Martin", "Technical", 0.3),
    Agent("108", "Priya Nair", "Onboarding", 1.1),
    Agent("109", "Sam Okafor", "Onboarding", 0.1),
    Agent("110", "Elena Petrova", "Onboarding", -0.2),
    Agent("111", "Noah Kim", "Billing", -0.6),
    Agent("112", "Lucía Gómez", "Technical", 0.4),
    Agent("113", "Ben Carter", "Onboarding", 0.0),  # few tickets: shown, not ranked
)
# channel: (share of tickets, median first response in minutes, log-odds of a good answer)
CHANNELS = {"email": (0.5, 180, 0.0), "chat": (0.3, 2, 0.5), "phone": (0.12, 1, 0.3), "social": (0.08, 600, -0.5)}
PRIORITIES = (("low", 0.3), ("normal", 0.5), ("high", 0.15), ("urgent", 0.05))
SEGMENTS = (("free", 0.5), ("pro", 0.35), ("enterprise", 0.15))
TAGS = ("refund", "bug", "login", "shipping", "invoice", "upgrade", "cancellation")
LANGUAGES = (("en", 0.7), ("fr", 0.1), ("de", 0.1), ("es", 0.1))
KIND_SHARE = (("csat", 0.7), ("nps", 0.15), ("ces", 0.15))
OUTAGE_DAYS_AGO = (41, 35)  # an outage: scores dip for these days

# Comments by tone and language; several mention the default themes' phrases (response speed,
# wait time, refund, agent attitude, ...), so the themes report has something to rank.
COMMENTS = {
    "good": {
        "en": [
            "Quick reply and the agent was really friendly, thank you!",
            "Fast response, problem solved on the first try.",
            "Maya was super helpful and explained everything clearly.",
            "Got my refund within a day, great service.",
            "Easy to reach on chat and very knowledgeable staff.",
            "Very patient and kind, solved my login issue quickly.",
            "Excellent support, no wait at all.",
            "The agent knew exactly what to do. Impressed.",
            "Clear answer, friendly tone, fixed in minutes.",
            "Thanks for the prompt response and the follow-up email.",
            "Great help with my invoice, much appreciated.",
            "Smooth and simple, exactly what I needed.",
        ],
        "fr": [
            "Réponse rapide et agent très aimable, merci !",
            "Excellent service, problème réglé tout de suite.",
            "Très bonne assistance, claire et efficace.",
        ],
        "de": [
            "Schnelle Antwort und sehr freundlicher Support, danke!",
            "Super Service, das Problem war sofort gelöst.",
            "Sehr kompetent und hilfsbereit.",
        ],
        "es": [
            "Respuesta rápida y agente muy amable, ¡gracias!",
            "Excelente servicio, lo resolvieron enseguida.",
            "Muy buena atención, clara y eficaz.",
        ],
    },
    "mixed": {
        "en": [
            "The answer was fine but it took a while to get a reply.",
            "Friendly agent, but I had to explain my issue twice.",
            "Solved in the end, after being transferred twice.",
            "OK overall, the wait time on the phone was long though.",
            "Helpful, but the refund policy is confusing.",
        ],
        "fr": ["Correct, mais l'attente était un peu longue.", "Agent sympathique, mais il a fallu relancer."],
        "de": ["Ganz okay, aber die Wartezeit war lang.", "Freundlich, aber ich musste zweimal nachfragen."],
        "es": ["Bien, aunque la espera fue larga.", "Amable, pero tuve que explicarlo dos veces."],
    },
    "bad": {
        "en": [
            "Took ages to get a reply and the issue is still not fixed.",
            "I was charged twice and nobody has refunded me yet.",
            "Long wait on hold, then the call dropped.",
            "The agent was rude and did not read my message.",
            "Still waiting for a response after three days.",
            "Transferred between agents four times, nobody could help.",
            "My account is locked and I can't log in, useless support.",
            "Very slow response, terrible experience.",
            "The app keeps crashing and support just sent a generic article.",
            "No follow-up at all, I had to chase them.",
            "Refund denied without explanation.",
        ],
        "fr": [
            "Temps d'attente beaucoup trop long, très déçu.",
            "Personne ne m'a répondu, service inutile.",
            "J'ai été débité deux fois et toujours pas remboursé.",
        ],
        "de": [
            "Viel zu lange Wartezeit, sehr enttäuscht.",
            "Niemand hat geantwortet, schlechter Service.",
            "Zweimal abgebucht und immer noch keine Erstattung.",
        ],
        "es": [
            "Esperé demasiado tiempo, muy decepcionado.",
            "Nadie me respondió, pésimo servicio.",
            "Me cobraron dos veces y aún no me devuelven el dinero.",
        ],
    },
    # Tone against score: the mismatch detector should flag these.
    "praise_low": {
        "en": [
            "Great, fast and friendly service, thank you so much!",
            "Lovely agent, really helpful and quick.",
            "Perfect, problem solved in minutes. Brilliant support.",
        ]
    },
    "complaint_high": {
        "en": [
            "Terrible wait, awful experience, never again.",
            "Horrible, rude and useless. Disappointed.",
            "The worst support I have had, nobody cared.",
        ]
    },
}


def _pick(rng: random.Random, weighted) -> str:
    roll, total = rng.random(), 0.0
    for value, weight in weighted:
        total += weight
        if roll < total:
            return value
    return weighted[-1][0]


def _comment(rng: random.Random, good: bool, bad: bool) -> str | None:
    if rng.random() < 0.35:
        return None
    if rng.random() < 0.04:
        return rng.choice(COMMENTS["praise_low" if bad else "complaint_high"]["en"]) if (good or bad) else None
    tone = "good" if good else ("bad" if bad else "mixed")
    language = _pick(rng, LANGUAGES)
    return rng.choice(COMMENTS[tone][language])


def _score(rng: random.Random, kind: str, low: int, high: int, odds: float) -> int:
    """A score whose chance of being good rises with `odds` (log-odds), spread over the scale."""
    p_good = 1 / (1 + math.exp(-odds))
    if kind == "nps":
        if rng.random() < p_good:
            return rng.choice((9, 10, 10))
        return rng.choice((7, 8, 8, 5, 6, 3, 0)) if rng.random() < 0.6 else rng.choice((0, 2, 4, 6))
    points = high - low + 1
    top = max(1, round(0.4 * points))
    if rng.random() < p_good:
        return rng.randint(high - top + 1, high)
    return rng.randint(low, high - top)


def seed_demo_answers(
    workspace_id: int, zone_name: str = "UTC", seed: int = 2026, today: date | None = None, scale: float = 1.0
) -> int:
    """Generate and analyse 90 days of tickets and answers (`scale` times the usual volume);
    nothing if the workspace already has answers. Returns how many answers it made."""
    if db.session.scalar(select(func.count()).select_from(Response).where(Response.workspace_id == workspace_id)):
        return 0
    surveys = {
        s.kind: s
        for s in db.session.scalars(select(Survey).where(Survey.workspace_id == workspace_id).order_by(Survey.id))
    }
    if not surveys:
        return 0
    rng = random.Random(seed)
    zone = ZoneInfo(zone_name)
    today = today or datetime.now(zone).date()
    now = datetime.now(UTC)
    invites, answers = [], []
    for days_ago in range(DAYS - 1, -1, -1):
        day = today - timedelta(days=days_ago)
        weekend = day.weekday() >= 5
        outage = OUTAGE_DAYS_AGO[1] <= days_ago <= OUTAGE_DAYS_AGO[0]
        # A slow improvement over the quarter, fewer tickets at weekends, more during the outage.
        tickets = int(
            scale * TICKETS_PER_DAY * (0.5 if weekend else 1.0) * (1.6 if outage else 1.0) * rng.uniform(0.8, 1.2)
        )
        for _ in range(tickets):
            kind = (
                _pick(rng, [(k, w) for k, w in KIND_SHARE if k in surveys]) if len(surveys) > 1 else next(iter(surveys))
            )
            survey = surveys.get(kind) or next(iter(surveys.values()))
            agent = AGENTS[-1] if rng.random() < 0.02 else rng.choice(AGENTS[:-1])
            channel = _pick(rng, [(c, share) for c, (share, _, _) in CHANNELS.items()])
            _, median_frt, channel_odds = CHANNELS[channel]
            created = datetime.combine(day, time(rng.randint(7, 19), rng.randint(0, 59)), tzinfo=zone).astimezone(UTC)
            frt = median_frt * 60 * rng.lognormvariate(0, 0.9) * (3 if outage else 1)
            resolution = frt + rng.lognormvariate(math.log(6 * 3600), 1.1)
            reopens = 0 if rng.random() < 0.82 else rng.choice((1, 1, 2))
            solved = created + timedelta(seconds=resolution)
            sent = solved + timedelta(minutes=rng.randint(5, 90))
            answered = sent + timedelta(minutes=rng.randint(2, 600)) if rng.random() < 0.7 else None
            if answered is not None and answered > now:
                answered = None
            if sent > now:
                continue
            odds = (
                1.0
                + agent.skill
                + channel_odds
                - 0.5 * reopens
                - (0.8 if frt > 4 * 3600 else 0)
                - (0.7 if resolution > 48 * 3600 else 0)
                - (1.5 if outage else 0)
                + 0.4 * (DAYS - days_ago) / DAYS
            )
            index = len(invites)
            invites.append(
                {
                    "workspace_id": workspace_id,
                    "survey_id": survey.id,
                    # A survey link's secret stays random: a seeded token would be guessable.
                    "token": secrets.token_urlsafe(24),
                    "status": InviteStatus.SENT,
                    "locale": "en",
                    "customer_email": f"customer{index}@example.com",
                    "customer_name": f"Customer {index}",
                    "customer_segment": _pick(rng, SEGMENTS),
                    "ticket_id": f"D-{10000 + index}",
                    "agent_id": agent.id,
                    "agent_name": agent.name,
                    "agent_email": f"{agent.name.split()[0].lower()}@demo.example",
                    "team": agent.team,
                    "channel": channel,
                    "priority": _pick(rng, PRIORITIES),
                    "tags": sorted(rng.sample(TAGS, rng.choice((0, 1, 1, 2)))),
                    "ticket_created_at": created,
                    "first_response_at": created + timedelta(seconds=frt),
                    "solved_at": solved,
                    "reopens": reopens,
                    "handle_seconds": int(rng.lognormvariate(math.log(900), 0.6)),
                    "created_at": solved,
                    "due_at": sent,
                    "sent_at": sent,
                    "answered_at": answered,
                }
            )
            if answered is not None:
                score = _score(rng, survey.kind, survey.scale_min, survey.scale_max, odds)
                top = survey.scale_max - max(1, round(0.4 * (survey.scale_max - survey.scale_min + 1))) + 1
                good = score >= (9 if survey.kind == "nps" else top)
                bad = score <= (
                    6 if survey.kind == "nps" else survey.scale_min + (survey.scale_max - survey.scale_min) // 3
                )
                answers.append((index, survey, score, answered, _comment(rng, good, bad)))
    ids = db.session.execute(insert(Invite).returning(Invite.id, sort_by_parameter_order=True), invites).scalars().all()
    db.session.execute(
        insert(Response),
        [
            {
                "workspace_id": workspace_id,
                "survey_id": survey.id,
                "invite_id": ids[index],
                "score": score,
                "comment": comment,
                "answered_at": at,
                "updated_at": at,
                "themes": [],
            }
            for index, survey, score, at, comment in answers
        ],
    )
    db.session.add(
        Annotation(
            workspace_id=workspace_id,
            day=today - timedelta(days=OUTAGE_DAYS_AGO[0]),
            label="Login outage",
            note="Sign-in failed for most customers; tickets and wait times rose for a week.",
        )
    )
    db.session.add(Annotation(workspace_id=workspace_id, day=today - timedelta(days=20), label="New refund policy"))
    db.session.commit()
    for batch in stale_batches(workspace_id):
        analyze_responses(batch)
    return len(answers)
