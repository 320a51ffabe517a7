"""Subscriptions, fan-out matching and the outbox, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest

from storage import (
    AlertMatcher,
    Basis,
    ChatKey,
    DeliveryStore,
    Mode,
    Outcome,
    PriceStore,
    QuestionOutcome,
    ScopeKind,
    SubscriptionKind,
    SubscriptionSpec,
    SubscriptionStore,
    TargetOutcome,
)
from tests.helpers import quote, utc

NOW = utc(2024, 5, 21, 12)
ALICE = ChatKey("telegram", "100")
BOB = ChatKey("telegram", "200")
TEAM = ChatKey("slack", "C1", "T1")


def seed(store: PriceStore) -> None:
    """Three models with baseline prices, recorded as history (never alerted)."""
    store.record(
        [
            quote(
                "deepseek/deepseek-v2", when=utc(2024, 5, 6), input="1", output="2", currency="CNY"
            ),
            quote(
                "alibaba/qwen-long", when=utc(2024, 5, 1), input="20", output="20", currency="CNY"
            ),
            quote("zhipu/glm-3-turbo", when=utc(2024, 5, 1), input="5", output="5", currency="CNY"),
        ],
        source="test",
        observed_at=utc(2024, 5, 1),
        history=True,
    )


def fan_out(matcher: AlertMatcher, seal: str, now=NOW, **outcomes):  # type: ignore[no-untyped-def]
    after, events = matcher.pending()
    return matcher.apply(after=after, events=events, now=now, seal=seal, **outcomes)


@pytest.fixture
def parts(store: PriceStore):  # type: ignore[no-untyped-def]
    seed(store)
    subs = SubscriptionStore(store.engine)
    matcher = AlertMatcher(store.engine, target_cooldown=timedelta(hours=1))
    matcher.start_cursor(now=NOW)
    return store, subs, matcher, DeliveryStore(store.engine)


def test_history_never_alerts_and_cursor_starts_at_the_end(parts) -> None:  # type: ignore[no-untyped-def]
    store, subs, matcher, outbox = parts
    subs.add(ALICE, SubscriptionSpec(), now=NOW)
    assert matcher.cursor() == store.last_event_id()
    store.record(
        [
            quote(
                "alibaba/qwen-long", when=utc(2024, 5, 21), input="0.5", output="2", currency="CNY"
            )
        ],
        source="test",
        observed_at=NOW,
        history=True,
    )
    result = fan_out(matcher, "s1")
    assert result is not None and result.items == 0 and result.deliveries == 0
    assert matcher.cursor() == store.last_event_id()
    assert outbox.owed() == 0


def test_one_delivery_per_chat_however_many_subscriptions_match(parts) -> None:  # type: ignore[no-untyped-def]
    store, subs, matcher, outbox = parts
    subs.add(ALICE, SubscriptionSpec(), now=NOW)
    subs.add(ALICE, SubscriptionSpec(scope=ScopeKind.VENDOR, scope_value="alibaba"), now=NOW)
    subs.add(
        ALICE, SubscriptionSpec(scope=ScopeKind.MODEL, scope_value="alibaba/qwen-long"), now=NOW
    )
    subs.add(BOB, SubscriptionSpec(scope=ScopeKind.VENDOR, scope_value="deepseek"), now=NOW)
    events = store.record(
        [
            quote(
                "alibaba/qwen-long", when=utc(2024, 5, 21), input="0.5", output="2", currency="CNY"
            )
        ],
        source="test",
        observed_at=NOW,
    )
    assert len(events) == 2  # input and output cuts
    result = fan_out(matcher, "s1")
    assert result is not None
    assert (result.items, result.deliveries) == (2, 1)  # Alice: two events, one message
    claimed = outbox.claim(worker="w", now=NOW, platforms=["telegram"])
    assert [c.chat.key for c in claimed] == [ALICE]
    assert sorted(i.event_id for i in claimed[0].items) == sorted(e.id for e in events)
    # Fanning out again finds nothing new.
    again = fan_out(matcher, "s2")
    assert again is not None and again.items == 0


def test_cut_threshold_and_opt_in_events(parts) -> None:  # type: ignore[no-untyped-def]
    store, subs, matcher, outbox = parts
    subs.add(ALICE, SubscriptionSpec(min_cut_percent=Decimal(50)), now=NOW)
    subs.add(BOB, SubscriptionSpec(on_increase=True, on_new_model=True), now=NOW)
    store.record(
        [
            # GLM: a 20% cut — Bob (default 10%) hears it, Alice (50%) does not.
            quote(
                "zhipu/glm-3-turbo", when=utc(2024, 5, 21), input="4", output="5", currency="CNY"
            ),
            # DeepSeek: an increase — only Bob opted in.
            quote("deepseek/deepseek-v2", when=utc(2024, 5, 21), input="1.5", currency="CNY"),
            # A new model: only Bob opted in.
            quote("bytedance/doubao", when=utc(2024, 5, 21), input="0.8", currency="CNY"),
        ],
        source="test",
        observed_at=NOW,
    )
    result = fan_out(matcher, "s1")
    assert result is not None and result.deliveries == 1
    (bob,) = outbox.claim(worker="w", now=NOW, platforms=["telegram"])
    assert bob.chat.key == BOB and len(bob.items) == 3


def test_a_chat_sees_and_removes_only_its_own_subscriptions(parts) -> None:  # type: ignore[no-untyped-def]
    _, subs, _, _ = parts
    mine, created = subs.add(ALICE, SubscriptionSpec(), now=NOW)
    assert created
    same, created_again = subs.add(ALICE, SubscriptionSpec(), now=NOW)
    assert not created_again and same.id == mine.id
    theirs, _ = subs.add(BOB, SubscriptionSpec(), now=NOW)
    assert [s.id for s in subs.list_for(ALICE)] == [mine.id]
    assert subs.remove(ALICE, ids=[theirs.id]) == []
    assert [s.id for s in subs.list_for(BOB)] == [theirs.id]
    assert [s.id for s in subs.remove(ALICE, ids=[mine.id])] == [mine.id]
    assert subs.list_for(ALICE) == []


def test_deactivate_team_stops_a_workspace(parts) -> None:  # type: ignore[no-untyped-def]
    store, subs, matcher, outbox = parts
    subs.add(TEAM, SubscriptionSpec(), now=NOW)
    subs.add(ChatKey("slack", "C2", "T1"), SubscriptionSpec(), now=NOW)
    other_team = ChatKey("slack", "C1", "T2")
    subs.add(other_team, SubscriptionSpec(), now=NOW)
    assert subs.deactivate_team("slack", "T1") == 2
    store.record(
        [quote("alibaba/qwen-long", when=utc(2024, 5, 21), input="0.5", currency="CNY")],
        source="test",
        observed_at=NOW,
    )
    fan_out(matcher, "s1")
    claimed = outbox.claim(worker="w", now=NOW, platforms=["slack"])
    assert [c.chat.key for c in claimed] == [other_team]


def test_move_chat_follows_a_migrated_group(parts) -> None:  # type: ignore[no-untyped-def]
    store, subs, matcher, outbox = parts
    subs.add(ALICE, SubscriptionSpec(), now=NOW)
    store.record(
        [quote("alibaba/qwen-long", when=utc(2024, 5, 21), input="0.5", currency="CNY")],
        source="test",
        observed_at=NOW,
    )
    fan_out(matcher, "s1")
    moved = subs.move_chat(ALICE, "-100999", now=NOW)
    assert moved is not None and moved.key.chat_id == "-100999"
    assert len(subs.list_for(ChatKey("telegram", "-100999"))) == 1
    (claimed,) = outbox.claim(worker="w", now=NOW, platforms=["telegram"])
    assert claimed.chat.key.chat_id == "-100999" and len(claimed.items) == 1


def test_move_chat_onto_a_chat_that_already_exists(parts) -> None:  # type: ignore[no-untyped-def]
    store, subs, matcher, outbox = parts
    subs.add(ALICE, SubscriptionSpec(), now=NOW)
    subs.add(BOB, SubscriptionSpec(scope=ScopeKind.VENDOR, scope_value="zhipu"), now=NOW)
    store.record(
        [quote("alibaba/qwen-long", when=utc(2024, 5, 21), input="0.5", currency="CNY")],
        source="test",
        observed_at=NOW,
    )
    fan_out(matcher, "s1")
    subs.move_chat(ALICE, BOB.chat_id, now=NOW)
    assert len(subs.list_for(BOB)) == 2
    assert subs.get_chat(ALICE).active is False  # type: ignore[union-attr]
    (claimed,) = outbox.claim(worker="w", now=NOW, platforms=["telegram"])
    assert claimed.chat.key == BOB and len(claimed.items) == 1


def test_outcomes_retry_dead_and_gone(parts) -> None:  # type: ignore[no-untyped-def]
    store, subs, matcher, outbox = parts
    for chat in (ALICE, BOB, ChatKey("telegram", "300")):
        subs.add(chat, SubscriptionSpec(), now=NOW)
    store.record(
        [quote("alibaba/qwen-long", when=utc(2024, 5, 21), input="0.5", currency="CNY")],
        source="test",
        observed_at=NOW,
    )
    fan_out(matcher, "s1")
    a, b, c = outbox.claim(worker="w", now=NOW, platforms=["telegram"])
    # Claimed deliveries are not claimed again while the lease runs.
    assert outbox.claim(worker="x", now=NOW, platforms=["telegram"]) == []
    later = NOW + timedelta(seconds=30)
    outbox.finish(
        [
            Outcome(a.id, "sent", message_id="m1"),
            Outcome(b.id, "retry", at=later, error="HTTP 500"),
            Outcome(c.id, "gone", chat_pk=c.chat.pk, error="blocked"),
        ],
        worker="w",
        now=NOW,
    )
    assert outbox.claim(worker="w", now=NOW, platforms=["telegram"]) == []
    (again,) = outbox.claim(worker="w", now=later, platforms=["telegram"])
    assert again.id == b.id and again.attempts == 1
    outbox.finish([Outcome(b.id, "dead", error="gave up")], worker="w", now=later)
    counts = outbox.counts()
    assert counts == {("telegram", "sent"): 1, ("telegram", "dead"): 1, ("telegram", "gone"): 1}
    assert subs.get_chat(ChatKey("telegram", "300")).active is False  # type: ignore[union-attr]
    assert outbox.retry_dead(now=later) == 1
    assert outbox.owed() == 1


def test_an_expired_lease_is_claimed_again(parts) -> None:  # type: ignore[no-untyped-def]
    store, subs, matcher, outbox = parts
    subs.add(ALICE, SubscriptionSpec(), now=NOW)
    store.record(
        [quote("alibaba/qwen-long", when=utc(2024, 5, 21), input="0.5", currency="CNY")],
        source="test",
        observed_at=NOW,
    )
    fan_out(matcher, "s1")
    (first,) = outbox.claim(
        worker="dead-process", now=NOW, platforms=["telegram"], lease=timedelta(seconds=10)
    )
    (second,) = outbox.claim(worker="w", now=NOW + timedelta(seconds=11), platforms=["telegram"])
    assert second.id == first.id
    # The late worker's outcome no longer counts: the new holder's does.
    outbox.finish([Outcome(first.id, "sent")], worker="dead-process", now=NOW)
    outbox.finish([Outcome(second.id, "sent")], worker="w", now=NOW)
    assert outbox.counts() == {("telegram", "sent"): 1}


def test_concurrent_claims_never_share_a_delivery(parts) -> None:  # type: ignore[no-untyped-def]
    store, subs, matcher, outbox = parts
    chats = [ChatKey("telegram", str(n)) for n in range(60)]
    for chat in chats:
        subs.add(chat, SubscriptionSpec(), now=NOW)
    store.record(
        [quote("alibaba/qwen-long", when=utc(2024, 5, 21), input="0.5", currency="CNY")],
        source="test",
        observed_at=NOW,
    )
    fan_out(matcher, "s1")
    got: dict[str, list[int]] = {}

    def work(name: str) -> None:
        ids: list[int] = []
        while batch := outbox.claim(worker=name, now=NOW, platforms=["telegram"], limit=7):
            ids += [c.id for c in batch]
        got[name] = ids

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for ids in got.values() for i in ids]
    assert len(every) == len(set(every)) == 60


def test_digest_items_wait_for_the_digest_hour(parts) -> None:  # type: ignore[no-untyped-def]
    store, subs, matcher, outbox = parts
    nine = utc(2024, 5, 22, 1)  # 09:00 in Asia/Shanghai
    subs.update_chat(
        ALICE, now=NOW, digest_minute=540, next_digest_at=nine, timezone="Asia/Shanghai"
    )
    subs.add(ALICE, SubscriptionSpec(mode=Mode.DIGEST), now=NOW)
    subs.add(BOB, SubscriptionSpec(), now=NOW)
    store.record(
        [quote("alibaba/qwen-long", when=utc(2024, 5, 21), input="0.5", currency="CNY")],
        source="test",
        observed_at=NOW,
    )
    fan_out(matcher, "s1")
    (bob,) = outbox.claim(worker="w", now=NOW, platforms=["telegram"])
    assert bob.chat.key == BOB
    outbox.finish([Outcome(bob.id, "sent")], worker="w", now=NOW)
    assert matcher.seal_due(now=NOW, seal="d0") == 0
    assert [c.pk for c in matcher.digests_due(now=nine)] == [subs.get_chat(ALICE).pk]  # type: ignore[union-attr]
    assert matcher.seal_due(now=nine, seal="d1") == 1
    (alice,) = outbox.claim(worker="w", now=nine, platforms=["telegram"])
    assert alice.chat.key == ALICE and alice.kind == "digest" and len(alice.items) == 1


def test_target_fires_once_then_rearms_after_going_back_above(parts) -> None:  # type: ignore[no-untyped-def]
    store, subs, matcher, _ = parts
    spec = SubscriptionSpec(
        kind=SubscriptionKind.TARGET,
        target_amount=Decimal("1"),
        target_currency="CNY",
        target_basis=Basis.BLENDED,
        target_min_context=128000,
    )
    subs.add(ALICE, spec, now=NOW)
    key = spec.group_key()
    assert key is not None

    def step(amount: str, seal: str, now):  # type: ignore[no-untyped-def]
        events = store.record(
            [quote("zhipu/glm-3-turbo", when=now, input=amount, currency="CNY")],
            source="test",
            observed_at=now,
        )
        outcome = TargetOutcome(key, Decimal(amount), "zhipu/glm-3-turbo", events[0].id or 0, "GLM")
        return fan_out(matcher, seal, now=now, targets=[outcome])

    assert step("0.9", "t1", NOW).items == 1  # crossed: fires
    assert step("0.8", "t2", NOW + timedelta(minutes=1)).items == 0  # still under: silent
    assert step("1.5", "t3", NOW + timedelta(minutes=2)).items == 0  # back above: re-armed
    assert step("0.7", "t4", NOW + timedelta(minutes=3)).items == 0  # cooldown (1h) not over
    assert step("1.6", "t5", NOW + timedelta(hours=2)).items == 0
    assert step("0.6", "t6", NOW + timedelta(hours=2, minutes=1)).items == 1


def test_saved_question_alerts_when_its_answer_changes(parts) -> None:  # type: ignore[no-untyped-def]
    store, subs, matcher, outbox = parts
    spec = SubscriptionSpec(
        kind=SubscriptionKind.QUESTION, question="cheapest for 1M tokens", target_currency="CNY"
    )
    subs.add(ALICE, spec, now=NOW, last_signature="deepseek|glm")
    subs.add(BOB, spec, now=NOW, last_signature="deepseek|glm")
    key = spec.group_key()
    assert key is not None
    events = store.record(
        [quote("alibaba/qwen-long", when=utc(2024, 5, 21), input="0.5", currency="CNY")],
        source="test",
        observed_at=NOW,
    )
    same = QuestionOutcome(key, "deepseek|glm", events[0].id or 0, "")
    assert fan_out(matcher, "q0", questions=[same]).items == 0
    events = store.record(
        [quote("alibaba/qwen-long", when=utc(2024, 5, 22), input="0.4", currency="CNY")],
        source="test",
        observed_at=NOW,
    )
    changed = QuestionOutcome(key, "qwen|deepseek", events[0].id or 0, "1. Qwen-Long")
    result = fan_out(matcher, "q1", questions=[changed])
    assert result.items == 2 and result.deliveries == 2
    claimed = outbox.claim(worker="w", now=NOW, platforms=["telegram"])
    assert {i.previous for c in claimed for i in c.items} == {"deepseek|glm"}
    assert subs.list_for(ALICE)[0].last_signature == "qwen|deepseek"


def test_a_stale_cursor_writes_nothing(parts) -> None:  # type: ignore[no-untyped-def]
    store, subs, matcher, outbox = parts
    subs.add(ALICE, SubscriptionSpec(), now=NOW)
    store.record(
        [quote("alibaba/qwen-long", when=utc(2024, 5, 21), input="0.5", currency="CNY")],
        source="test",
        observed_at=NOW,
    )
    after, events = matcher.pending()
    assert matcher.apply(after=after, events=events, now=NOW, seal="a") is not None
    assert matcher.apply(after=after, events=events, now=NOW, seal="b") is None
    assert outbox.owed() == 1


def test_a_free_offer_ending_soon_alerts_once_those_who_asked(parts) -> None:  # type: ignore[no-untyped-def]
    from storage import FreeOffer
    from storage.free_ending import note_free_offers_ending

    store, subs, matcher, outbox = parts
    subs.add(ALICE, SubscriptionSpec(on_free_ending=True), now=NOW)
    subs.add(BOB, SubscriptionSpec(), now=NOW)
    ends = NOW + timedelta(days=3)
    store.record(
        [
            quote(
                "google/gemini-pro",
                when=utc(2024, 5, 1),
                free_offer=FreeOffer(until=ends, cap_note="50 requests a day"),
            )
        ],
        source="test",
        observed_at=utc(2024, 5, 1),
        history=True,
    )
    assert note_free_offers_ending(store.engine, now=NOW - timedelta(days=10)) == []  # not yet
    (event,) = note_free_offers_ending(store.engine, now=NOW)
    assert (event.type.value, event.free_until, event.cap_note) == (
        "free_ending",
        ends,
        "50 requests a day",
    )
    assert note_free_offers_ending(store.engine, now=NOW + timedelta(hours=1)) == []  # once
    result = fan_out(matcher, "e1")
    assert result is not None and result.deliveries == 1
    (alice,) = outbox.claim(worker="w", now=NOW, platforms=["telegram"])
    assert alice.chat.key == ALICE
