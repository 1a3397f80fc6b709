"""The collections service's own rule violations."""

from service_kit.web.errors import Conflict, NotFound


class CollectionNotFound(NotFound):
    def __init__(self, collection_id: int):
        super().__init__(f"No collection has id {collection_id}.")


class StatusBackwards(Conflict):
    def __init__(self):
        super().__init__(
            "status only moves forward: a Completed collection cannot go back to Pending.",
            errors={"status": ["Cannot change from Completed to Pending."]},
        )
