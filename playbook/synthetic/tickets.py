"""A seeded SYNTHETIC support-ticket data set, so that the routing demo runs offline.

Nothing here was written by a real customer. Every ticket id starts with `SYN-T`, and
files written from it carry SYNTHETIC in their names.

The tickets of an online shop's help desk fall into six queues. Each queue has its own
phrases, but the queues share words ("order", "account", "refund", "charged"), some
tickets mention a second topic, some are vague, some have typos, and a few were filed
under the wrong queue by whoever labelled them. A keyword list catches many tickets and
misroutes some; a text model does better, but not perfectly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.synthetic.timeline import Batch, case_ids, draw_periods

TICKET_COLUMNS = {
    "ticket_id": "SYNTHETIC ticket id (one row per ticket).",
    "received_month": "Month the ticket arrived, YYYY-MM.",
    "channel": "How it arrived: email, chat or app.",
    "text": "What the customer wrote (SYNTHETIC).",
    "queue": (
        "Label: the queue that resolved the ticket (billing, delivery, returns, "
        "account_access, technical_fault, cancellation)."
    ),
}

QUEUES = {
    "delivery": 0.28,
    "billing": 0.20,
    "returns": 0.17,
    "account_access": 0.14,
    "technical_fault": 0.13,
    "cancellation": 0.08,
}

# Phrases per queue; {n} is an order number, {d} a number of days.
_PHRASES = {
    "delivery": [
        "my parcel has not arrived yet",
        "where is my order {n}? it was due {d} days ago",
        "the courier says delivered but I have nothing",
        "tracking has not updated for {d} days",
        "can you change the delivery address for order {n}",
        "the package came damaged, the box was open",
        "delivery was supposed to be yesterday",
        "order {n} still shows as dispatched",
        "the driver left my order with a neighbour I do not know",
        "is it possible to get it shipped faster",
    ],
    "billing": [
        "I was charged twice for order {n}",
        "the invoice shows the wrong amount",
        "why is there an extra fee on my bill",
        "my card was debited but the order failed",
        "please send me a VAT invoice for order {n}",
        "the discount code was not applied to the price",
        "I see a payment I do not recognise on my statement",
        "you charged me the full price instead of the sale price",
        "how do I update my payment card",
        "the refund of the delivery fee never reached my account",
    ],
    "returns": [
        "I want to return the shoes, wrong size",
        "how do I send back order {n}",
        "can I exchange this for a different colour",
        "I returned the item {d} days ago and still no refund",
        "the return label does not print",
        "the product is not what the picture showed, I want my money back",
        "where do I drop off a return",
        "the jacket is faulty, can I swap it for a new one",
        "is the return free of charge",
        "refund for returned order {n} please",
    ],
    "account_access": [
        "I cannot log in to my account",
        "password reset email never arrives",
        "my account is locked after too many attempts",
        "the verification code is not accepted",
        "how do I change the email on my account",
        "someone else may have used my account",
        "I forgot my password and the link has expired",
        "it says my login details are wrong but they are right",
        "two-step verification keeps failing",
        "I want to update my phone number for sign in",
    ],
    "technical_fault": [
        "the app crashes when I open the basket",
        "checkout page shows an error",
        "the website will not load on my phone",
        "pictures are not showing on the product page",
        "the app freezes after the update",
        "search gives no results at all",
        "the button to pay does nothing",
        "I get an error code {n} when I try to pay",
        "the page keeps reloading and I lose my basket",
        "notifications do not work since the new version",
    ],
    "cancellation": [
        "please cancel order {n}",
        "I want to cancel my subscription",
        "close my account and delete my data",
        "stop my monthly plan from renewing",
        "I ordered by mistake, cancel it please",
        "how do I end my membership",
        "cancel the order before it ships",
        "I no longer want the premium plan",
        "unsubscribe me from the delivery pass",
        "please terminate my account",
    ],
}

_OPENERS = ["", "", "", "Hi, ", "Hello, ", "Hi team, ", "Good morning, ", "Hey, "]
_CLOSERS = ["", "", "", " Thanks.", " Thank you.", " Please help.", " Asap please."]
_VAGUE = [
    "I have a problem with my order {n}",
    "something is wrong with my account",
    "can someone call me back",
    "this is the third time I write to you",
    "nothing works, very disappointed",
    "please look into this urgently",
]

# The example's half year of tickets.
HALF_YEAR = Batch(first="2025-01", periods=6)


def tickets(*, rows: int, seed: int, batch: Batch = HALF_YEAR) -> pd.DataFrame:
    """Generate SYNTHETIC support tickets with the queue that resolved each one.

    About 18% of tickets add a phrase of another queue, 6% are vague (only a phrase
    that any queue could get, which the queue's label cannot be read from), 8% have a
    typo, and 3% carry the wrong queue as their label. The queues' shares are
    `QUEUES`.

    Args:
        rows: Number of tickets.
        seed: Seed of the random generator; the same seed gives the same data.
        batch: The months the tickets spread over, evenly at random (default: the
            six from January 2025, YYYY-MM), the first ticket id and the drift: that
            share of the queue mix moves to technical faults (an outage) and of the
            channel mix to the app.
    """
    rng, shift = np.random.default_rng(seed), batch.shift
    names = list(QUEUES)
    mix = np.array(list(QUEUES.values()))
    mix = (1 - shift) * mix + shift * (np.array(names) == "technical_fault")
    queue = rng.choice(names, size=rows, p=mix / mix.sum())
    texts = [_ticket(rng, str(name), names) for name in queue]
    mislabelled = rng.random(rows) < 0.03
    label = np.where(mislabelled, rng.choice(names, size=rows), queue)
    month_index = draw_periods(rng, rows=rows, periods=batch.periods)
    calendar = pd.period_range(batch.first, periods=batch.periods, freq="M")
    return pd.DataFrame(
        {
            "ticket_id": case_ids(rng, rows=rows, batch=batch, pattern="SYN-T{:06d}"),
            "received_month": np.asarray(calendar.strftime("%Y-%m"))[month_index],
            "channel": rng.choice(
                ["email", "chat", "app"],
                size=rows,
                p=(1 - shift) * np.array([0.5, 0.3, 0.2]) + shift * np.array([0, 0, 1]),
            ),
            "text": texts,
            "queue": label,
        }
    )


def _ticket(rng: np.random.Generator, queue: str, names: list[str]) -> str:
    if rng.random() < 0.06:
        body = _fill(rng, _VAGUE[rng.integers(len(_VAGUE))])
    else:
        phrases = _PHRASES[queue]
        body = _fill(rng, phrases[rng.integers(len(phrases))])
        if rng.random() < 0.18:
            other = names[rng.integers(len(names))]
            extra = _PHRASES[other][rng.integers(len(_PHRASES[other]))]
            body = f"{body}, also {_fill(rng, extra)}"
    if rng.random() < 0.08:
        body = _typo(rng, body)
    opener = _OPENERS[rng.integers(len(_OPENERS))]
    closer = _CLOSERS[rng.integers(len(_CLOSERS))]
    text = f"{opener}{body}.{closer}"
    return text[0].upper() + text[1:]


def _fill(rng: np.random.Generator, phrase: str) -> str:
    return phrase.format(n=f"{rng.integers(100000, 999999)}", d=rng.integers(2, 15))


def _typo(rng: np.random.Generator, text: str) -> str:
    """Swap two neighbouring letters of one longer word."""
    words = text.split(" ")
    long_words = [i for i, word in enumerate(words) if len(word) >= 5]
    if not long_words:
        return text
    i = long_words[rng.integers(len(long_words))]
    word = words[i]
    j = int(rng.integers(1, len(word) - 2))
    words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)
