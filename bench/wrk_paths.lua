-- wrk script of the HTTP benchmarks (bench/compliance.py: http_load): GETs the paths listed in the
-- file given after "--", one after another, and prints one JSON line of figures when done.
--   wrk -t1 -c8 -d20s -s bench/wrk_paths.lua http://127.0.0.1:PORT -- paths.txt

local paths = {}
local i = 0
largest = 0 -- a global: done() reads it from each thread with thread:get
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  i = math.random(#paths) -- each thread starts somewhere else in the list
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end

function response(status, headers, body)
  if #body > largest then
    largest = #body
  end
end

function done(summary, latency, requests)
  local biggest = 0
  for _, thread in ipairs(threads) do
    biggest = math.max(biggest, thread:get("largest"))
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50": %.3f, "p95": %.3f, "p99": %.3f, "largest": %d, ' ..
    '"non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, biggest, e.status, e.connect + e.read + e.write + e.timeout))
end
