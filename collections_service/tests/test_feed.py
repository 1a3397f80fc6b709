"""The change feed: every write at a position, in order, never skipped."""

import random
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import delete, insert, select, update

from collections_service.models import Collection, CollectionChange
from collections_service.tests.factories import ROW, URL, create, payload

FEED = "/internal/v1/collections/changes"


def changes(client, after: int = 0, limit: int = 1000) -> dict:
    response = client.get(f"{FEED}?after={after}&limit={limit}")
    assert response.status_code == 200
    return response.get_json()


def head(client) -> int:
    return changes(client, limit=1)["head"]


def test_each_write_gets_the_next_position_with_what_was_written(client, db):
    start = head(client)

    made = create(client)
    client.patch(f"{URL}/{made['id']}", json={"status": "Completed"})
    client.delete(f"{URL}/{made['id']}")

    feed = changes(client, after=start)
    assert feed["head"] == start + 3
    assert [(c["position"], c["op"], c["collection_id"]) for c in feed["changes"]] == [
        (start + 1, "upsert", made["id"]),
        (start + 2, "upsert", made["id"]),
        (start + 3, "delete", made["id"]),
    ]
    assert feed["changes"][0]["collection"] == made
    assert feed["changes"][1]["collection"] == made | {"status": "Completed"}
    assert feed["changes"][2]["collection"] is None


def test_refused_writes_leave_no_trace_in_the_feed(client, db):
    made = create(client, status="Completed")
    start = head(client)

    client.patch(f"{URL}/{made['id']}", json={"status": "Pending"})  # 409
    client.post(URL, json=payload(quantity=-1))  # 422
    client.post(URL, json=payload(location="Nowhere Yard"))  # 422
    client.patch(f"{URL}/{made['id']}", json={})  # changes nothing

    assert head(client) == start


def test_a_bulk_import_enters_the_feed_row_by_row(client, db):
    start = head(client)

    ids = client.post(f"{URL}/import", json=[payload(quantity=n + 1) for n in range(5)]).get_json()

    feed = changes(client, after=start)
    first, last = ids["id_ranges"][0]
    assert [c["collection_id"] for c in feed["changes"]] == list(range(first, last + 1))
    assert [c["collection"]["quantity"] for c in feed["changes"]] == [1, 2, 3, 4, 5]


def test_limit_and_after_page_through_the_feed(client, db):
    start = head(client)
    for _ in range(5):
        create(client)

    first = changes(client, after=start, limit=2)["changes"]
    rest = changes(client, after=first[-1]["position"], limit=10)["changes"]

    assert [c["position"] for c in first + rest] == list(range(start + 1, start + 6))


def test_concurrent_writers_and_a_follower_end_in_the_same_state(app, db):
    """Writers commit in whatever order the database lets them; a follower
    reading at the same time must still end with exactly the table."""
    db.execute(delete(Collection))
    db.commit()
    start = head(app.test_client())
    done = threading.Event()
    replica: dict[int, dict] = {}

    def writer(seed: int) -> None:
        client, rng, mine = app.test_client(), random.Random(seed), []
        for _ in range(40):
            action = rng.random()
            if action < 0.5 or not mine:
                mine.append(create(client, quantity=rng.randint(1, 99))["id"])
            elif action < 0.8:
                client.patch(f"{URL}/{rng.choice(mine)}", json={"quantity": rng.randint(1, 99)})
            else:
                client.delete(f"{URL}/{mine.pop(rng.randrange(len(mine)))}")

    def follow() -> None:
        client, position = app.test_client(), start
        while True:
            finished = done.is_set()  # read before fetching: one more pass after the end
            for change in changes(client, after=position, limit=7)["changes"]:
                assert change["position"] == position + 1, "a position was skipped"
                position = change["position"]
                if change["op"] == "delete":
                    replica.pop(change["collection_id"], None)
                else:
                    replica[change["collection_id"]] = change["collection"]
            if finished and position == head(client):
                return

    with ThreadPoolExecutor(5) as pool:
        follower = pool.submit(follow)
        list(pool.map(writer, range(4)))
        done.set()
        follower.result(timeout=60)

    table = {row.id: row for row in db.scalars(select(Collection))}
    assert set(replica) == set(table)
    assert all(replica[i]["quantity"] == table[i].quantity for i in table)
    assert db.scalar(
        select(CollectionChange.position).order_by(CollectionChange.position.desc()).limit(1)
    ) == head(app.test_client())


def test_a_change_left_unflushed_at_commit_still_enters_the_feed(app, db):
    start = head(app.test_client())
    with app.extensions["db"].sessions() as session:
        session.add(Collection(**{**ROW, "quantity": 3.0}))
        session.commit()  # no flush before: the commit flushes it

    feed = changes(app.test_client(), after=start)["changes"]

    assert [(c["op"], c["collection"]["quantity"]) for c in feed] == [("upsert", 3.0)]


def test_the_database_writes_the_feed_for_a_write_made_outside_the_service(app, db):
    start = head(app.test_client())
    made = db.execute(insert(Collection).values(**ROW).returning(Collection.id)).scalar_one()
    db.execute(update(Collection).where(Collection.id == made).values(quantity=7.5))
    db.execute(delete(Collection).where(Collection.id == made))
    db.commit()

    feed = changes(app.test_client(), after=start)

    assert [(c["op"], c["collection_id"]) for c in feed["changes"]] == [
        ("upsert", made),
        ("upsert", made),
        ("delete", made),
    ]
    assert feed["changes"][1]["collection"]["quantity"] == 7.5
    assert feed["head"] == start + 3


def test_a_write_that_touches_no_row_takes_no_position(app, db):
    start = head(app.test_client())

    db.execute(update(Collection).where(Collection.id == -1).values(quantity=1.0))
    db.execute(delete(Collection).where(Collection.id == -1))
    db.commit()

    assert head(app.test_client()) == start


def test_a_page_reaches_past_positions_missing_from_the_feed(app, db):
    """Positions are written without gaps; one deleted by hand (a partial
    restore, say) must not end a page early, or a follower would think it
    had read everything."""
    start = head(app.test_client())
    client = app.test_client()
    for _ in range(4):
        create(client)
    db.execute(delete(CollectionChange).where(CollectionChange.position == start + 2))
    db.commit()

    page = changes(client, after=start, limit=2)

    assert [c["position"] for c in page["changes"]] == [start + 1, start + 3]
    assert page["head"] == start + 4
