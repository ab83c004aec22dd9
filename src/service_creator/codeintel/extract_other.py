"""JavaScript, YAML and Dockerfile symbols.

JavaScript: imports (ES and `require`), exports (ES and CommonJS), functions (declared, or arrow
and function expressions assigned to a `const`), classes with their methods and fields, other
top-level variables. YAML: each document's top-level keys, or, for a Kubernetes document, its
`kind` and `metadata.name`. Dockerfile: stages, EXPOSE ports and USER, CMD, ENTRYPOINT,
WORKDIR, ENV, ARG, HEALTHCHECK under the stage they belong to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from service_creator.codeintel import parsing
from service_creator.codeintel.extract import MAX_SIGNATURE, Captures, Row, matches, squash, text_of

if TYPE_CHECKING:
    from tree_sitter import Node

_FUNCTION_VALUES = frozenset(("arrow_function", "function_expression", "generator_function"))


def _text(node: Node) -> str:
    return parsing.node_bytes(node).decode("utf-8", "replace")


def _line(node: Node) -> int:
    return node.start_point[0] + 1


def _js_string(node: Node) -> str:
    return _text(node)[1:-1]


# --- JavaScript -------------------------------------------------------------------------------


def javascript_rows(root: Node, source: bytes) -> list[Row]:
    found = matches("javascript", root)
    out: list[Row] = []
    for kind, caps in found:
        if kind == "function" or kind == "method":
            node = caps[kind][0]
            parent = _text(caps["method.class"][0]) if kind == "method" else ""
            detail = _js_params(caps[kind + ".params"][0], node)
            out.append((kind, _text(caps[kind + ".name"][0]), _line(node), detail, parent))
        elif kind == "declarator":
            out.extend(_declarator(caps))
        elif kind == "class":
            node = caps["class"][0]
            heritage = next((c for c in node.named_children if c.type == "class_heritage"), None)
            detail = squash(_text(heritage), comments=False) if heritage else ""
            out.append(("class", _text(caps["class.name"][0]), _line(node), detail, ""))
        elif kind == "field":
            node = caps["field"][0]
            value = node.child_by_field_name("value")
            detail = "= " + squash(text_of(value), comments=False) if value else ""
            out.append(
                (
                    "field",
                    _text(caps["field.name"][0]),
                    _line(node),
                    detail,
                    _text(caps["field.class"][0]),
                )
            )
        elif kind == "import":
            out.extend(_js_imports(caps["import"][0]))
        elif kind == "export":
            out.extend(_js_exports(caps["export"][0]))
        elif kind == "commonjs":
            out.extend(_commonjs(caps))
    return out


def _js_params(params: Node, owner: Node) -> str:
    text = squash(text_of(params, 2 * MAX_SIGNATURE), comments=False, limit=MAX_SIGNATURE)
    head = owner.child(0)  # a function has a first child (`child` never gives None)
    if head.type in ("async", "static", "get", "set"):
        text = f"{head.type} {text}"
    return text


def _declarator(caps: Captures) -> list[Row]:
    name_node = caps["declarator.name"][0]
    line = _line(caps["declarator"][0])
    value = caps.get("declarator.value", [None])[0]
    if value is not None and value.type == "call_expression":
        function = value.child_by_field_name("function")
        arguments = value.child_by_field_name("arguments")
        if (
            function is not None
            and _text(function) == "require"
            and arguments is not None
            and arguments.named_child_count
        ):
            module = arguments.named_children[0]
            if module.type == "string":
                return _require(name_node, _js_string(module), line)
    if name_node.type != "identifier":
        return []
    name = _text(name_node)
    if value is None:
        return [("variable", name, line, "", "")]
    if value.type in _FUNCTION_VALUES:
        params = value.child_by_field_name("parameters") or value.child_by_field_name("parameter")
        detail = _js_params(params, value) if params is not None else "()"
        if params is not None and params.type == "identifier":
            detail = detail.replace(_text(params), f"({_text(params)})", 1)
        return [("function", name, line, detail, "")]
    if value.type == "class":
        return [("class", name, line, "", "")]
    return [("variable", name, line, "= " + squash(text_of(value), comments=False), "")]


def _require(name: Node, module: str, line: int) -> list[Row]:
    if name.type == "identifier":
        return [("import", _text(name), line, f'const {_text(name)} = require("{module}")', "")]
    bound = [_text(c) for c in name.named_children if c.type.endswith("identifier_pattern")]
    bound += [
        _text(value)
        for c in name.named_children
        if c.type == "pair_pattern" and (value := c.child_by_field_name("value")) is not None
    ]
    return [("import", b, line, f'const {{ {b} }} = require("{module}")', "") for b in bound]


def _js_imports(node: Node) -> list[Row]:
    line = _line(node)
    source = node.child_by_field_name("source")
    module = _js_string(source) if source is not None else ""
    clause = next((c for c in node.named_children if c.type == "import_clause"), None)
    if clause is None:
        return [("import", module, line, f'import "{module}"', "")]
    out: list[Row] = []
    for part in clause.named_children:
        if part.type == "identifier":
            out.append(("import", _text(part), line, f'import {_text(part)} from "{module}"', ""))
        elif part.type == "namespace_import":
            bound = _text(part.named_children[-1])
            out.append(("import", bound, line, f'import * as {bound} from "{module}"', ""))
        elif part.type == "named_imports":
            for spec in part.named_children:
                named = spec.child_by_field_name("name")
                if spec.type != "import_specifier" or named is None:
                    continue
                original = _text(named)
                alias = spec.child_by_field_name("alias")
                bound = _text(alias) if alias is not None else original
                phrase = original if alias is None else f"{original} as {bound}"
                out.append(("import", bound, line, f'import {{ {phrase} }} from "{module}"', ""))
    return out


def _js_exports(node: Node) -> list[Row]:
    line = _line(node)
    default = any(c.type == "default" for c in node.children)
    declaration = node.child_by_field_name("declaration")
    names: list[str] = []
    if declaration is not None:
        named = declaration.child_by_field_name("name")
        if named is not None:
            names.append(_text(named))
        for declarator in declaration.named_children:
            name = declarator.child_by_field_name("name")
            if declarator.type == "variable_declarator" and name is not None:
                names.append(_text(name))
    for clause in node.named_children:
        if clause.type == "export_clause":
            for spec in clause.named_children:
                alias = spec.child_by_field_name("alias") or spec.child_by_field_name("name")
                if alias is not None:
                    names.append(_text(alias))
    if default:
        return [("export", "default", line, names[0] if names else "", "")]
    return [("export", name, line, "", "") for name in names]


def _commonjs(caps: Captures) -> list[Row]:
    target = _text(caps["commonjs.target"][0])
    line = _line(caps["commonjs"][0])
    value = caps["commonjs.value"][0]
    if target == "module.exports":
        if value.type != "object":
            return [("export", "default", line, "module.exports", "")]
        names: list[str] = []
        for prop in value.named_children:
            if prop.type == "shorthand_property_identifier":
                names.append(_text(prop))
            elif prop.type in ("pair", "method_definition"):
                key = prop.child_by_field_name("key") or prop.child_by_field_name("name")
                if key is not None:
                    names.append(_text(key))
        return [("export", name, line, "module.exports", "") for name in names]
    for head in ("module.exports.", "exports."):
        if target.startswith(head) and target[len(head) :].isidentifier():
            return [("export", target[len(head) :], line, "module.exports", "")]
    return []


# --- YAML -------------------------------------------------------------------------------------


def yaml_rows(root: Node, source: bytes) -> list[Row]:
    found = matches("yaml", root)
    documents: dict[int, list[Captures]] = {}
    for _, caps in found:
        documents.setdefault(caps["key.document"][0].start_byte, []).append(caps)
    out: list[Row] = []
    for pairs in documents.values():
        keys = {_yaml_scalar(c["key.name"][0]): c for c in pairs}
        kind = keys.get("kind")
        if kind is not None and "key.value" in kind:
            metadata = keys.get("metadata", {}).get("key.value", [None])[0]
            name = _yaml_child(metadata, "name") if metadata is not None else ""
            line = _line(pairs[0]["key.document"][0].named_children[-1])
            out.append(("kind", _yaml_scalar(kind["key.value"][0]), line, name, ""))
            continue
        for key, caps in keys.items():
            value = caps.get("key.value", [None])[0]
            out.append(("key", key, _line(caps["key"][0]), _yaml_summary(value), ""))
    return out


def _yaml_scalar(node: Node) -> str:
    text = _text(node).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1]
    return text


def _yaml_pairs(node: Node | None) -> list[Node]:
    """The pairs of a mapping value (block or flow), or nothing for any other value."""
    while node is not None and node.type in ("block_node", "flow_node"):
        node = node.named_children[-1] if node.named_child_count else None
    if node is None or node.type not in ("block_mapping", "flow_mapping"):
        return []
    return [c for c in node.named_children if c.type in ("block_mapping_pair", "flow_pair")]


def _yaml_child(node: Node, key: str) -> str:
    for pair in _yaml_pairs(node):
        name = pair.child_by_field_name("key")
        value = pair.child_by_field_name("value")
        if name is not None and value is not None and _yaml_scalar(name) == key:
            return _yaml_scalar(value)
    return ""


def _yaml_summary(value: Node | None) -> str:
    """A mapping's keys (`services: api, db`), or a short scalar."""
    if value is None:
        return ""
    pairs = _yaml_pairs(value)
    if pairs:
        keys = [pair.child_by_field_name("key") for pair in pairs]
        return squash(", ".join(_yaml_scalar(k) for k in keys if k is not None))
    if value.type == "flow_node" or "\n" not in text_of(value):
        return squash(text_of(value))
    return ""


# --- Dockerfile -------------------------------------------------------------------------------

_INSTRUCTIONS = {
    "expose_instruction": "EXPOSE",
    "user_instruction": "USER",
    "cmd_instruction": "CMD",
    "entrypoint_instruction": "ENTRYPOINT",
    "workdir_instruction": "WORKDIR",
    "env_instruction": "ENV",
    "arg_instruction": "ARG",
    "healthcheck_instruction": "HEALTHCHECK",
}


def dockerfile_rows(root: Node, source: bytes) -> list[Row]:
    found = matches("dockerfile", root)
    out: list[Row] = []
    stage, stages = "", 0
    ordered = sorted(found, key=lambda match: next(iter(match[1].values()))[0].start_byte)
    for kind, caps in ordered:
        if kind == "stage":
            image = _text(caps["stage.image"][0])
            alias = caps.get("stage.alias")
            stage = _text(alias[0]) if alias else str(stages)  # unnamed stages go by index
            stages += 1
            out.append(("stage", stage, _line(caps["stage"][0]), image, ""))
            continue
        node = caps["instruction"][0]
        keyword = _INSTRUCTIONS[node.type]
        line = _line(node)
        if keyword == "EXPOSE":
            ports = [c for c in node.named_children if c.type == "expose_port"]
            out.extend(("port", _text(port), line, "EXPOSE", stage) for port in ports)
        elif keyword in ("ENV", "ARG"):
            out.extend(_assignments(node, keyword, stage))
        else:
            arguments = _text(node)[len(keyword) :].strip()
            out.append(("key", keyword, line, squash(arguments, comments=False), stage))
    return out


def _assignments(node: Node, keyword: str, stage: str) -> list[Row]:
    out: list[Row] = []
    for pair in node.named_children:
        name = pair.child_by_field_name("name")
        if name is None:
            continue
        value = pair.child_by_field_name("default") or pair.child_by_field_name("value")
        detail = f"{keyword} {squash(text_of(value), comments=False)}" if value else keyword
        out.append(("variable", _text(name), _line(pair), detail, stage))
    return out
