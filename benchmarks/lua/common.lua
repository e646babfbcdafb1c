-- Shared by the sync push scenarios: who pushes (a token per demo person, each with a
-- colleague to recognise), fresh mutation ids, and a count of answers that were not
-- "applied" (so a fast run that only refused entries cannot pass for a good one).
local M = {}

function M.people()
  local list = {}
  for token, recipient in string.gmatch(os.getenv("TANDEM_PEOPLE"), "([^:,]+):([^,]+)") do
    table.insert(list, { token = token, recipient = recipient })
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

function M.done(summary)
  local refused = 0
  for _, thread in ipairs(M.threads) do
    refused = refused + (thread:get("refused") or 0)
  end
  io.write(string.format("REFUSED %d\n", refused))
end

return M
