// The two Chart.js charts: kilograms over time stacked by waste type, and
// kilograms by zone. Each is made once and its data replaced on each view.

import * as format from "./format.js";
import { WASTE_TYPES } from "./view.js";

const charts = {};

export function drawSeries(canvas, answer) {
  const labels = answer.periods.map((row) => format.period(row.period_start, answer.bucket));
  const datasets = WASTE_TYPES.map((type) => ({
    label: type,
    data: answer.periods.map((row) => row.by_waste_type[type].kg),
    backgroundColor: format.PALETTE[type],
    stack: "kg",
  }));
  const title = answer.bucket === "week" ? (items) => `Week of ${items[0].label}` : undefined;
  draw(canvas, "bar", { labels, datasets }, {
    scales: {
      // As many dates as fit, level: a year of days is 365 bars.
      x: { stacked: true, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
      y: { stacked: true, beginAtZero: true, title: { display: true, text: "kg" } },
    },
    plugins: {
      tooltip: {
        callbacks: {
          title,
          label: (item) => `${item.dataset.label}: ${format.kilograms(item.raw)}`,
        },
      },
    },
  });
}

export function drawZones(canvas, zones) {
  const labels = zones.map((zone) => zone.zone ?? "(no zone)");
  const datasets = [
    {
      label: "kg",
      data: zones.map((zone) => zone.kg),
      backgroundColor: "#0072B2",
    },
  ];
  draw(canvas, "bar", { labels, datasets }, {
    indexAxis: "y",
    scales: { x: { beginAtZero: true, title: { display: true, text: "kg" } } },
    plugins: {
      legend: { display: false },
      tooltip: { callbacks: { label: (item) => format.kilograms(item.raw) } },
    },
  });
}

function draw(canvas, type, data, options) {
  const chart = charts[canvas.id];
  if (chart) {
    chart.data = data;
    chart.options = { ...chart.options, ...options };
    chart.update();
    return;
  }
  charts[canvas.id] = new window.Chart(canvas, {
    type,
    data,
    options: { responsive: true, maintainAspectRatio: false, animation: false, ...options },
  });
}
