; Symbols of a JavaScript module: one combined query, loaded once (service_creator.codeintel.extract).
; Every pattern is anchored at the program, so nested declarations stay out. The first capture's
; prefix (before the dot) names what a pattern finds.

; imports: `import x, { a as b } from "m"`, `import * as ns from "m"`, `import "m"`
(program (import_statement) @import)

; `const|let|var name = value`, exported or not: functions (arrow or expression), classes,
; `require(...)` imports and plain variables are told apart by the value's type
(program (lexical_declaration
  (variable_declarator name: (_) @declarator.name value: (_)? @declarator.value) @declarator))
(program (variable_declaration
  (variable_declarator name: (_) @declarator.name value: (_)? @declarator.value) @declarator))
(program (export_statement declaration: (lexical_declaration
  (variable_declarator name: (_) @declarator.name value: (_)? @declarator.value) @declarator)))
(program (export_statement declaration: (variable_declaration
  (variable_declarator name: (_) @declarator.name value: (_)? @declarator.value) @declarator)))

; function declarations
(program [
  (function_declaration name: (identifier) @function.name parameters: (formal_parameters) @function.params) @function
  (generator_function_declaration name: (identifier) @function.name parameters: (formal_parameters) @function.params) @function
  (export_statement declaration: [
    (function_declaration name: (identifier) @function.name parameters: (formal_parameters) @function.params) @function
    (generator_function_declaration name: (identifier) @function.name parameters: (formal_parameters) @function.params) @function
  ])
])

; classes, their methods and their fields
(program [
  (class_declaration name: (identifier) @class.name) @class
  (export_statement declaration: (class_declaration name: (identifier) @class.name) @class)
])
(program [
  (class_declaration name: (identifier) @method.class body: (class_body
    (method_definition name: (_) @method.name parameters: (formal_parameters) @method.params) @method))
  (export_statement declaration: (class_declaration name: (identifier) @method.class body: (class_body
    (method_definition name: (_) @method.name parameters: (formal_parameters) @method.params) @method)))
])
(program [
  (class_declaration name: (identifier) @field.class body: (class_body
    (field_definition property: (_) @field.name) @field))
  (export_statement declaration: (class_declaration name: (identifier) @field.class body: (class_body
    (field_definition property: (_) @field.name) @field)))
])

; exports: `export function f`, `export { a as b }`, `export default ...`
(program (export_statement) @export)

; CommonJS exports: `module.exports = { a, b }`, `module.exports.x = ...`, `exports.x = ...`
(program (expression_statement
  (assignment_expression left: (member_expression) @commonjs.target right: (_) @commonjs.value)) @commonjs)
