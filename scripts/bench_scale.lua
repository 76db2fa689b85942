-- wrk script for scripts/bench_scale.py: GetItem of a random key among the N loaded items
-- (pk "k000000000".."k<N-1>"), table "scale". Non-200 answers and answers without an Item are
-- counted as errors.
--   wrk -t1 -c16 -d10s -s scripts/bench_scale.lua http://127.0.0.1:PORT/ -- N
local n = 1000
local missing = 0
function init(args)
  n = tonumber(args[1] or "1000")
  math.randomseed(os.time() + (id or 0))
end
function request()
  local body = string.format('{"TableName":"scale","Key":{"pk":{"S":"k%09d"}}}', math.random(0, n - 1))
  return wrk.format("POST", "/", {
    ["Content-Type"] = "application/x-amz-json-1.0",
    ["X-Amz-Target"] = "DynamoDB_20120810.GetItem",
  }, body)
end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"Item"', 1, true) then
    missing = missing + 1
  end
end
function done(summary, latency, requests)
  io.write(string.format("BENCH_JSON {\"requests\":%d,\"duration_us\":%d,\"errors\":%d}\n",
    summary.requests, summary.duration, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
