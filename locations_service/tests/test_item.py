"""GET, PUT, PATCH and DELETE (archive) of one location."""

import pytest

from locations_service.tests.factories import URL, create, payload, stored


def test_get_returns_the_location(client, db):
    created = create(client)

    response = client.get(f"{URL}/{created['id']}")

    assert (response.status_code, response.get_json()) == (200, created)


@pytest.mark.parametrize("location_id", ["2147483648", "0", "-3", "abc", "9" * 30])
def test_ids_outside_int32_or_not_numbers_are_404(client, db, location_id):
    for method in ("get", "put", "patch", "delete"):
        response = getattr(client, method)(f"{URL}/{location_id}", json=payload())

        assert response.status_code == 404, method
        assert response.content_type == "application/problem+json"


def test_put_replaces_every_field_and_nulls_what_is_left_out(client, db):
    created = create(client)

    response = client.put(
        f"{URL}/{created['id']}", json={"name": "Depot North", "location_type": "Industrial"}
    )

    assert response.status_code == 200
    assert response.get_json() == {
        "id": created["id"],
        "name": "Depot North",
        "address": None,
        "zone": None,
        "location_type": "Industrial",
        "latitude": None,
        "longitude": None,
        "archived": False,
    }
    assert stored(db)[0].zone is None


def test_put_accepts_the_body_a_client_read(client, db):
    created = create(client)

    response = client.put(f"{URL}/{created['id']}", json=created | {"zone": "Harbour"})

    assert (response.status_code, response.get_json()["zone"]) == (200, "Harbour")


@pytest.mark.parametrize("method", ["put", "patch"])
def test_renaming_is_409_and_changes_nothing(client, db, method):
    created = create(client)

    response = getattr(client, method)(
        f"{URL}/{created['id']}", json=payload(name="Depot Renamed", zone="Elsewhere")
    )

    assert response.status_code == 409
    assert "name" in response.get_json()["errors"]
    assert (stored(db)[0].name, stored(db)[0].zone) == ("Depot North", "North")


def test_patch_with_the_same_name_is_fine(client, db):
    created = create(client)

    response = client.patch(f"{URL}/{created['id']}", json={"name": "Depot North", "zone": "N2"})

    assert (response.status_code, response.get_json()["zone"]) == (200, "N2")


def test_patch_may_move_or_clear_both_coordinates(client, db):
    created = create(client)
    url = f"{URL}/{created['id']}"

    moved = client.patch(url, json={"latitude": 1.5, "longitude": 2.5}).get_json()
    cleared = client.patch(url, json={"latitude": None, "longitude": None}).get_json()

    assert (moved["latitude"], moved["longitude"]) == (1.5, 2.5)
    assert (cleared["latitude"], cleared["longitude"]) == (None, None)


def test_patch_that_would_leave_one_coordinate_is_422(client, db):
    created = create(client)

    response = client.patch(f"{URL}/{created['id']}", json={"longitude": None})

    assert response.status_code == 422
    assert stored(db)[0].longitude == 4.9003


def test_patch_cannot_archive_or_unarchive(client, db):
    created = create(client)

    response = client.patch(f"{URL}/{created['id']}", json={"archived": True})

    assert response.status_code == 422
    assert "archived" in response.get_json()["errors"]
    assert stored(db)[0].archived is False


def test_delete_archives_the_location_which_stays_readable(client, db):
    created = create(client)

    response = client.delete(f"{URL}/{created['id']}")

    assert (response.status_code, response.data) == (204, b"")
    assert stored(db)[0].archived is True
    read = client.get(f"{URL}/{created['id']}")
    assert read.get_json() == created | {"archived": True}


def test_an_archived_location_leaves_the_default_listing(client, db):
    kept, archived = create(client, name="Kept"), create(client, name="Gone")
    client.delete(f"{URL}/{archived['id']}")

    assert [loc["id"] for loc in client.get(URL).get_json()] == [kept["id"]]
    listed = client.get(f"{URL}?archived=true").get_json()
    assert [loc["id"] for loc in listed] == [archived["id"]]


def test_archiving_twice_is_fine_and_an_unknown_id_is_404(client, db):
    created = create(client)

    assert client.delete(f"{URL}/{created['id']}").status_code == 204
    assert client.delete(f"{URL}/{created['id']}").status_code == 204
    assert client.delete(f"{URL}/99999").status_code == 404


def test_an_archived_location_keeps_its_name_taken(client, db):
    created = create(client)
    client.delete(f"{URL}/{created['id']}")

    assert client.post(URL, json=payload()).status_code == 409
