; Stages and the instructions that matter to other files (service_creator.codeintel.extract).

; `FROM image [AS name]`
(source_file (from_instruction (image_spec) @stage.image as: (image_alias)? @stage.alias) @stage)

; EXPOSE ports, USER, CMD, ENTRYPOINT, WORKDIR, ENV, ARG, HEALTHCHECK
(source_file [
  (expose_instruction)
  (user_instruction)
  (cmd_instruction)
  (entrypoint_instruction)
  (workdir_instruction)
  (env_instruction)
  (arg_instruction)
  (healthcheck_instruction)
] @instruction)
