"""What the collections document says beyond the schemas: examples, the
import's two body types, the list's two answers."""

from collections_service import transfer

COLLECTION_EXAMPLE = {
    "location": "Depot North",
    "waste_type": "Plastic",
    "quantity": 12.5,
    "unit": "Kg",
    "collected_date": "2026-03-01T08:30:00+02:00",
}
REPLACE_EXAMPLE = COLLECTION_EXAMPLE | {"status": "Completed"}
PATCH_EXAMPLE = {"status": "Completed"}
CSV_EXAMPLE = (
    "location,waste_type,quantity,unit,collected_date,status\r\n"
    "Depot North,Glass,80,Kg,2026-03-01T08:30:00Z,Completed\r\n"
)
IMPORT_BODY = {
    "required": True,
    "description": "Up to 10,000 collections, each as for a single create.",
    "content": {
        "application/json": {
            "schema": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/CollectionIn"},
                "minItems": 1,
                "maxItems": transfer.MAX_ROWS,
            },
            "example": [COLLECTION_EXAMPLE],
        },
        "text/csv": {
            "schema": {
                "type": "string",
                "description": "RFC 4180, UTF-8 (a BOM is allowed), a header row of the"
                " contract's field names; empty cells are absent fields.",
            },
            "example": CSV_EXAMPLE,
        },
    },
}
# The list answers JSON (paged), or every match as CSV with Accept: text/csv.
LIST_CSV = {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}
