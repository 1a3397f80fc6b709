"""The collections service's business counters (docs/operations.md): what
was recorded, and how much of each waste type, in the unit it was given
(kilograms are Kg + 1000 x Tons; litres stay litres: their factors are
analytics' to apply)."""

from service_kit.telemetry import metrics

RECORDED = metrics.counter(
    "collections_recorded_total", "Collections stored, by how (create or import).", ("via",)
)
QUANTITY = metrics.counter(
    "collections_quantity_total",
    "Quantities stored, by waste type and unit (Kg, Tons or Liters).",
    ("waste_type", "unit"),
)
IMPORTED_ROWS = metrics.counter("collections_import_rows_total", "Rows stored by imports.")


def start() -> None:
    """Series that count from zero exist from the start (a rate needs two points)."""
    for via in ("create", "import"):
        RECORDED.of(via)
    IMPORTED_ROWS.of()


def recorded(collections: list[dict], via: str) -> None:
    """Count collections just stored (their create fields: waste_type, unit, quantity)."""
    RECORDED.of(via).inc(len(collections))
    for collection in collections:
        QUANTITY.of(_name(collection["waste_type"]), _name(collection["unit"])).inc(
            collection["quantity"]
        )
    if via == "import":
        IMPORTED_ROWS.of().inc(len(collections))


def _name(value) -> str:
    return getattr(value, "value", value)
