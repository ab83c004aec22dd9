-- Drives Neovim (0.7 or later) configured with the README's snippet (loaded as init.lua by
-- test_neovim.py) the way a user would: open a file, `:SC startInterview`, `:SC generate`, break
-- a line of test_suite.py and save it, `:SC runTests`, read the diagnostic on that line, then
-- `vim.lsp.buf.code_action()` and pick "Fix with model".
--
-- The human is played by stubs of the two prompts Neovim shows: `vim.fn.inputlist` (0.7's
-- showMessageRequest) and `vim.ui.select` (0.10+'s showMessageRequest, and the code action
-- menu). Each picks the first item whose text is in SC_PREFER (comma-separated), else one
-- starting with "Fix with model", else the first. `vim.notify` (where `:SC` shows a result) and
-- `vim.deprecate` are recorded. Everything is written as JSON to SC_OUT; Neovim exits 0 on
-- success, 1 on failure. Every wait is bounded and ends as soon as its condition holds.
local env = vim.env
local out = { notices = {}, prompts = {}, selections = {}, deprecated = {} }
local wanted = {}
for item in string.gmatch(env.SC_PREFER or "", "[^,]+") do
  wanted[item] = true
end

local function choose(texts)
  for i, text in ipairs(texts) do
    if wanted[text] then
      return i
    end
  end
  for i, text in ipairs(texts) do
    if text:find("^Fix with model") then
      return i
    end
  end
  return 1
end

vim.notify = function(message, level)
  table.insert(out.notices, { message = tostring(message), level = level or vim.log.levels.INFO })
end
local deprecate = vim.deprecate
vim.deprecate = function(name, alternative, ...)
  table.insert(out.deprecated, tostring(name) .. " -> " .. tostring(alternative))
  return deprecate(name, alternative, ...)
end
vim.fn.inputlist = function(lines)
  table.insert(out.prompts, lines[1])
  local titles = {}
  for i = 3, #lines do
    table.insert(titles, (lines[i]:gsub("^%d+%. ", "")))
  end
  return choose(titles)
end
vim.ui.select = function(items, opts, on_choice)
  local texts = {}
  for _, item in ipairs(items) do
    table.insert(texts, opts.format_item and opts.format_item(item) or tostring(item))
  end
  table.insert(out.prompts, opts.prompt or "")
  table.insert(out.selections, { prompt = opts.prompt, items = texts })
  local i = choose(texts)
  on_choice(items[i], i)
end

local function wait(what, seconds, condition)
  assert(vim.wait(seconds * 1000, condition, 50), what .. ": nothing after " .. seconds .. " s")
end

local function service_creator()
  local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
  for _, client in ipairs(get_clients()) do
    if client.name == "service-creator" then
      return client
    end
  end
end

-- `:SC <command>`, then the notice it shows (its result, or the error in red)
local function sc(command, seconds)
  local before = #out.notices
  vim.cmd("SC " .. command)
  local notice
  wait(":SC " .. command, seconds, function()
    for i = before + 1, #out.notices do
      if out.notices[i].level ~= vim.log.levels.WARN then
        notice = out.notices[i]
        return true
      end
    end
    return false
  end)
  assert(notice.level ~= vim.log.levels.ERROR, ":SC " .. command .. ": " .. notice.message)
  out[command] = notice.message
end

local function diagnostics(buffer)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buffer)) do
    table.insert(found, { line = d.lnum, message = d.message, source = d.source })
  end
  return found
end

local function run()
  local v = vim.version()
  out.version = string.format("%d.%d.%d", v.major, v.minor, v.patch)

  vim.cmd("edit notes.md") -- a new, empty folder: any file of the listed types starts the server
  wait("the server starting", 60, function()
    local client = service_creator()
    return client ~= nil and client.initialized == true
  end)
  out.root = service_creator().config.root_dir

  sc("startInterview", 120)
  sc("generate", 120)

  -- the user breaks an assertion and saves the file
  vim.cmd("edit " .. vim.fn.fnameescape(env.SC_PLANT_FILE))
  local buffer = vim.api.nvim_get_current_buf()
  local id = service_creator().id
  wait("the client attaching", 30, function()
    return vim.lsp.buf_is_attached(buffer, id)
  end)
  local lines = vim.api.nvim_buf_get_lines(buffer, 0, -1, false)
  for i, line in ipairs(lines) do
    local first, last = line:find(env.SC_BREAK_FROM, 1, true)
    if first and not out.planted_line then
      out.planted_line = i - 1
      out.original_text = line
      local broken = line:sub(1, first - 1) .. env.SC_BREAK_TO .. line:sub(last + 1)
      vim.api.nvim_buf_set_lines(buffer, i - 1, i, false, { broken })
    end
  end
  assert(out.planted_line, "no line of " .. env.SC_PLANT_FILE .. " has " .. env.SC_BREAK_FROM)
  vim.cmd("write")

  sc("runTests", 300)
  wait("the diagnostics", 30, function()
    return #vim.diagnostic.get(buffer) > 0
  end)
  out.diagnostics = diagnostics(buffer)

  -- on the failure's line, the code action menu: "Fix with model" repairs it, tests re-run
  vim.api.nvim_win_set_cursor(0, { out.planted_line + 1, 4 })
  local menus = #out.selections
  vim.lsp.buf.code_action()
  wait("the code action menu", 30, function()
    return #out.selections > menus
  end)
  out.code_actions = out.selections[#out.selections].items
  wait("the fix", 300, function()
    local line = vim.api.nvim_buf_get_lines(buffer, out.planted_line, out.planted_line + 1, false)
    return line[1] == out.original_text and #vim.diagnostic.get(buffer) == 0
  end)
  out.fixed_text = vim.api.nvim_buf_get_lines(buffer, out.planted_line, out.planted_line + 1, false)[1]
  out.diagnostics_after_fix = diagnostics(buffer)

  sc("showSession", 60)
  vim.lsp.stop_client(id)
  wait("the server stopping", 10, function()
    return vim.lsp.get_client_by_id(id) == nil
  end)
end

local ok, err = pcall(run)
out.messages = vim.fn.execute("messages")
if not ok then
  out.error = tostring(err)
end
vim.fn.writefile({ vim.fn.json_encode(out) }, env.SC_OUT)
vim.cmd(ok and "qall!" or "cquit! 1")
