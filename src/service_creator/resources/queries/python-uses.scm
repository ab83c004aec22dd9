; What a Python file uses from other files, for the consistency check
; (service_creator.codeintel.consistency). Unanchored: these are found anywhere in the file.

; HTTP client calls: client.get("/path"), self.client.post(f"/x/{id}"), client.request("GET", url)
((call
  function: (attribute attribute: (identifier) @call.method)
  arguments: (argument_list . (_) @call.first)) @call
 (#any-of? @call.method "get" "post" "put" "patch" "delete" "head" "options" "request"))

; attributes read from a module or a settings object: settings.X, config.X, get_settings().X,
; self.settings.X
(attribute object: (identifier) @attribute.object attribute: (identifier) @attribute.name)
(attribute
  object: (call function: (identifier) @attribute.call arguments: (argument_list))
  attribute: (identifier) @attribute.name)
(attribute
  object: (attribute attribute: (identifier) @attribute.chain)
  attribute: (identifier) @attribute.name)

; string constants a call may take its path from: URL = "/instances", url = f"/x/{i}"
(assignment left: (identifier) @constant.name right: (string) @constant.value)
