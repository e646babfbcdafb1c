-- Authenticated GETs: each request takes a random line "<token> <path>" of the file named by
-- TANDEM_REQUESTS (a mix of people and the paths their screens read). Counts answers other
-- than 200.
package.path = os.getenv("TANDEM_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local requests
refused = 0

setup = common.setup
done = common.done

function init(args)
  math.randomseed(os.time() * 1000 + (index or 0))
end

function request()
  -- wrk also calls this once on its main Lua state, where init never ran.
  requests = requests or common.pairs("TANDEM_REQUESTS")  -- token, path
  local pick = requests[math.random(#requests)]
  return wrk.format("GET", pick.value, { ["Authorization"] = "Bearer " .. pick.token })
end

function response(status, headers, body)
  if status ~= 200 then
    refused = refused + 1
  end
end
