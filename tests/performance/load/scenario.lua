-- wrk script for one scenario, described in the environment:
--   METHOD, TARGET (a path; {id} becomes ID_MIN..ID_MAX at random,
--   {location_id} LOCATION_MIN..LOCATION_MAX), BODY ({place} becomes one of
--   PLACES, split on "|"), TOKEN (sent as a bearer token when set).
-- done() prints one JSON line for tests/performance/load.py.
local method = os.getenv("METHOD") or "GET"
local target = os.getenv("TARGET") or "/"
local body = os.getenv("BODY")
local id_min = tonumber(os.getenv("ID_MIN") or "1")
local id_max = tonumber(os.getenv("ID_MAX") or "1")
local location_min = tonumber(os.getenv("LOCATION_MIN") or "1")
local location_max = tonumber(os.getenv("LOCATION_MAX") or "1")
local places = {}
for place in string.gmatch(os.getenv("PLACES") or "", "[^|]+") do
    places[#places + 1] = place
end
local headers = { ["Content-Type"] = "application/json" }
local token = os.getenv("TOKEN")
if token and token ~= "" then
    headers["Authorization"] = "Bearer " .. token
end

-- Each wrk thread has its own Lua state: give each its own random sequence.
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("seed", threads)
end

function init(args)
    math.randomseed(os.time() * 100 + (seed or 0))
end

function request()
    local path = target:gsub("{id}", function() return tostring(math.random(id_min, id_max)) end)
    path = path:gsub("{location_id}", function() return tostring(math.random(location_min, location_max)) end)
    local payload = nil
    if body then
        payload = body:gsub("{place}", function() return places[math.random(#places)] end)
    end
    return wrk.format(method, path, headers, payload)
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        '{"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,'
        .. '"write_errors":%d,"status_errors":%d,"timeouts":%d,'
        .. '"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d}\n',
        summary.requests, summary.duration, e.connect, e.read, e.write, e.status,
        e.timeout, latency:percentile(50), latency:percentile(95),
        latency:percentile(99), latency.max))
end
