-- One target of bench/run.py:  wrk ... -s bench/wrk/cp.lua URL -- MODE AUTHORIZATION [NONCE]
--   MODE get:    the same GET on every request (built once).
--   MODE create: POST of the URL's path with a JSON org body and a slug unique to this request
--                (NONCE, the thread and a counter), so every create is a real 201.
--   AUTHORIZATION: the whole header value ("Bearer mol_pk_…", "Api-Key …"), or "" for none.
-- done() prints one line `BENCH_JSON {...}` (requests/s, latency p50/p99 in ms, errors) for the
-- harness to parse. wrk counts responses >= 400 as `status` errors: a target that must answer
-- 401 expects all of them to be, any other none.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

local mode, fixed, nonce
local counter = 0

function init(args)
  mode = args[1] or "get"
  nonce = args[3] or "x"
  if args[2] ~= nil and args[2] ~= "" then
    wrk.headers["Authorization"] = args[2]
  end
  if mode == "create" then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
  else
    fixed = wrk.format()
  end
end

function request()
  if fixed then
    return fixed
  end
  counter = counter + 1
  local slug = string.format("b%s-%d-%d", nonce, id, counter)
  local body = string.format('{"name": "Bench %s", "slug": "%s", "plan": "standard"}', slug, slug)
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "seconds": %.3f, "rps": %.2f, "p50_ms": %.3f, "p99_ms": %.3f, '
      .. '"mean_ms": %.3f, "status_errors": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "timeouts": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.mean / 1000,
    e.status, e.connect, e.read, e.write, e.timeout))
end
