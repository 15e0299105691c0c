"""The cursor of an index in the change log: it moves over contiguous ids only, waits at a hole (a transaction still
open may commit a lower id) unless the hole is older than SEARCH_GAP_GRACE or provably permanent; the log is pruned
below the lowest cursor of all the indexes (replicas), and ``flask search forget`` drops a dead replica's cursor."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import SearchChange, SearchCursor
from marketplace.models.types import utcnow
from marketplace.search import changes, service
from tests import factories
from tests.support.search_support import build_index, change_rows, drain, indexed_ids, is_postgresql


@pytest.fixture
def grace(app, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_GAP_GRACE", 120)
    return timedelta(seconds=120)


def cursor_at(position: int, gap_position=None, gap_seen_at=None) -> SearchCursor:
    return SearchCursor(name="test", position=position, gap_position=gap_position, gap_seen_at=gap_seen_at)


# --------------------------------------------------------------------------- advance


def test_the_cursor_moves_over_contiguous_ids(grace):
    cursor = cursor_at(10)
    changes.advance(cursor, [11, 12, 13])
    assert (cursor.position, cursor.gap_position, cursor.gap_seen_at) == (13, None, None)


def test_ids_already_passed_and_the_order_of_the_list_do_not_matter(grace):
    cursor = cursor_at(10)
    changes.advance(cursor, [13, 9, 11, 10, 12])
    assert cursor.position == 13


def test_no_ids_leave_the_cursor_where_it_is(grace):
    cursor = cursor_at(10)
    changes.advance(cursor, [])
    assert cursor.position == 10


def test_the_cursor_waits_at_a_hole(grace):
    cursor = cursor_at(10)
    changes.advance(cursor, [11, 13, 14])
    assert cursor.position == 11
    assert cursor.gap_position == 12 and cursor.gap_seen_at is not None
    seen = cursor.gap_seen_at

    changes.advance(cursor, [13, 14])  # a later drain, within the grace: still waiting, since the first sighting
    assert cursor.position == 11 and cursor.gap_position == 12 and cursor.gap_seen_at == seen

    changes.advance(cursor, [12, 13, 14])  # the late transaction committed
    assert (cursor.position, cursor.gap_position, cursor.gap_seen_at) == (14, None, None)


def test_a_hole_older_than_the_grace_is_skipped(grace):
    cursor = cursor_at(10)
    changes.advance(cursor, [11, 14, 15])
    assert cursor.position == 11
    cursor.gap_seen_at = utcnow() - grace - timedelta(seconds=1)
    changes.advance(cursor, [14, 15])
    assert (cursor.position, cursor.gap_position, cursor.gap_seen_at) == (15, None, None)


def test_with_no_grace_a_hole_is_skipped_at_the_second_sighting(app, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_GAP_GRACE", 0)
    cursor = cursor_at(10)
    changes.advance(cursor, [12])
    assert cursor.position == 10 and cursor.gap_position == 11
    changes.advance(cursor, [12])
    assert cursor.position == 12


def test_a_hole_just_younger_than_the_grace_is_waited_for(grace):
    cursor = cursor_at(10)
    changes.advance(cursor, [12])
    cursor.gap_seen_at = utcnow() - grace + timedelta(seconds=5)
    changes.advance(cursor, [12])
    assert cursor.position == 10


def test_several_holes_each_wait_for_their_own_grace(grace):
    cursor = cursor_at(10)
    changes.advance(cursor, [11, 13, 15, 16])
    assert cursor.position == 11 and cursor.gap_position == 12

    cursor.gap_seen_at = utcnow() - grace - timedelta(seconds=1)  # the first hole aged out
    changes.advance(cursor, [13, 15, 16])
    assert cursor.position == 13 and cursor.gap_position == 14  # the second one is new: it waits
    assert utcnow() - cursor.gap_seen_at < timedelta(seconds=5)

    changes.advance(cursor, [15, 16])
    assert cursor.position == 13

    cursor.gap_seen_at = utcnow() - grace - timedelta(seconds=1)
    changes.advance(cursor, [15, 16])
    assert (cursor.position, cursor.gap_position) == (16, None)


def test_a_hole_that_fills_while_a_later_one_waits(grace):
    cursor = cursor_at(10)
    changes.advance(cursor, [11, 13, 15])
    changes.advance(cursor, [12, 13, 15])
    assert cursor.position == 13 and cursor.gap_position == 14


def test_a_hole_that_may_still_fill_is_waited_for(grace):
    asked = []

    def permanent(first, last):
        asked.append((first, last))
        return False

    cursor = cursor_at(10)
    changes.advance(cursor, [11, 14, 15], permanent)
    assert asked == [(12, 13)]  # the whole hole, once
    assert cursor.position == 11 and cursor.gap_position == 12


def test_a_permanent_hole_is_skipped_and_the_next_one_waits(grace):
    cursor = cursor_at(10)
    changes.advance(cursor, [11, 14, 15, 17], lambda first, last: first == 12)
    assert cursor.position == 15 and cursor.gap_position == 16


# --------------------------------------------------------------------------- is a hole permanent?


def _new_change_ids(count: int) -> list[int]:
    rows = [SearchChange(post_id=None, company_id=None) for _ in range(count)]
    db.session.add_all(rows)
    db.session.flush()
    return [row.id for row in rows]


def test_hole_is_permanent_on_this_database(app, tmp_path):
    """PostgreSQL: a missing id is permanent when no other transaction is open; SQLite never says so (its log has
    no holes: ids are handed out in commit order)."""
    first, middle, last = _new_change_ids(3)
    db.session.execute(sa.delete(SearchChange).where(SearchChange.id == middle))
    db.session.flush()
    if not is_postgresql():
        assert changes.hole_is_permanent(middle, middle) is False
        return
    assert changes.hole_is_permanent(middle, middle) is True
    assert changes.hole_is_permanent(first, last) is False  # rows there: they are not missing
    other = sa.create_engine(db.engine.url)
    try:
        with other.connect() as connection:
            connection.execute(sa.text("SELECT 1"))  # an open transaction that may hold the id
            assert changes.hole_is_permanent(middle, middle) is False
    finally:
        other.dispose()


# --------------------------------------------------------------------------- prune


def _cursor(name: str, position: int) -> SearchCursor:
    cursor = SearchCursor(name=name, position=position)
    db.session.add(cursor)
    db.session.flush()
    return cursor


def _log_ids() -> list[int]:
    return [row[0] for row in change_rows()]


def test_prune_deletes_only_the_rows_every_cursor_has_passed():
    ids = _new_change_ids(6)
    ahead = _cursor("host-a", ids[4])
    behind = _cursor("host-b", ids[1])

    changes.prune()
    assert _log_ids() == ids[1:]  # below the lowest cursor (the row at it is kept: see below)

    behind.position = ids[5]
    db.session.flush()
    changes.prune()
    assert _log_ids() == ids[4:]
    assert ahead.position == ids[4]


def test_prune_without_cursors_or_at_zero_deletes_nothing():
    ids = _new_change_ids(3)
    changes.prune()
    assert _log_ids() == ids
    _cursor("new-host", 0)
    _cursor("host-a", ids[2])
    changes.prune()
    assert _log_ids() == ids


def test_prune_keeps_new_ids_above_every_cursor():
    """SQLite gives a new row the largest id of the table plus one: emptied, the log would hand out ids the
    cursors have already passed, and those changes would never be applied."""
    ids = _new_change_ids(3)
    _cursor("host-a", ids[2])
    changes.prune()
    (new,) = _new_change_ids(1)
    assert new > ids[2]
    assert changes.latest_change_id() >= ids[2]


def test_a_lagging_replica_holds_back_pruning_until_it_is_forgotten(app, runner, search_index):
    build_index()
    replica = _cursor("replica-host-2", 0)
    db.session.commit()
    posts = [factories.PostFactory() for _ in range(3)]
    assert drain().skipped is None
    assert {p.id for p in posts} <= indexed_ids()
    assert len(change_rows()) >= 6  # the replica has not applied them: kept

    replica.position = change_rows()[2][0]  # the replica catches up a little
    db.session.commit()
    factories.PostFactory()
    drain()
    assert change_rows()[0][0] == replica.position

    result = runner.invoke(args=["search", "forget", "replica-host-2"])
    assert result.exit_code == 0
    assert result.output.strip() == "cursor replica-host-2 removed."
    db.session.expire_all()
    assert db.session.get(SearchCursor, "replica-host-2") is None
    factories.PostFactory()
    drain()
    assert len(change_rows()) == 1  # only the latest row is kept
    assert not changes.behind(service.index_name())


def test_forget_an_unknown_cursor(runner):
    result = runner.invoke(args=["search", "forget", "nobody"])
    assert result.exit_code == 0
    assert result.output.strip() == "no cursor named nobody."


def test_behind_compares_the_log_with_the_cursor():
    ids = _new_change_ids(2)
    assert changes.behind("fresh-index")  # no cursor yet: everything is ahead
    _cursor("fresh-index", ids[0])
    assert changes.behind("fresh-index")
    db.session.get(SearchCursor, "fresh-index").position = ids[1]
    db.session.flush()
    assert not changes.behind("fresh-index")
