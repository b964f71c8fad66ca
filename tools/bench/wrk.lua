-- wrk script for `make bench` (tools/bench/load.py sets the environment):
--   BENCH_DATA    file with one line per caller: "Header: value" for GET rows,
--                 "token<TAB>JSON body" for the POST row (empty: no header, the ceiling row)
--   BENCH_METHOD  GET or POST
--   BENCH_EXPECT  the status every answer must have (200, 201); others are counted as bad
--   BENCH_RUN     a run id: POST requests carry Idempotency-Key bench-<run>-<thread>-<n>
-- Each thread rotates over the lines. done() prints one line "BENCH {json}" with the totals.

local method = os.getenv("BENCH_METHOD") or "GET"
local expect = tonumber(os.getenv("BENCH_EXPECT") or "200")
local run = os.getenv("BENCH_RUN") or "0"

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

-- Per thread (globals, so done() can read them with thread:get).
bad = 0
first_bad = ""
local lines = {}
local prepared = {}
local index = 0
local sent = 0

function init(args)
   local path = os.getenv("BENCH_DATA")
   if path and path ~= "" then
      for line in io.lines(path) do
         if line ~= "" then
            table.insert(lines, line)
         end
      end
   end
   index = (tid or 1) - 1
   if method ~= "POST" then
      for i, line in ipairs(lines) do
         local name, value = line:match("^([^:]+):%s*(.*)$")
         prepared[i] = wrk.format(method, nil, { [name] = value }, nil)
      end
      if #prepared == 0 then
         prepared[1] = wrk.format(method, nil, {}, nil)
      end
   end
end

function request()
   if method ~= "POST" then
      index = index % #prepared + 1
      return prepared[index]
   end
   index = index % #lines + 1
   sent = sent + 1
   local token, body = lines[index]:match("^([^\t]*)\t(.*)$")
   local headers = {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = string.format("bench-%s-%d-%d", run, tid or 0, sent),
   }
   return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
   if status ~= expect then
      bad = bad + 1
      if first_bad == "" then
         first_bad = status .. " " .. string.sub(body or "", 1, 200)
      end
   end
end

local function quote(text)
   return '"' .. text:gsub('[%c"\\]', " ") .. '"'
end

function done(summary, latency, requests)
   local total_bad, sample = 0, ""
   for _, thread in ipairs(threads) do
      total_bad = total_bad + (thread:get("bad") or 0)
      local first = thread:get("first_bad") or ""
      if sample == "" then
         sample = first
      end
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
         .. '"bad": %d, "errors": %d, "first_bad": %s}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      total_bad, e.connect + e.read + e.write + e.timeout, quote(sample)
   ))
end
