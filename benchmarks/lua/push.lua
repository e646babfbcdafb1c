-- POST /api/sync/push with BATCH kudos.create mutations per request (env TANDEM_BATCH).
package.path = os.getenv("TANDEM_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local people, batch
refused = 0

setup = common.setup
done = common.done

function init(args)
  math.randomseed(os.time() * 1000 + (index or 0))
end

function request()
  -- wrk also calls this once on its main Lua state, where init never ran.
  people = people or common.pairs("TANDEM_PEOPLE")  -- token, recipient
  batch = batch or tonumber(os.getenv("TANDEM_BATCH") or "1")
  local who = people[math.random(#people)]
  local mutations = {}
  for i = 1, batch do
    mutations[i] = common.kudos(who.value)
  end
  local body = '{"device_id":"bench","mutations":[' .. table.concat(mutations, ",") .. "]}"
  return wrk.format("POST", "/api/sync/push", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. who.token,
  }, body)
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"rejected"', 1, true) then
    refused = refused + 1
  end
end
