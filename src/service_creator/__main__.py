from service_creator.cli import main

raise SystemExit(main())
