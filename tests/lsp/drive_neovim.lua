-- Drives `service-creator lsp` from a headless Neovim (0.7+), as a user's config would:
-- vim.lsp.start_client, then workspace/executeCommand for each command named in
-- SC_COMMANDS (comma-separated), each with { workspace = SC_WORKSPACE }.
-- window/showMessageRequest is answered by clicking the first action whose title is in
-- SC_PREFER (comma-separated), else the first action. The results (and any error) are written
-- as JSON to SC_OUT; Neovim exits 0 on success, 1 on failure. Every wait is bounded.
local env = vim.env
local out = { results = {}, prompts = {} }

local function split(text)
  local items = {}
  for item in string.gmatch(text or "", "[^,]+") do
    table.insert(items, item)
  end
  return items
end

local function finish(code)
  vim.fn.writefile({ vim.fn.json_encode(out) }, env.SC_OUT)
  vim.cmd(code == 0 and "qall!" or "cquit! 1")
end

local function pick(_, params)
  local wanted = {}
  for _, title in ipairs(split(env.SC_PREFER)) do
    wanted[title] = true
  end
  table.insert(out.prompts, params.message)
  for _, action in ipairs(params.actions or {}) do
    if wanted[action.title] then
      return action
    end
  end
  return (params.actions or {})[1] or vim.NIL
end

local function run()
  local root = env.SC_WORKSPACE
  local id = vim.lsp.start_client({
    name = "service-creator",
    cmd = { env.SC_PYTHON, "-m", "service_creator", "lsp" },
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = "ws" } },
    handlers = { ["window/showMessageRequest"] = pick },
  })
  assert(id, "the server did not start")
  local client = vim.lsp.get_client_by_id(id)
  assert(vim.wait(30000, function() return client.initialized end, 20), "no initialize result")
  out.commands = client.server_capabilities.executeCommandProvider.commands

  for _, command in ipairs(split(env.SC_COMMANDS)) do
    local done, reply = false, nil
    client.request("workspace/executeCommand", {
      command = command,
      arguments = { { workspace = root } },
    }, function(err, result)
      reply = { error = err and err.message or nil, result = result }
      done = true
    end)
    assert(vim.wait(120000, function() return done end, 20), command .. " timed out")
    table.insert(out.results, reply)
  end
  client.stop()
  vim.wait(5000, function() return client.is_stopped() end, 20)
end

local ok, err = pcall(run)
if not ok then
  out.error = tostring(err)
  finish(1)
else
  finish(0)
end
