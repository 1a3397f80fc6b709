// The places table: sortable by any column (its header is a button), the
// first rows shown until "show all", and every row downloadable as CSV.

import * as format from "./format.js";

const SHOWN = 20;
const COLUMNS = [
  ["location", "Location"],
  ["zone", "Zone"],
  ["location_type", "Type"],
  ["kg", "kg"],
  ["collections", "Collections"],
  ["unconverted", "Litres not converted"],
];

export class PlacesTable {
  constructor(table, showAll, download) {
    this.table = table;
    this.showAll = showAll;
    this.rows = [];
    this.sort = { key: "kg", descending: true };
    this.expanded = false;
    for (const header of table.querySelectorAll("th")) {
      header.querySelector("button").addEventListener("click", () => this.sortBy(header.dataset.key));
    }
    showAll.addEventListener("click", () => {
      this.expanded = !this.expanded;
      this.render();
    });
    download.addEventListener("click", () => this.download());
  }

  show(places) {
    this.rows = places.map((place) => ({
      ...place,
      unconverted: Object.values(place.unconverted_liters).reduce((sum, v) => sum + v, 0),
    }));
    this.render();
  }

  sortBy(key) {
    const descending = this.sort.key === key ? !this.sort.descending : key !== "location";
    this.sort = { key, descending };
    this.render();
  }

  sorted() {
    const { key, descending } = this.sort;
    const value = (row) => row[key] ?? "";
    return [...this.rows].sort((a, b) => {
      const order = typeof value(a) === "number" ? value(a) - value(b) : String(value(a)).localeCompare(value(b));
      return (descending ? -order : order) || a.location.localeCompare(b.location);
    });
  }

  render() {
    for (const header of this.table.querySelectorAll("th")) {
      const sorted = header.dataset.key === this.sort.key;
      header.setAttribute("aria-sort", sorted ? (this.sort.descending ? "descending" : "ascending") : "none");
    }
    const rows = this.sorted();
    const shown = this.expanded ? rows : rows.slice(0, SHOWN);
    this.table.tBodies[0].replaceChildren(...shown.map(row));
    this.showAll.hidden = rows.length <= SHOWN;
    this.showAll.textContent = this.expanded ? `Show the first ${SHOWN}` : `Show all ${rows.length}`;
  }

  download() {
    const lines = [COLUMNS.map(([, title]) => title), ...this.sorted().map((r) => COLUMNS.map(([key]) => r[key]))];
    const text = lines.map((line) => line.map(csvCell).join(",")).join("\r\n");
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
    link.download = "locations.csv";
    link.click();
    URL.revokeObjectURL(link.href);
  }
}

function row(place) {
  const cells = [
    place.known ? place.location : `${place.location} (unknown to the locations service)`,
    place.zone ?? "-",
    place.location_type ?? "-",
    format.kilograms(place.kg),
    format.count(place.collections),
    place.unconverted ? format.litres(place.unconverted) : "-",
  ];
  const tr = document.createElement("tr");
  cells.forEach((text, index) => {
    const td = document.createElement("td");
    td.textContent = text;
    if (index >= 3) {
      td.className = "num";
    }
    tr.append(td);
  });
  tr.dataset.location = place.location;
  tr.dataset.kg = place.kg;
  return tr;
}

// A CSV cell (RFC 4180 quoting); text a spreadsheet would run as a formula
// (=, +, -, @ first) is written with a leading apostrophe.
function csvCell(value) {
  let text = value === null || value === undefined ? "" : String(value);
  if (typeof value === "string" && /^[=+\-@]/.test(text)) {
    text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
