; Symbols of a Python module: one combined query, compiled once (service_creator.core.extract).
; Every pattern is anchored at the module, so nested definitions and imports stay out and the
; query cursor never starts a match below depth 0. The prefix of a pattern's first capture
; (before the dot) names what it finds. A signature (or a class's bases) is the source between
; the name and the body, so only the name and the body are captured.

; imports: `import x`, `import x.y as z`, `from x import y as z`, `from . import y`
(module (import_statement) @import)
(module (import_from_statement) @import)
(module (future_import_statement) @import)

; module-level constants and variables: `X = 1`, `x: int = 1`
(module (expression_statement (assignment left: (identifier) @variable.name) @variable))

; top-level functions, async and decorated ones too
(module (function_definition name: (identifier) @function.name body: (block) @function.body))
(module (decorated_definition
  definition: (function_definition name: (identifier) @function.name body: (block) @function.body)))

; classes
(module (class_definition name: (identifier) @class.name body: (block) @class.body))
(module (decorated_definition
  definition: (class_definition name: (identifier) @class.name body: (block) @class.body)))

; methods: the functions of a top-level class body
(module [
  (class_definition name: (identifier) @method.class body: (block [
    (function_definition name: (identifier) @method.name body: (block) @method.body)
    (decorated_definition
      definition: (function_definition name: (identifier) @method.name body: (block) @method.body))
  ]))
  (decorated_definition definition: (class_definition name: (identifier) @method.class body: (block [
    (function_definition name: (identifier) @method.name body: (block) @method.body)
    (decorated_definition
      definition: (function_definition name: (identifier) @method.name body: (block) @method.body))
  ])))
])

; fields: `x: int = 1` and `x = 1` in a top-level class body
(module [
  (class_definition name: (identifier) @field.class body: (block
    (expression_statement (assignment left: (identifier) @field.name) @field)))
  (decorated_definition definition: (class_definition name: (identifier) @field.class body: (block
    (expression_statement (assignment left: (identifier) @field.name) @field))))
])

; FastAPI routes: `@app.get("/path")`, `@router.post("/path", ...)` on a top-level function
(module (decorated_definition
  (decorator (call
    function: (attribute object: (identifier) @route.object attribute: (identifier) @route.method)
    arguments: (argument_list . (string) @route.path)))
  definition: (function_definition name: (identifier) @route.handler)))
