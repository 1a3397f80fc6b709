// The public API, called with the planner's bearer token.
//
// The token comes from the sign-in form, or from the link `make run` prints
// (`/dashboard/#token=...`: a fragment never leaves the browser). It is kept
// in sessionStorage (this tab only), sent only as the Authorization header,
// and taken out of the address bar as soon as it is read.

const KEY = "waste-dashboard-token";

export class SignInNeeded extends Error {}

export class Refused extends Error {
  constructor(status, problem, retryAfter) {
    super(describe(status, problem, retryAfter));
    this.status = status;
    this.problem = problem;
  }
}

// Keep the token a link carries in its fragment, and drop it from the
// address (and so from the history); whether there was one.
export function takeTokenFromAddress() {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get("token");
  if (token) {
    saveToken(token);
    const { pathname, search } = window.location;
    window.history.replaceState(null, "", pathname + search);
  }
  return Boolean(token);
}

export function token() {
  return sessionStorage.getItem(KEY);
}

export function saveToken(value) {
  sessionStorage.setItem(KEY, value.trim());
}

export function forgetToken() {
  sessionStorage.removeItem(KEY);
}

// GET a path of the public API with `params` (a URLSearchParams); its JSON.
export async function get(path, params) {
  const query = params && params.toString() ? `?${params}` : "";
  return (await request(`${path}${query}`)).body;
}

// Every item of a list, following its Link: <...>; rel="next" pages.
export async function getAll(path, params, maxPages = 20) {
  const items = [];
  let url = new URL(`${path}?${params}`, window.location.origin);
  for (let page = 0; url && page < maxPages; page += 1) {
    const { body, response } = await request(url.pathname + url.search);
    items.push(...body);
    const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get("Link") || "");
    url = next ? new URL(next[1], url) : null;
  }
  return items;
}

async function request(url) {
  const bearer = token();
  if (!bearer) {
    throw new SignInNeeded("Paste a token to see the figures.");
  }
  let response;
  try {
    response = await fetch(url, {
      headers: { Authorization: `Bearer ${bearer}`, Accept: "application/json" },
      cache: "no-store",
    });
  } catch (error) {
    throw new Refused(0, { detail: String(error.message || error) });
  }
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) {
    forgetToken();
    throw new SignInNeeded(
      `The gateway refused the token: ${body.detail || "it is not valid or has expired"}`,
    );
  }
  if (!response.ok) {
    throw new Refused(response.status, body, response.headers.get("Retry-After"));
  }
  return { body, response };
}

function describe(status, problem, retryAfter) {
  if (status === 0) {
    return `The gateway did not answer (${problem.detail}). Is the system running?`;
  }
  if (status === 403) {
    const scope = problem.errors && problem.errors.scope ? problem.errors.scope.join(" ") : "";
    return `This token may not read these figures. ${problem.detail || ""} ${scope}`.trim();
  }
  const wait = retryAfter ? ` Try again in ${retryAfter} s.` : "";
  if (status === 503) {
    return `A service behind the gateway is unavailable (503): ${problem.detail || ""}${wait}`;
  }
  if (status === 429) {
    return `Too many requests from this token (429).${wait}`;
  }
  return `The gateway answered ${status}: ${problem.detail || problem.title || "no detail"}.${wait}`;
}
