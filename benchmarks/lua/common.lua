-- Shared by the sync push scenarios: who pushes (a token per demo person, each with a
-- colleague to recognise), fresh mutation ids, and a count of answers that were not
-- "applied" (so a fast run that only refused entries cannot pass for a good one).
local M = {}

-- The lines "<token> <value> [<etag>]" of the file named by an environment variable (a
-- file: too many tokens for the environment at scale), as { token, value, etag } (etag is
-- nil when the line has none).
function M.pairs(variable)
  local list = {}
  for line in io.lines(os.getenv(variable)) do
    local token, value, etag = string.match(line, "^(%S+) (%S+) ?(%S*)$")
    table.insert(list, { token = token, value = value, etag = etag ~= "" and etag or nil })
  end
  return list
end

function M.uuid4()
  return (string.gsub("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", "[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

function M.kudos(recipient)
  return string.format(
    '{"id":"%s","kind":"kudos.create","client_created_at":"2026-11-27T08:00:00Z",'
      .. '"payload":{"recipient_ids":["%s"],"behaviour":"周三在客户现场把报价单逐项讲清楚，客户当场同意试点"}}',
    M.uuid4(), recipient)
end

M.threads = {}
function M.setup(thread)
  thread:set("index", #M.threads + 1)
  table.insert(M.threads, thread)
end

-- wrk's done(): answers not counted as good, and p50/p95/p99 in ms (wrk's own --latency
-- table has no p95).
function M.done(summary, latency, requests)
  local refused = 0
  for _, thread in ipairs(M.threads) do
    refused = refused + (thread:get("refused") or 0)
  end
  io.write(string.format("REFUSED %d\n", refused))
  for _, p in ipairs({ 50, 95, 99 }) do
    io.write(string.format("PERCENTILE %d %.3f\n", p, latency:percentile(p) / 1000))
  end
end

return M
