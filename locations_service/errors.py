"""The locations service's own rule violations."""

from service_kit.web.errors import Conflict, NotFound, Unprocessable


class LocationNotFound(NotFound):
    def __init__(self, location_id: int):
        super().__init__(f"No location has id {location_id}.")


class NameTaken(Conflict):
    def __init__(self, name: str):
        super().__init__(
            f"A location named {name!r} exists already; names are unique.",
            errors={"name": ["Already taken."]},
        )


class NameImmutable(Conflict):
    def __init__(self, current: str):
        super().__init__(
            f"A location's name cannot change after creation (it is {current!r}); "
            "collections refer to it.",
            errors={"name": [f"Cannot change; must be {current!r}."]},
        )


class ArchivedReadOnly(Unprocessable):
    def __init__(self, current: bool):
        super().__init__(
            "archived is read-only: DELETE archives a location.",
            errors={"archived": [f"Read-only; send it absent or {str(current).lower()}."]},
        )


class CoordinatesUnpaired(Unprocessable):
    def __init__(self):
        message = "Give latitude and longitude together, or neither."
        super().__init__(message, errors={"latitude": [message], "longitude": [message]})
