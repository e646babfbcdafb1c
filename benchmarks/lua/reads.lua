-- Authenticated GETs: each request takes a random line "<token> <path> [<etag>]" of the file
-- named by TANDEM_REQUESTS (a mix of people and the paths their screens read; with an ETag,
-- revalidating the answer the app holds). Counts answers other than 200 and 304.
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
  local headers = { ["Authorization"] = "Bearer " .. pick.token }
  if pick.etag then
    headers["If-None-Match"] = pick.etag
  end
  return wrk.format("GET", pick.value, headers)
end

function response(status, headers, body)
  if status ~= 200 and status ~= 304 then
    refused = refused + 1
  end
end
