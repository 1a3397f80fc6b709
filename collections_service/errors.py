"""The collections service's own rule violations."""

from service_kit.web.errors import Conflict, NotFound, Unprocessable


class CollectionNotFound(NotFound):
    def __init__(self, collection_id: int):
        super().__init__(f"No collection has id {collection_id}.")


class StatusBackwards(Conflict):
    def __init__(self):
        super().__init__(
            "status only moves forward: a Completed collection cannot go back to Pending.",
            errors={"status": ["Cannot change from Completed to Pending."]},
        )


class QuantityTooLarge(Unprocessable):
    """A PATCH whose quantity and unit, with the stored ones, exceed the bounds."""

    def __init__(self, message: str):
        super().__init__(f"quantity: {message}", errors={"quantity": [message]})
