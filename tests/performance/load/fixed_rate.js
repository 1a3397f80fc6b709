// k6: one GET at a fixed arrival rate (open model: a new request starts on
// schedule whether or not the earlier ones have answered), for
// tests/performance/load/drivers.py. Environment: URL ({id} becomes
// ID_MIN..ID_MAX),
// RATE (requests/s), DURATION (e.g. "10s"), TOKEN (a bearer token, when set).
import http from "k6/http";

const idMin = parseInt(__ENV.ID_MIN || "1");
const idMax = parseInt(__ENV.ID_MAX || "1");

export const options = {
  discardResponseBodies: true,
  summaryTrendStats: ["p(50)", "p(95)", "p(99)", "max"],
  scenarios: {
    fixed: {
      executor: "constant-arrival-rate",
      rate: parseInt(__ENV.RATE),
      timeUnit: "1s",
      duration: __ENV.DURATION,
      preAllocatedVUs: 50,
      maxVUs: 400,
    },
  },
};

// One name for every request, the URL with its placeholder: by default k6
// tags each sample with its own URL, so every id became a time series of its
// own (k6's "URL grouping"). Over a run that grew k6 to 127 MB instead of 53
// and cost it CPU, on the two cores the server under test runs on.
const tags = { name: __ENV.URL };
const headers = __ENV.TOKEN ? { Authorization: `Bearer ${__ENV.TOKEN}` } : {};

export default function () {
  const id = idMin + Math.floor(Math.random() * (idMax - idMin + 1));
  http.get(__ENV.URL.replace("{id}", String(id)), { tags, headers });
}
