; Top-level keys of each YAML document (service_creator.codeintel.extract). A Kubernetes document
; (one with `kind`) becomes one symbol: its kind and metadata.name.
(stream (document (block_node (block_mapping
  (block_mapping_pair key: (_) @key.name value: (_)? @key.value) @key))) @key.document)
(stream (document (flow_node (flow_mapping
  (flow_pair key: (_) @key.name value: (_)? @key.value) @key))) @key.document)
