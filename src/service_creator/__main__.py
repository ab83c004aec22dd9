from service_creator.frontends.cli.main import main

raise SystemExit(main())
